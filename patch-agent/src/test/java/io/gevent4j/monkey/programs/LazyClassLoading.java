package io.gevent4j.monkey.programs;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;

import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Greenlets that load classes of the program lazily while doing file I/O: run from a class
 * <em>directory</em> (as from an IDE or {@code mvn exec}), a class file is read with a patched
 * {@code FileInputStream.read}, which must run inline and not recurse into the offload path.
 *
 * <p>A first greenlet reads the stdout of {@code timeout 20 head -n 1} (an offloaded pipe read).
 * While it waits, 8 greenlets each read a file with {@code FileInputStream}, then load a class by
 * naming it ({@code A<i>.id()}, loaded by the VM) and one through {@code ClassLoader.loadClass}
 * ({@code B<i>}), then read the file again. Once they are all done, main writes {@code go} to that
 * process, which echoes it. Prints {@code loaded} (greenlets that loaded both classes and read the
 * right bytes twice), {@code pipeLine} ({@code go}; empty, with {@code shellExit=124}, if the process
 * gave up after 20 s because the pipe read held the hub and the others never ran) and
 * {@code shellExit}.
 *
 * <p>Then a greenlet loads a class through a class loader that reads the class file from a pipe that
 * answers after 300 ms, while another greenlet ticks every 10 ms: class loading reads inline, so the
 * ticker stalls. Prints {@code ticksDuringClassRead} (about 30 if the read had been offloaded) and
 * {@code pipeLoaded}. Args: directory.
 */
public final class LazyClassLoading {
    private static final int GREENLETS = 8;

    private LazyClassLoading() {
    }

    /**
     * Runs the program; prints its findings as {@code key=value} lines.
     *
     * @param args see the class comment
     * @throws Exception whatever the program throws (the child's exit status then shows it)
     */
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Process shell = new ProcessBuilder("timeout", "20", "head", "-n", "1").start();
        Greenlet<String> pipe = Gevent.spawn(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(shell.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line = in.readLine();
                return line == null ? "" : line;
            }
        });
        List<Greenlet<Boolean>> loaders = new ArrayList<>();
        for (int i = 0; i < GREENLETS; i++) {
            int n = i;
            Path file = dir.resolve("f" + n);
            Files.write(file, content(n));
            loaders.add(Gevent.spawn(() -> readLoadRead(file, n)));
        }
        Gevent.joinAll(loaders);
        int loaded = 0;
        for (Greenlet<Boolean> g : loaders) {
            if (g.get()) {
                loaded++;
            }
        }
        try (OutputStream toShell = shell.getOutputStream()) {
            toShell.write("go\n".getBytes(StandardCharsets.UTF_8));
        }
        System.out.println("loaded=" + loaded);
        System.out.println("pipeLine=" + pipe.get());
        System.out.println("shellExit=" + shell.waitFor());

        AtomicLong ticks = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        Greenlet<Void> ticker = Gevent.spawn(() -> {
            while (!stop.get()) {
                Thread.sleep(10);
                ticks.incrementAndGet();
            }
            return null;
        });
        Greenlet<String> slowLoad = Gevent.spawn(() -> {
            while (ticks.get() == 0) {
                Thread.sleep(1);
            }
            long before = ticks.get();
            Class<?> c = new PipeLoader().loadClass(C.class.getName());
            System.out.println("ticksDuringClassRead=" + (ticks.get() - before));
            return c.getName() + (c.getClassLoader() instanceof PipeLoader ? " by PipeLoader" : " by another loader");
        });
        try {
            System.out.println("pipeLoaded=" + slowLoad.get());
        } finally {
            stop.set(true);
        }
        ticker.get();
    }

    /**
     * Loads {@link C} itself, reading its class file from the stdout of
     * {@code sh -c 'sleep 0.3; cat C.class'}: a slow read by a class loader, which must run inline.
     */
    private static final class PipeLoader extends ClassLoader {
        PipeLoader() {
            super(LazyClassLoading.class.getClassLoader());
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null) {
                    c = name.equals(C.class.getName()) ? findClass(name) : super.loadClass(name, false);
                }
                return c;
            }
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            try {
                Path file = Path.of(LazyClassLoading.class.getResource("LazyClassLoading$C.class").toURI());
                Process cat = new ProcessBuilder("sh", "-c", "sleep 0.3; cat \"$0\"", file.toString()).start();
                byte[] bytes;
                try (InputStream in = cat.getInputStream()) {
                    bytes = in.readAllBytes();
                }
                return defineClass(name, bytes, 0, bytes.length);
            } catch (IOException | URISyntaxException e) {
                throw new ClassNotFoundException(name, e);
            }
        }
    }

    /** Loaded by {@link PipeLoader}. */
    static final class C {
    }

    private static boolean readLoadRead(Path file, int n) throws Exception {
        byte[] expected = content(n);
        boolean ok = Arrays.equals(expected, read(file));
        int id = switch (n) {
            case 0 -> A0.id();
            case 1 -> A1.id();
            case 2 -> A2.id();
            case 3 -> A3.id();
            case 4 -> A4.id();
            case 5 -> A5.id();
            case 6 -> A6.id();
            case 7 -> A7.id();
            default -> -1;
        };
        Class<?> b = LazyClassLoading.class.getClassLoader().loadClass(LazyClassLoading.class.getName() + "$B" + n);
        ok &= id == n && b.getSimpleName().equals("B" + n);
        return ok && Arrays.equals(expected, read(file));
    }

    private static byte[] read(Path file) throws IOException {
        try (InputStream in = new FileInputStream(file.toFile())) {
            return in.readAllBytes();
        }
    }

    private static byte[] content(int n) {
        byte[] bytes = new byte[10_000 + n];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (i * 17 + n);
        }
        return bytes;
    }

    // loaded lazily, each by one greenlet: A0..A7 by the VM, B0..B7 through ClassLoader.loadClass
    static final class A0 {
        static int id() {
            return 0;
        }
    }

    static final class A1 {
        static int id() {
            return 1;
        }
    }

    static final class A2 {
        static int id() {
            return 2;
        }
    }

    static final class A3 {
        static int id() {
            return 3;
        }
    }

    static final class A4 {
        static int id() {
            return 4;
        }
    }

    static final class A5 {
        static int id() {
            return 5;
        }
    }

    static final class A6 {
        static int id() {
            return 6;
        }
    }

    static final class A7 {
        static int id() {
            return 7;
        }
    }

    static final class B0 {
    }

    static final class B1 {
    }

    static final class B2 {
    }

    static final class B3 {
    }

    static final class B4 {
    }

    static final class B5 {
    }

    static final class B6 {
    }

    static final class B7 {
    }
}
