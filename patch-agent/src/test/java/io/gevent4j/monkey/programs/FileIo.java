package io.gevent4j.monkey.programs;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;

import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Plain file I/O in greenlets gives the same bytes as without the agent: 20 greenlets each write a
 * file of their own with {@code FileOutputStream} and read it back with {@code FileInputStream} (every
 * read form), {@code RandomAccessFile} and {@code FileChannel}; a read of a closed stream fails with
 * the JDK's {@code IOException}. Prints {@code correct} (greenlets whose checks all passed) and
 * {@code closedRead}. Args: directory.
 */
public final class FileIo {
    private FileIo() {
    }

    /**
     * Runs the program; prints its findings as {@code key=value} lines.
     *
     * @param args see the class comment
     * @throws Exception whatever the program throws (the child's exit status then shows it)
     */
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        List<Greenlet<Boolean>> workers = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            int n = i;
            workers.add(Gevent.spawn(() -> roundTrip(dir.resolve("f" + n), content(n))));
        }
        Gevent.joinAll(workers);
        int correct = 0;
        for (Greenlet<Boolean> w : workers) {
            if (w.get()) {
                correct++;
            }
        }
        System.out.println("correct=" + correct);
        System.out.println("closedRead=" + Gevent.spawn(() -> closedRead(dir.resolve("f0"))).get());
    }

    private static byte[] content(int n) {
        byte[] bytes = new byte[100_000 + n];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (i * 31 + n);
        }
        return bytes;
    }

    private static boolean roundTrip(Path file, byte[] data) throws IOException {
        try (FileOutputStream out = new FileOutputStream(file.toFile())) {
            out.write(data[0]);
            out.write(data, 1, 999);
            out.write(Arrays.copyOfRange(data, 1000, data.length));
        }
        boolean ok;
        try (FileInputStream in = new FileInputStream(file.toFile())) {
            int first = in.read();
            byte[] some = new byte[999];
            int got = in.readNBytes(some, 0, 999);
            long skipped = in.skip(1000);
            byte[] rest = in.readAllBytes();
            ok = first == (data[0] & 0xff) && got == 999 && Arrays.equals(some, Arrays.copyOfRange(data, 1, 1000))
                    && skipped == 1000 && Arrays.equals(rest, Arrays.copyOfRange(data, 2000, data.length))
                    && in.read() == -1;
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(500);
            ok &= raf.read() == (data[500] & 0xff);
            byte[] mid = new byte[10];
            raf.readFully(mid);
            ok &= Arrays.equals(mid, Arrays.copyOfRange(data, 501, 511));
            raf.seek(0);
            raf.write(7);
            raf.seek(0);
            ok &= raf.read() == 7;
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.allocate(4);
            ok &= channel.read(buffer, 1) == 4 && Arrays.equals(buffer.array(), Arrays.copyOfRange(data, 1, 5));
            ok &= channel.write(ByteBuffer.wrap(new byte[] {9}), 1) == 1;
            channel.force(false);
        }
        byte[] after = Files.readAllBytes(file);
        ok &= after.length == data.length && after[0] == 7 && after[1] == 9
                && Arrays.equals(Arrays.copyOfRange(after, 2, after.length), Arrays.copyOfRange(data, 2, data.length));
        return ok;
    }

    private static String closedRead(Path file) throws IOException {
        FileInputStream in = new FileInputStream(file.toFile());
        in.close();
        try {
            in.read();
            return "read";
        } catch (IOException e) {
            return e.getClass().getSimpleName() + ":" + e.getMessage();
        }
    }
}
