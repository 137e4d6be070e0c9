package io.gevent4j;

import io.gevent4j.event.AsyncResult;
import io.gevent4j.event.Event;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.*;

/** Hubs on several platform threads: submit, kill, join and get across threads; misuse fails fast. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CrossThreadTest extends HubTestSupport {
    private Thread hubThread;
    private Hub other;

    /** Starts a platform thread running its own hub's loop until stopped. */
    @BeforeEach
    void startOtherHub() throws Exception {
        CompletableFuture<Hub> hub = new CompletableFuture<>();
        hubThread = Thread.ofPlatform().name("other-hub").start(() -> {
            try {
                hub.complete(Hub.current());
                Hub.current().run();
                Hub.current().close();
            } catch (Throwable t) {
                hub.completeExceptionally(t);
                throw new AssertionError(t);
            }
        });
        other = hub.get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stopOtherHub() throws Exception {
        other.stop();
        hubThread.join(TimeUnit.SECONDS.toMillis(20));
        assertFalse(hubThread.isAlive(), "the other hub's thread did not stop");
    }

    @Test
    void submitRunsInAGreenletOfThatHubAndReturnsItsValue() throws Exception {
        CompletableFuture<String> f = other.submit(() -> {
            Gevent.sleep(5);
            return Thread.currentThread().isVirtual() + " on " + Hub.current().thread().getName();
        });
        assertEquals("true on other-hub", f.get(10, TimeUnit.SECONDS));
    }

    @Test
    void submitPropagatesTheFailureWithoutPrintingIt() throws Exception {
        String err = captureStderr(() -> {
            CompletableFuture<Object> f = other.submit(() -> {
                throw new IllegalStateException("failed over there");
            });
            ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
            assertEquals("failed over there", e.getCause().getMessage());
            other.submit(() -> 0).get(10, TimeUnit.SECONDS); // a full turn over there
        });
        assertEquals(0, count(err, "failed over there"), err);
    }

    @Test
    void callSoonThreadsafeWakesTheIdleHub() throws Exception {
        CompletableFuture<String> ran = new CompletableFuture<>();
        other.callSoonThreadsafe(() -> ran.complete(Thread.currentThread().getName()));
        assertEquals("other-hub", ran.get(10, TimeUnit.SECONDS));
    }

    @Test
    void formatRunInfoOfAnotherHubDescribesItsGreenletsWithoutWaitingForIt() throws Exception {
        Greenlet<?> g = other.submit(() -> Gevent.spawn(() -> {
            Gevent.sleep(60_000);
        }).name("remote-sleeper")).get(10, TimeUnit.SECONDS);
        // described from here, from what the other hub publishes: once the sleeper has run and parked
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!other.inspect().isWaitingInHub(g) && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        String info = other.formatRunInfo();
        assertTrue(info.startsWith("Hub of thread \"other-hub\""), info);
        assertTrue(info.contains("remote-sleeper waits on timer due in"), info);
        assertTrue(info.contains("Gevent.sleep"), info);
        assertTrue(Gevent.formatRunInfo().contains("remote-sleeper"));
        g.kill();
    }

    @Test
    void killJoinAndGetFromAnotherThread() throws Exception {
        Greenlet<?> sleeper = other.submit(() -> Gevent.spawn(() -> {
            Gevent.sleep(60_000);
        })).get(10, TimeUnit.SECONDS);
        assertFalse(sleeper.join(Duration.ofMillis(10)));
        assertThrows(java.util.concurrent.TimeoutException.class, () -> sleeper.get(10, TimeUnit.MILLISECONDS));
        assertTrue(sleeper.kill(new io.gevent4j.core.GreenletExit(), true, Duration.ofSeconds(10)));
        assertTrue(sleeper.killed());
        assertTrue(sleeper.isDone());
        assertThrows(java.util.concurrent.CancellationException.class, sleeper::get);

        Greenlet<?> worker = other.submit(() -> Gevent.spawn(() -> {
            Gevent.sleep(5);
            return "worked";
        })).get(10, TimeUnit.SECONDS);
        assertEquals("worked", worker.get());
        assertEquals("worked", worker.toCompletableFuture().get(10, TimeUnit.SECONDS));
    }

    @Test
    void aGreenletOfOneHubJoinsAGreenletOfAnother() throws Exception {
        Event release = other.submit(Event::new).get(10, TimeUnit.SECONDS);
        Greenlet<?> remote = other.submit(() -> Gevent.spawn(() -> {
            release.await();
            return "remote value";
        })).get(10, TimeUnit.SECONDS);
        List<String> ticks = new java.util.ArrayList<>();
        Greenlet<Void> ticker = Gevent.spawn(() -> {
            while (!remote.isDone()) {
                ticks.add("tick");
                if (ticks.size() == 3) {
                    other.callSoonThreadsafe(release::set);
                }
                Gevent.sleep(1);
            }
        });
        Greenlet<Object> local = Gevent.spawn(() -> remote.get());
        assertEquals("remote value", local.get());
        ticker.join();
        assertTrue(ticks.size() >= 3, "this hub kept running while its greenlet waited on the other hub");
    }

    @Test
    void hubObjectsUsedFromAnotherHubsThreadFailFastWithAClearMessage() throws Exception {
        Event event = other.submit(Event::new).get(10, TimeUnit.SECONDS);
        AsyncResult<String> result = other.submit(() -> new AsyncResult<String>()).get(10, TimeUnit.SECONDS);
        Greenlet<?> g = other.submit(() -> Gevent.spawn(() -> {
            Gevent.sleep(60_000);
        })).get(10, TimeUnit.SECONDS);
        List<Supplier<Executable>> misuses = List.of(
                () -> event::set,
                () -> event::await,
                () -> () -> result.set("x"),
                () -> () -> g.link(x -> { }),
                () -> g::start,
                () -> () -> other.callSoon(() -> { }),
                () -> () -> other.callLater(Duration.ZERO, () -> { }),
                () -> () -> Gevent.joinAll(List.of(g)),
                () -> other::liveGreenlets);
        for (Supplier<Executable> misuse : misuses) {
            WrongThreadException e = assertThrows(WrongThreadException.class, misuse.get()::run);
            assertTrue(e.getMessage().contains("belongs to the hub of thread \"other-hub\""), e.getMessage());
            assertTrue(e.getMessage().contains("Hub.callSoonThreadsafe"), e.getMessage());
        }
        // the same from a plain platform thread with no hub
        CompletableFuture<Throwable> fromPlain = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> {
            try {
                event.set();
                fromPlain.complete(null);
            } catch (Throwable t) {
                fromPlain.complete(t);
            }
        });
        assertInstanceOf(WrongThreadException.class, fromPlain.get(10, TimeUnit.SECONDS));
        g.kill();
    }

    /** A call that may throw. */
    private interface Executable {
        void run() throws Exception;
    }

    @Test
    void twoHubsRunIndependently() throws Exception {
        CountDownLatch bothRunning = new CountDownLatch(2);
        CompletableFuture<Integer> there = other.submit(() -> {
            bothRunning.countDown();
            int n = 0;
            for (int i = 0; i < 20; i++) {
                Gevent.sleep(1);
                n++;
            }
            return n;
        });
        Greenlet<Integer> here = Gevent.spawn(() -> {
            bothRunning.countDown();
            int n = 0;
            for (int i = 0; i < 20; i++) {
                Gevent.sleep(1);
                n++;
            }
            return n;
        });
        assertEquals(20, here.get());
        assertEquals(20, there.get(10, TimeUnit.SECONDS));
        assertTrue(bothRunning.await(0, TimeUnit.SECONDS));
        assertNotSame(Hub.current(), other);
    }

    @Test
    void geventRunOnAFreshThread() throws Exception {
        CompletableFuture<String> out = new CompletableFuture<>();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                out.complete(Gevent.run(() -> {
                    Greenlet<String> g = Gevent.spawn(() -> "from " + Hub.current().thread().getName());
                    return g.get();
                }));
                Hub.current().close();
            } catch (Throwable e) {
                out.completeExceptionally(e);
            }
        });
        assertEquals("from " + t.getName(), out.get(10, TimeUnit.SECONDS));
        t.join();
    }

    @Test
    void socketIoInAGreenletOfASecondHubAfterTheFirstHubsThreadEnded() throws Exception {
        // DESIGN.md: the JDK's poller threads must not be tied to the first hub that used a socket.
        assertEquals("echo 1", echoOnAFreshHubThread("1"));
        assertEquals("echo 2", echoOnAFreshHubThread("2"));
    }

    @Test
    void socketIoOnASecondHubWhenTheFirstSocketOfTheProcessWasUsedInAGreenlet() throws Exception {
        // In a fresh JVM, so that the JDK's pollers really start on a greenlet's first socket use.
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "--add-opens", "java.base/java.lang=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), SocketsOnASecondHubMain.class.getName())
                .redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(50, TimeUnit.SECONDS), "the child JVM did not exit: " + out);
            assertEquals(0, p.exitValue(), out);
            assertEquals("echo first\necho second", out.strip().replace(System.lineSeparator(), "\n"), out);
        } finally {
            p.destroyForcibly();
        }
    }

    /** A fresh platform thread whose hub runs a server and a client greenlet over loopback; the thread then ends. */
    private static String echoOnAFreshHubThread(String payload) throws Exception {
        CompletableFuture<String> out = new CompletableFuture<>();
        Thread t = Thread.ofPlatform().name("socket-hub-" + payload).start(() -> {
            try {
                out.complete(Gevent.run(() -> {
                    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
                        Greenlet<Void> echo = Gevent.spawn(() -> {
                            try (Socket s = server.accept()) {
                                byte[] line = s.getInputStream().readNBytes(payload.length());
                                s.getOutputStream().write(("echo " + new String(line, StandardCharsets.UTF_8))
                                        .getBytes(StandardCharsets.UTF_8));
                            }
                        });
                        Greenlet<String> client = Gevent.spawn(() -> {
                            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                                OutputStream o = s.getOutputStream();
                                o.write(payload.getBytes(StandardCharsets.UTF_8));
                                InputStream in = s.getInputStream();
                                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
                            }
                        });
                        echo.get();
                        return client.get();
                    }
                }));
                Hub.current().close();
            } catch (Throwable e) {
                out.completeExceptionally(e);
            }
        });
        try {
            return out.get(20, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new CompletionException(e.getCause());
        } finally {
            t.join(TimeUnit.SECONDS.toMillis(20));
        }
    }
}
