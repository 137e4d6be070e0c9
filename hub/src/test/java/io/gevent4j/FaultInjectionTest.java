package io.gevent4j;

import io.gevent4j.core.GreenletExit;
import io.gevent4j.event.AsyncResult;
import io.gevent4j.lock.Semaphore;
import io.gevent4j.queue.Queue;
import io.gevent4j.testsupport.ChildJvm;
import io.gevent4j.testsupport.FreshHub;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Faults injected into one greenlet (kills while blocked, peer resets, refused connections, DNS failure,
 * errors thrown by the greenlet, by a callback or by a link): the greenlet gets a clean exception or dies
 * promptly, its socket is closed, no file descriptor leaks, and the hub keeps serving the others.
 * Loopback only.
 */
@ExtendWith(FreshHub.class)
@Timeout(30)
class FaultInjectionTest {
    private static final Duration PROMPTLY = Duration.ofSeconds(2);

    /** Lets the hub run (1 ms sleeps) until {@code condition} holds; fails after 10 s. */
    static void awaitCooperatively(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 10 s: " + what);
            }
            Gevent.sleep(1);
        }
    }

    static int openFds() throws IOException {
        try (var files = Files.list(Path.of("/proc/self/fd"))) {
            return (int) files.count();
        }
    }

    /** A greenlet that counts hub turns while the fault happens: proof that the hub keeps serving. */
    private static Greenlet<?> ticker(AtomicInteger ticks) {
        return Gevent.spawn(() -> {
            while (true) {
                ticks.incrementAndGet();
                Gevent.sleep(5);
            }
        }).name("ticker");
    }

    @Test
    void killingAGreenletBlockedInASocketReadClosesTheSocketPromptlyAndLeaksNoFd() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            roundTrip(listener); // warm up: the JDK's pollers open their fds on first use
            int before = openFds();
            AtomicReference<Socket> client = new AtomicReference<>();
            Greenlet<?> reader = Gevent.spawn(() -> {
                Socket s = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort());
                client.set(s);
                return s.getInputStream().read(); // the server never writes
            });
            Socket accepted = Gevent.spawn(() -> listener.accept()).get();
            awaitCooperatively("the reader is blocked in read()", () -> client.get() != null
                    && reader.thread().getState() == Thread.State.WAITING);
            long t = System.nanoTime();
            assertTrue(reader.kill(new GreenletExit(), true, PROMPTLY), "killed within 2 s");
            assertTrue(System.nanoTime() - t < PROMPTLY.toNanos());
            assertTrue(client.get().isClosed(), "the JDK closes a socket whose virtual thread is interrupted in I/O");
            accepted.close();
            assertTrue(openFds() <= before, "fds before " + before + ", after " + openFds());
        }
    }

    private static void roundTrip(ServerSocket listener) throws Exception {
        Greenlet<Socket> accept = Gevent.spawn(() -> listener.accept());
        try (Socket c = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort()); Socket s = accept.get()) {
            c.getOutputStream().write(1);
            assertEquals(1, s.getInputStream().read());
        }
    }

    @Test
    void killingGreenletsBlockedInAQueueGetAndALockIsPrompt() throws Exception {
        Queue<String> queue = new Queue<>();
        Semaphore lock = new Semaphore(1);
        lock.acquire();
        Greenlet<?> getter = Gevent.spawn(() -> queue.get());
        Greenlet<?> locker = Gevent.spawn(() -> {
            lock.acquire();
            return null;
        });
        FreshHub.runUntilWaiting(getter);
        FreshHub.runUntilWaiting(locker);
        assertTrue(getter.kill(new GreenletExit(), true, PROMPTLY));
        assertTrue(locker.kill(new GreenletExit(), true, PROMPTLY));
        lock.release();
        assertTrue(lock.tryAcquire(), "the killed waiter did not take the permit");
        queue.put("after");
        assertEquals("after", queue.get(), "the killed getter did not take the item");
    }

    @Test
    void killingAGreenletWaitingForAFileReadInTheThreadPoolIsPromptAndThePoolRecovers(@TempDir Path dir) throws Exception {
        Path fifo = dir.resolve("fifo");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertTrue(mkfifo.waitFor(10, TimeUnit.SECONDS) && mkfifo.exitValue() == 0, "mkfifo failed");
        Hub hub = Hub.current();
        AtomicReference<AsyncResult<Integer>> read = new AtomicReference<>();
        Greenlet<?> waiter = Gevent.spawn(() -> {
            // opening a FIFO for reading blocks the pool thread until a writer opens it: a read that never ends
            AsyncResult<Integer> r = io.gevent4j.threadpool.ThreadPool.ofCurrentHub().spawn(() -> {
                try (InputStream in = new FileInputStream(fifo.toFile())) {
                    return in.read();
                }
            });
            read.set(r);
            return r.get();
        });
        FreshHub.runUntilWaiting(waiter);
        int before = openFds();
        assertTrue(waiter.kill(new GreenletExit(), true, PROMPTLY), "the waiting greenlet dies at once");
        // the pool thread is still blocked in the real read; give it its byte so that it ends and closes the file
        try (OutputStream out = new FileOutputStream(fifo.toFile())) {
            out.write(7);
        }
        assertEquals(7, read.get().get(10, TimeUnit.SECONDS));
        assertTrue(openFds() <= before, "fds before " + before + ", after " + openFds());
    }

    @Test
    void aPeerResetMidReadGivesACleanExceptionAndTheHubKeepsServing() throws Exception {
        AtomicInteger ticks = new AtomicInteger();
        Greenlet<?> ticker = ticker(ticks);
        try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Greenlet<Integer> reader = Gevent.spawn(() -> {
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort())) {
                    return s.getInputStream().read();
                }
            });
            Socket accepted = Gevent.spawn(() -> listener.accept()).get();
            awaitCooperatively("the reader is blocked in read()", () -> reader.thread() != null
                    && reader.thread().getState() == Thread.State.WAITING);
            int ticksBefore = ticks.get();
            accepted.setSoLinger(true, 0); // close with RST
            accepted.close();
            reader.join(PROMPTLY);
            assertInstanceOf(SocketException.class, reader.exception(), String.valueOf(reader.exception()));
            awaitCooperatively("the ticker ticks again", () -> ticks.get() > ticksBefore + 2);
        } finally {
            ticker.kill();
        }
    }

    @Test
    void aPeerResetMidWriteGivesACleanException() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            AtomicInteger written = new AtomicInteger();
            Greenlet<Void> writer = Gevent.spawn(() -> {
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort())) {
                    byte[] chunk = new byte[64 * 1024];
                    while (true) { // until the peer's reset fails a write
                        s.getOutputStream().write(chunk);
                        written.addAndGet(chunk.length);
                    }
                }
            });
            Socket accepted = Gevent.spawn(() -> listener.accept()).get();
            Gevent.spawn(() -> accepted.getInputStream().readNBytes(1024)).get(); // the writer is mid-stream
            accepted.setSoLinger(true, 0);
            accepted.close();
            assertTrue(writer.join(Duration.ofSeconds(10)), "the writer noticed the reset");
            assertInstanceOf(IOException.class, writer.exception(), String.valueOf(writer.exception()));
            assertTrue(written.get() > 0);
        }
    }

    @Test
    void connectingToAClosedPortIsRefusedCleanly() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Greenlet<Socket> connect = Gevent.spawn(() -> new Socket(InetAddress.getLoopbackAddress(), port));
        connect.join(PROMPTLY);
        assertInstanceOf(ConnectException.class, connect.exception(), String.valueOf(connect.exception()));
    }

    @Test
    void aDnsFailureInTheThreadPoolGivesACleanExceptionWhileTheHubKeepsServing() throws Exception {
        // ".invalid" never resolves (RFC 2606); the lookup runs on the hub's thread pool, as the agent does it,
        // so that a slow resolver cannot freeze the hub.
        AtomicInteger ticks = new AtomicInteger();
        Greenlet<?> ticker = ticker(ticks);
        Hub hub = Hub.current();
        Greenlet<InetAddress> lookup = Gevent.spawn(() -> io.gevent4j.threadpool.ThreadPool.ofCurrentHub().spawn(() -> InetAddress.getByName("no-such-host.invalid")).get());
        assertTrue(lookup.join(Duration.ofSeconds(25)), "the resolver answered");
        Throwable cause = lookup.exception() instanceof java.util.concurrent.ExecutionException e ? e.getCause() : lookup.exception();
        assertInstanceOf(UnknownHostException.class, cause, String.valueOf(lookup.exception()));
        int t = ticks.get();
        awaitCooperatively("the ticker still ticks", () -> ticks.get() > t);
        ticker.kill();
    }

    static int recurse(int depth) {
        return recurse(depth + 1) + 1;
    }

    @Test
    void stackOverflowAndOutOfMemoryInAGreenletAreReportedAndTheHubSurvives() throws Exception {
        String err = captureStderr(() -> {
            Greenlet<Integer> deep = Gevent.spawn(() -> recurse(0)).name("overflow");
            Greenlet<Object> oom = Gevent.spawn(() -> {
                throw new OutOfMemoryError("simulated by FaultInjectionTest");
            }).name("oom");
            Greenlet<String> healthy = Gevent.spawn(() -> "still here");
            deep.join(Duration.ofSeconds(10));
            oom.join(Duration.ofSeconds(10));
            assertEquals("still here", healthy.get());
            Gevent.sleep(0); // unobserved failures are reported on the next turn
            Gevent.sleep(0);
            assertInstanceOf(StackOverflowError.class, deep.exception());
            assertInstanceOf(OutOfMemoryError.class, oom.exception());
        });
        assertTrue(err.contains("overflow") && err.contains("StackOverflowError"), err);
        assertTrue(err.contains("oom") && err.contains("simulated by FaultInjectionTest"), err);
        assertEquals("ok", Gevent.spawn(() -> "ok").get(), "the hub still runs greenlets");
    }

    @Test
    void aRealOutOfMemoryErrorKillsOnlyTheGreenletThatAllocates() throws Exception {
        ChildJvm.Result r = ChildJvm.run(List.of("-Xmx48m"), 60, OutOfMemoryMain.class);
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("hog died of java.lang.OutOfMemoryError"), r.output());
        assertTrue(r.output().contains("others finished: 100"), r.output());
    }

    /** Child JVM: one greenlet allocates until the heap is exhausted; 100 others must still finish. */
    public static final class OutOfMemoryMain {
        private OutOfMemoryMain() {
        }

        /**
         * @param args unused
         * @throws Exception on failure
         */
        public static void main(String[] args) throws Exception {
            List<Greenlet<Integer>> others = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                int n = i;
                others.add(Gevent.spawn(() -> {
                    Gevent.sleep(50);
                    return n;
                }));
            }
            Greenlet<Integer> hog = Gevent.spawn(() -> {
                List<long[]> hoard = new ArrayList<>();
                while (true) {
                    hoard.add(new long[1 << 16]);
                    if (hoard.size() % 16 == 0) {
                        Gevent.sleep(0);
                    }
                }
            });
            hog.join();
            System.out.println("hog died of " + hog.exception().getClass().getName());
            Gevent.joinAll(others);
            System.out.println("others finished: " + others.stream().filter(Greenlet::successful).count());
        }
    }

    @Test
    void aCallbackOrALinkThatThrowsIsReportedAndTheOthersStillRun() throws Exception {
        List<String> ran = new ArrayList<>();
        String err = captureStderr(() -> {
            Hub hub = Hub.current();
            hub.callSoon(() -> {
                throw new IllegalStateException("callback failure injected");
            });
            hub.callSoon(() -> ran.add("second callback"));
            Greenlet<Integer> g = Gevent.spawn(() -> 1);
            g.link(done -> {
                throw new IllegalStateException("link failure injected");
            });
            g.link(done -> ran.add("second link"));
            g.join();
            FreshHub.runUntil("both survivors ran", () -> ran.size() == 2);
        });
        assertTrue(ran.containsAll(List.of("second callback", "second link")), ran::toString);
        assertTrue(err.contains("callback failure injected"), err);
        assertTrue(err.contains("link failure injected"), err);
    }

    interface Body {
        void run() throws Exception;
    }

    private static String captureStderr(Body body) throws Exception {
        PrintStream original = System.err;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            body.run();
        } finally {
            System.setErr(original);
        }
        String text = buffer.toString(StandardCharsets.UTF_8);
        original.print(text); // still visible in the test's output
        assertNotNull(text);
        return text;
    }
}
