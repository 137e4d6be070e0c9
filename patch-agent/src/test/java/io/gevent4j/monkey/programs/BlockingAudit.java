package io.gevent4j.monkey.programs;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.monitor.BlockingDetector;

import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * The audit of issue 18: plain JDK blocking calls, each run in a greenlet beside a 10 ms ticker
 * greenlet, with the blocking detector on (agent option {@code maxblockingtime=20ms}). A call passes
 * when the detector reported nothing while it ran and the ticker kept ticking (at least a third of the
 * ticks a free hub would make). Each call waits on a peer that answers after {@value #WAIT_MS} ms (a
 * platform thread, a child process), so a call that held the hub's thread would be reported.
 *
 * <p>A case is tried up to {@value #ATTEMPTS} times and passes if one attempt is clean: the first use of
 * a JDK subsystem loads its classes in the greenlet (class loading reads class files inline, on the
 * hub's thread) and a 2-core machine shared with a build can deschedule the hub for 20 ms, but a call
 * that really blocks the hub is reported on every attempt.
 *
 * <p>Usage: {@code BlockingAudit <tmp-dir> [case...]}; the {@code stdin.read} case prints
 * {@code audit-stdin-waiting} and expects a line on stdin. Prints {@code result.<case>=ok} or
 * {@code result.<case>=FAIL ...} and one {@code detail.<case>=...} line each, then {@code failed=N}.
 */
public final class BlockingAudit {
    static final long WAIT_MS = 150;
    static final int ATTEMPTS = 3;
    /** How many lines the test writes on stdin: one per possible attempt of {@code stdin.read}. */
    public static final int ATTEMPTS_FOR_TEST = ATTEMPTS;
    private static final String WAITING_MARKER = "audit-stdin-waiting";

    private BlockingAudit() {
    }

    /** One blocking call, run in a greenlet. */
    @FunctionalInterface
    interface Case {
        void run(Path tmp) throws Exception;
    }

    /** The table; the key names the call (see docs/how-the-agent-works.md, "The audit"). */
    static Map<String, Case> cases() {
        Map<String, Case> c = new LinkedHashMap<>();
        // Files and pipes: a FIFO stands in for a slow file system (its open waits for the peer).
        c.put("file.open-fifo", BlockingAudit::openFifo);
        c.put("file.read-fifo", BlockingAudit::readFifo);
        c.put("file.write-full-fifo", BlockingAudit::writeFullFifo);
        c.put("files.newInputStream-fifo", BlockingAudit::newInputStreamFifo);
        c.put("files.metadata-fifo", BlockingAudit::metadataFifo);
        c.put("files.list-directory", BlockingAudit::listDirectory);
        c.put("file.large-file", BlockingAudit::largeFile);
        c.put("pipe.channel", BlockingAudit::pipeChannel);
        c.put("file.open-fifo-while-threadpool-full", BlockingAudit::openFifoWhileThreadPoolFull);
        // Processes.
        c.put("process.start-read-wait", BlockingAudit::processStartReadWait);
        c.put("process.write-stdin", BlockingAudit::processWriteStdin);
        c.put("process.waitFor", tmp -> check(new ProcessBuilder("sleep", seconds()).start().waitFor() == 0, "exit"));
        c.put("process.onExit", tmp -> check(new ProcessBuilder("sleep", seconds()).start().onExit()
                .get(10, TimeUnit.SECONDS).exitValue() == 0, "exit"));
        c.put("stdin.read", BlockingAudit::readStdin);
        // Name service, selector, sockets.
        c.put("dns.slow-resolver", tmp -> check(InetAddress.getByName("audit.slow.test").isLoopbackAddress(), "127.0.0.1"));
        c.put("selector.select", BlockingAudit::select);
        c.put("socket.connect-blackholed", BlockingAudit::connectBlackholed);
        c.put("socket.accept-timeout", BlockingAudit::acceptTimeout);
        c.put("socket.read", BlockingAudit::socketRead);
        c.put("socket.write-full-buffer", BlockingAudit::socketWriteFull);
        // Waiting.
        c.put("thread.sleep", tmp -> Thread.sleep(WAIT_MS));
        c.put("object.wait", BlockingAudit::objectWait);
        c.put("monitor.enter-contended", BlockingAudit::monitorEnter);
        c.put("locksupport.parkNanos", tmp -> LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(WAIT_MS)));
        c.put("juc.reentrantlock", BlockingAudit::reentrantLock);
        c.put("juc.blockingqueue.take", BlockingAudit::queueTake);
        c.put("juc.countdownlatch", BlockingAudit::latch);
        c.put("completablefuture.get", BlockingAudit::completableFuture);
        return c;
    }

    /** {@return the names of the table's cases, in order} */
    public static List<String> caseNames() {
        return new ArrayList<>(cases().keySet());
    }

    public static void main(String[] args) throws Exception {
        Path tmp = Path.of(args[0]);
        List<String> names = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            names.add(args[i]);
        }
        Map<String, Case> all = cases();
        if (names.isEmpty()) {
            names.addAll(all.keySet());
        }
        BlockingDetector detector = BlockingDetector.current();
        if (detector == null) {
            throw new IllegalStateException("start the audit with the agent option maxblockingtime=20ms");
        }
        AtomicInteger reports = new AtomicInteger();
        AtomicReference<String> lastReport = new AtomicReference<>();
        detector.addListener(r -> {
            reports.incrementAndGet();
            lastReport.set(r.culprit() + " at " + (r.stack().isEmpty() ? "?" : r.stack().get(0)));
        });
        int failed = 0;
        for (String name : names) {
            Case test = all.get(name);
            if (test == null) {
                throw new IllegalArgumentException("no audit case " + name + "; the cases are " + all.keySet());
            }
            String outcome = null;
            StringBuilder detail = new StringBuilder();
            for (int attempt = 1; attempt <= ATTEMPTS && !"ok".equals(outcome); attempt++) {
                Path dir = Files.createDirectories(tmp.resolve(name + "-" + attempt));
                outcome = attempt(test, dir, reports, lastReport, detail);
            }
            System.out.println("result." + name + "=" + outcome);
            System.out.println("detail." + name + "=" + detail.toString().trim());
            if (!"ok".equals(outcome)) {
                failed++;
            }
        }
        System.out.println("failed=" + failed);
    }

    /** One try: the case in a greenlet, a 10 ms ticker beside it; "ok" or why not. */
    private static String attempt(Case test, Path dir, AtomicInteger reports, AtomicReference<String> lastReport,
                                  StringBuilder detail) throws Exception {
        AtomicInteger ticks = new AtomicInteger();
        long[] maxGap = new long[1];
        boolean[] stop = new boolean[1];
        Greenlet<Void> ticker = Gevent.spawn(() -> {
            long last = System.nanoTime();
            while (!stop[0]) {
                Thread.sleep(10);
                long now = System.nanoTime();
                maxGap[0] = Math.max(maxGap[0], now - last);
                last = now;
                ticks.incrementAndGet();
            }
        });
        Gevent.sleep(Duration.ofMillis(30)); // the ticker runs before the call starts
        int reportsBefore = reports.get();
        int ticksBefore = ticks.get();
        maxGap[0] = 0;
        long start = System.nanoTime();
        Greenlet<Void> call = Gevent.spawn(() -> {
            test.run(dir);
            return null;
        });
        call.join(Duration.ofSeconds(30));
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        // the detector samples a few times per 20 ms: give it the time to notice a block that just ended
        Gevent.sleep(Duration.ofMillis(40));
        stop[0] = true;
        ticker.join(Duration.ofSeconds(5));
        int reported = reports.get() - reportsBefore;
        int ticked = ticks.get() - ticksBefore;
        long freeTicks = elapsedMs / 10;
        detail.append(String.format(java.util.Locale.ROOT, "[%d ms, %d ticks, max gap %d ms, %d reports] ", elapsedMs,
                ticked, maxGap[0] / 1_000_000, reported));
        if (!call.dead()) {
            call.kill();
            return "FAIL did not finish within 30 s";
        }
        if (call.exception() != null) {
            return "FAIL " + call.exception();
        }
        if (reported > 0) {
            return "FAIL the blocking detector reported the hub blocked: " + lastReport.get();
        }
        if (ticked < Math.max(3, freeTicks / 3)) {
            return "FAIL the ticker ticked " + ticked + " times in " + elapsedMs + " ms";
        }
        return "ok";
    }

    private static String seconds() {
        return String.format(java.util.Locale.ROOT, "%.3f", WAIT_MS / 1000.0);
    }

    static void check(boolean condition, String what) {
        if (!condition) {
            throw new IllegalStateException("wrong result: " + what);
        }
    }

    /** Runs {@code action} on a new platform thread after {@code millis}. */
    private static Thread later(long millis, ThrowingRunnable action) {
        return Thread.ofPlatform().daemon(true).name("audit-peer").start(() -> {
            try {
                Thread.sleep(millis);
                action.run();
            } catch (Exception e) {
                throw new IllegalStateException("the audit's peer failed", e);
            }
        });
    }

    @FunctionalInterface
    interface ThrowingRunnable {
        void run() throws Exception;
    }

    private static Path fifo(Path dir) throws Exception {
        Path fifo = dir.resolve("fifo");
        Process p = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        check(p.waitFor() == 0, "mkfifo");
        return fifo;
    }

    private static void openFifo(Path dir) throws Exception {
        Path fifo = fifo(dir);
        later(WAIT_MS, () -> {
            try (OutputStream out = new FileOutputStream(fifo.toFile())) {
                out.write('x');
            }
        });
        try (InputStream in = new FileInputStream(fifo.toFile())) { // waits for the writer: ~WAIT_MS
            check(in.read() == 'x', "x");
        }
    }

    /**
     * The hub's user thread pool (gevent's 10 threads) fully taken by blocked tasks must not stop file
     * I/O, which has its own offload pool.
     */
    private static void openFifoWhileThreadPoolFull(Path dir) throws Exception {
        io.gevent4j.threadpool.ThreadPool pool = io.gevent4j.threadpool.ThreadPool.ofCurrentHub();
        CountDownLatch release = new CountDownLatch(1);
        List<io.gevent4j.event.AsyncResult<Boolean>> blocked = new ArrayList<>();
        for (int i = 0; i < pool.maxThreads(); i++) {
            blocked.add(pool.spawn(() -> release.await(10, TimeUnit.SECONDS)));
        }
        try {
            openFifo(dir);
        } finally {
            release.countDown();
        }
        for (io.gevent4j.event.AsyncResult<Boolean> b : blocked) {
            check(b.get(), "a thread-pool task was released");
        }
    }

    private static void readFifo(Path dir) throws Exception {
        Path fifo = fifo(dir);
        later(0, () -> {
            try (OutputStream out = new FileOutputStream(fifo.toFile())) {
                Thread.sleep(WAIT_MS);
                out.write("line\n".getBytes(StandardCharsets.UTF_8));
            }
        });
        try (BufferedReader in = new BufferedReader(new InputStreamReader(new FileInputStream(fifo.toFile()),
                StandardCharsets.UTF_8))) {
            check("line".equals(in.readLine()), "line");
            check(in.readLine() == null, "end of file");
        }
    }

    private static void writeFullFifo(Path dir) throws Exception {
        Path fifo = fifo(dir);
        AtomicInteger read = new AtomicInteger();
        Thread reader = later(0, () -> {
            try (InputStream in = new FileInputStream(fifo.toFile())) {
                Thread.sleep(WAIT_MS);
                byte[] buf = new byte[65536];
                int n;
                while ((n = in.read(buf)) > 0) {
                    read.addAndGet(n);
                }
            }
        });
        try (OutputStream out = new FileOutputStream(fifo.toFile())) {
            out.write(new byte[1 << 20]); // 16 times the pipe's 64 KiB: waits for the reader
        }
        reader.join(10_000);
        check(read.get() == 1 << 20, "1 MiB through the FIFO, got " + read.get());
    }

    private static void newInputStreamFifo(Path dir) throws Exception {
        Path fifo = fifo(dir);
        later(WAIT_MS, () -> Files.write(fifo, new byte[] {'y'}));
        try (InputStream in = Files.newInputStream(fifo)) { // FileChannel: open and read on the offload pool
            check(in.read() == 'y', "y");
        }
    }

    private static void metadataFifo(Path dir) throws Exception {
        Path fifo = fifo(dir);
        check(Files.exists(fifo), "exists");
        check(Files.size(fifo) == 0, "size");
        BasicFileAttributes attrs = Files.readAttributes(fifo, BasicFileAttributes.class);
        check(attrs.isOther(), "a FIFO is 'other'");
        check(!Files.isDirectory(fifo) && !Files.isRegularFile(fifo), "neither file nor directory");
        check(fifo.toRealPath().endsWith("fifo"), "toRealPath");
        Files.delete(fifo);
        check(Files.notExists(fifo), "deleted");
    }

    private static void listDirectory(Path dir) throws Exception {
        Path many = Files.createDirectories(dir.resolve("many"));
        for (int i = 0; i < 300; i++) {
            Files.createFile(many.resolve("f" + i));
        }
        try (Stream<Path> list = Files.list(many)) {
            check(list.count() == 300, "Files.list");
        }
        int n = 0;
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(many)) {
            for (Path ignored : stream) {
                n++;
            }
        }
        check(n == 300, "newDirectoryStream");
        check(many.toFile().list().length == 300, "File.list");
        java.io.File one = many.resolve("f1").toFile();
        check(one.exists() && one.isFile() && one.length() == 0 && one.lastModified() > 0, "java.io.File metadata");
        check(one.delete() && !one.exists(), "File.delete");
    }

    private static void largeFile(Path dir) throws Exception {
        Path file = dir.resolve("large.bin");
        byte[] chunk = new byte[1 << 20];
        for (int i = 0; i < chunk.length; i++) {
            chunk[i] = (byte) i;
        }
        try (OutputStream out = new FileOutputStream(file.toFile())) {
            for (int i = 0; i < 8; i++) {
                out.write(chunk);
            }
        }
        // 8 MiB: readAllBytes allocates (and zeroes) one array of the file's size in the greenlet, CPU
        // work that at 32 MiB alone takes the detector's 20 ms here
        check(Files.readAllBytes(file).length == 8 << 20, "readAllBytes");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            raf.seek(5L << 20);
            byte[] got = new byte[4096];
            raf.readFully(got);
            check(got[1] == 1, "RandomAccessFile bytes");
        }
        try (InputStream in = new FileInputStream(file.toFile())) {
            long total = 0;
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                total += n;
            }
            check(total == 8 << 20, "FileInputStream read to the end");
        }
    }

    private static void pipeChannel(Path dir) throws Exception {
        Pipe pipe = Pipe.open();
        try (Pipe.SourceChannel source = pipe.source(); Pipe.SinkChannel sink = pipe.sink()) {
            later(WAIT_MS, () -> sink.write(ByteBuffer.wrap(new byte[] {'p'})));
            ByteBuffer buf = ByteBuffer.allocate(1);
            check(source.read(buf) == 1 && buf.get(0) == 'p', "p");
        }
    }

    private static void processStartReadWait(Path dir) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", "sleep " + seconds() + "; echo ok").start();
        check("ok".equals(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim()), "ok");
        check(p.waitFor() == 0, "exit");
    }

    private static void processWriteStdin(Path dir) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", "sleep " + seconds() + "; wc -c").start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(new byte[1 << 20]); // more than the pipe holds: waits until the child reads
        }
        check("1048576".equals(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim()), "wc -c");
        check(p.waitFor() == 0, "exit");
    }

    /** One reader for every attempt: a reader per attempt would buffer the lines meant for the next. */
    private static final BufferedReader STDIN = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));

    /** The test writes a line on stdin (a pipe) when it sees the marker, printed once the read waits. */
    private static void readStdin(Path dir) throws Exception {
        later(WAIT_MS, () -> System.out.println(WAITING_MARKER));
        String line = STDIN.readLine();
        check("audit line".equals(line), "the test's line, got " + line);
    }

    private static void select(Path dir) throws Exception {
        try (Selector selector = Selector.open()) {
            long t = System.nanoTime();
            check(selector.select(WAIT_MS) == 0, "nothing selected");
            check(System.nanoTime() - t >= TimeUnit.MILLISECONDS.toNanos(WAIT_MS / 2), "select waited");
        }
    }

    private static void connectBlackholed(Path dir) throws Exception {
        // A listening socket nobody accepts from, its backlog full: the kernel drops further SYNs, so a
        // connect hangs until its timeout, as to a black-holed address (but without needing a network).
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
            List<Socket> fill = new ArrayList<>();
            try {
                boolean full = false;
                for (int i = 0; i < 64 && !full; i++) {
                    Socket s = new Socket();
                    fill.add(s);
                    try {
                        s.connect(address, 100);
                    } catch (SocketTimeoutException e) {
                        full = true;
                    }
                }
                check(full, "the backlog filled");
                try (Socket s = new Socket()) {
                    s.connect(address, (int) WAIT_MS);
                    throw new IllegalStateException("connected to a full backlog");
                } catch (SocketTimeoutException expected) {
                    // the connect waited its timeout
                }
            } finally {
                for (Socket s : fill) {
                    s.close();
                }
            }
        }
    }

    private static void acceptTimeout(Path dir) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            server.setSoTimeout((int) WAIT_MS);
            try (Socket ignored = server.accept()) {
                throw new IllegalStateException("accepted a connection nobody made");
            } catch (SocketTimeoutException expected) {
                // waited its timeout
            }
        }
    }

    private static void socketRead(Path dir) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            later(0, () -> {
                try (Socket peer = server.accept()) {
                    Thread.sleep(WAIT_MS);
                    peer.getOutputStream().write('s');
                }
            });
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                check(s.getInputStream().read() == 's', "s");
            }
        }
    }

    private static void socketWriteFull(Path dir) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            AtomicInteger read = new AtomicInteger();
            Thread reader = later(0, () -> {
                try (Socket peer = server.accept(); InputStream in = peer.getInputStream()) {
                    Thread.sleep(WAIT_MS);
                    byte[] buf = new byte[1 << 16];
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        read.addAndGet(n);
                    }
                }
            });
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                s.getOutputStream().write(new byte[16 << 20]); // beyond both socket buffers: waits for the reader
            }
            reader.join(10_000);
            check(read.get() == 16 << 20, "16 MiB over loopback, got " + read.get());
        }
    }

    private static void objectWait(Path dir) throws Exception {
        Object lock = new Object();
        boolean[] done = new boolean[1];
        later(WAIT_MS, () -> {
            synchronized (lock) {
                done[0] = true;
                lock.notifyAll();
            }
        });
        synchronized (lock) {
            while (!done[0]) {
                lock.wait();
            }
        }
    }

    private static void monitorEnter(Path dir) throws Exception {
        Object lock = new Object();
        CountDownLatch held = new CountDownLatch(1);
        Thread.ofPlatform().daemon(true).start(() -> {
            synchronized (lock) {
                held.countDown();
                try {
                    Thread.sleep(WAIT_MS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        held.await();
        synchronized (lock) { // contended: JEP 491 parks the greenlet
            check(true, "entered");
        }
    }

    private static void reentrantLock(Path dir) throws Exception {
        ReentrantLock lock = new ReentrantLock();
        CountDownLatch held = new CountDownLatch(1);
        Thread.ofPlatform().daemon(true).start(() -> {
            lock.lock();
            try {
                held.countDown();
                Thread.sleep(WAIT_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                lock.unlock();
            }
        });
        held.await();
        lock.lock();
        lock.unlock();
    }

    private static void queueTake(Path dir) throws Exception {
        ArrayBlockingQueue<String> queue = new ArrayBlockingQueue<>(1);
        later(WAIT_MS, () -> queue.put("q"));
        check("q".equals(queue.take()), "q");
    }

    private static void latch(Path dir) throws Exception {
        CountDownLatch latch = new CountDownLatch(1);
        later(WAIT_MS, latch::countDown);
        check(latch.await(10, TimeUnit.SECONDS), "counted down");
    }

    private static void completableFuture(Path dir) throws Exception {
        CompletableFuture<String> future = new CompletableFuture<>();
        later(WAIT_MS, () -> future.complete("f"));
        check("f".equals(future.get()), "f");
    }
}
