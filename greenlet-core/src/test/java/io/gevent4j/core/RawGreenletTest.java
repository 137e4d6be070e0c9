package io.gevent4j.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RawGreenletTest {

    @Test
    void pingPongCarriesValues() {
        RawGreenlet main = RawGreenlet.current();
        assertTrue(main.isMain());
        List<Object> seen = new ArrayList<>();
        RawGreenlet[] pong = new RawGreenlet[1];
        RawGreenlet ping = new RawGreenlet(first -> {
            Object v = first;
            for (int i = 0; i < 3; i++) {
                seen.add("ping " + v);
                v = pong[0].switchTo((Integer) v + 1);
            }
            return "ping done " + v;
        });
        pong[0] = new RawGreenlet(first -> {
            Object v = first;
            while (true) {
                seen.add("pong " + v);
                v = ping.switchTo((Integer) v * 10);
            }
        });
        Object result = ping.switchTo(1);
        assertEquals(List.of("ping 1", "pong 2", "ping 20", "pong 21", "ping 210", "pong 211"), seen);
        assertEquals("ping done 2110", result);
        assertTrue(ping.isDead());
        assertFalse(pong[0].isDead());
        assertTrue(pong[0].isStarted());
        assertEquals(GreenletExit.class, pong[0].throwInto(new GreenletExit()).getClass());
        assertTrue(pong[0].isDead());
    }

    @Test
    void switchBackToMainAndResume() {
        RawGreenlet main = RawGreenlet.current();
        RawGreenlet g = new RawGreenlet(v -> {
            Object again = main.switchTo("first " + v);
            return "second " + again;
        });
        assertEquals("first a", g.switchTo("a"));
        assertFalse(g.isDead());
        assertEquals("second b", g.switchTo("b"));
        assertTrue(g.isDead());
    }

    @Test
    void throwIntoSuspendedGreenlet() {
        RawGreenlet main = RawGreenlet.current();
        List<String> log = new ArrayList<>();
        RawGreenlet g = new RawGreenlet(v -> {
            try {
                main.switchTo("suspended");
                return "not reached";
            } catch (IllegalArgumentException e) {
                log.add("caught " + e.getMessage());
                return "recovered";
            }
        });
        assertEquals("suspended", g.switchTo(null));
        assertEquals("recovered", g.throwInto(new IllegalArgumentException("boom")));
        assertEquals(List.of("caught boom"), log);
    }

    @Test
    void throwIntoUnstartedGreenletKillsItAndGoesToParent() {
        List<String> ran = new ArrayList<>();
        RawGreenlet g = new RawGreenlet(v -> ran.add("ran"));
        IllegalStateException thrown = assertThrows(IllegalStateException.class,
                () -> g.throwInto(new IllegalStateException("never started")));
        assertEquals("never started", thrown.getMessage());
        assertTrue(g.isDead());
        assertTrue(ran.isEmpty());
        RawGreenlet h = new RawGreenlet(v -> ran.add("ran"));
        assertInstanceOf(GreenletExit.class, h.throwInto(new GreenletExit()));
        assertTrue(ran.isEmpty());
    }

    @Test
    void parentChainReceivesReturnAndException() {
        RawGreenlet main = RawGreenlet.current();
        RawGreenlet parent = new RawGreenlet(v -> {
            RawGreenlet child = new RawGreenlet(x -> "child result " + x);
            assertSame(RawGreenlet.current(), child.parent());
            Object fromChild = child.switchTo("c");
            RawGreenlet failing = new RawGreenlet(x -> {
                throw new IllegalStateException("child failed");
            });
            try {
                failing.switchTo(null);
                return "no exception";
            } catch (IllegalStateException e) {
                return fromChild + " / " + e.getMessage();
            }
        });
        assertSame(main, parent.parent());
        assertEquals("child result c / child failed", parent.switchTo(null));

        RawGreenlet orphanParent = new RawGreenlet(v -> main.switchTo("parked"));
        assertEquals("parked", orphanParent.switchTo(null));
        RawGreenlet failingChild = new RawGreenlet(v -> {
            throw new UnsupportedOperationException("to main");
        }, orphanParent);
        // parent is suspended in switchTo(main): the exception is raised there, and from there returns to main
        assertThrows(UnsupportedOperationException.class, () -> failingChild.switchTo(null));
    }

    @Test
    void deadParentPassesResultToGrandparent() {
        RawGreenlet main = RawGreenlet.current();
        RawGreenlet deadParent = new RawGreenlet(v -> "done");
        assertEquals("done", deadParent.switchTo(null));
        RawGreenlet child = new RawGreenlet(v -> "to grandparent", deadParent);
        assertEquals("to grandparent", child.switchTo(null));
        assertSame(main, deadParent.parent());
        assertThrows(IllegalArgumentException.class, () -> main.setParent(child));
    }

    @Test
    void hundredThousandGreenletsCreatedSwitchedAndFinished() {
        RawGreenlet main = RawGreenlet.current();
        int n = 100_000;
        List<RawGreenlet> all = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int index = i;
            all.add(new RawGreenlet(v -> {
                Object back = main.switchTo(index);
                return (Integer) back + 1;
            }));
        }
        long sum = 0;
        for (RawGreenlet g : all) {
            sum += (Integer) g.switchTo(null);
        }
        assertEquals((long) n * (n - 1) / 2, sum);
        long total = 0;
        for (RawGreenlet g : all) {
            total += (Integer) g.switchTo(1);
            assertTrue(g.isDead());
        }
        assertEquals(2L * n, total);
        assertEquals(0, Carrier.current().liveCount());
    }

    /** A bare greenlet strand, scheduled FIFO by starting its thread. */
    private static final class TestStrand extends Strand {
        TestStrand(Runnable body) {
            super(Carrier.current());
            createThread(body);
        }

        /** A second thread for this strand: refused, it has one. */
        void createThreadForTest() {
            createThread();
        }
    }

    /** A greenlet strand that is its own thread's task ({@link Strand#createThread()}). */
    private static final class SelfRunningStrand extends Strand {
        final List<String> log;
        final Strand root;

        SelfRunningStrand(List<String> log, Strand root) {
            super(Carrier.current());
            this.log = log;
            this.root = root;
            createThread();
        }

        @Override
        protected void runBody() {
            log.add("body runs on its own thread, live " + carrier().liveCount() + ", current " + (Strand.current() == this));
            root.unpark();
        }
    }

    @Test
    void aStrandThatIsItsThreadsTaskRunsItsBodyCountedAsLiveAndOnlyThere() throws Exception {
        List<String> log = new ArrayList<>();
        Strand root = Strand.current();
        SelfRunningStrand strand = new SelfRunningStrand(log, root);
        // nobody else may run it: not the carrier thread, and not before or after its thread does
        assertThrows(WrongThreadException.class, strand::run);
        assertTrue(log.isEmpty());
        strand.thread().start();
        while (log.isEmpty()) {
            root.park("the self-running strand");
        }
        assertEquals(List.of("body runs on its own thread, live 1, current true"), log);
        assertEquals(0, Carrier.current().liveCount());
        // a strand without a body of its own cannot be given a self-running thread by mistake
        TestStrand plain = new TestStrand(() -> { });
        assertThrows(IllegalStateException.class, () -> plain.createThreadForTest());
    }

    @Test
    void synchronizedHeldAcrossParkDoesNotDeadlockTheCarrier() throws Exception {
        Object monitor = new Object();
        List<String> log = new ArrayList<>();
        Strand root = Strand.current();
        boolean[] release = new boolean[1];
        int[] done = new int[1];
        Runnable finished = () -> {
            if (++done[0] == 3) {
                root.unpark();
            }
        };
        TestStrand[] holder = new TestStrand[1];
        holder[0] = new TestStrand(() -> {
            synchronized (monitor) {
                log.add("holder in");
                while (!release[0]) {
                    try {
                        holder[0].park("release");
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                }
                log.add("holder out");
            }
            finished.run();
        });
        TestStrand contender = new TestStrand(() -> {
            log.add("contender waits");
            synchronized (monitor) {
                log.add("contender in");
            }
            finished.run();
        });
        TestStrand releaser = new TestStrand(() -> {
            log.add("releaser runs");
            release[0] = true;
            holder[0].unpark();
            finished.run();
        });
        holder[0].thread().start();
        contender.thread().start();
        releaser.thread().start();
        while (done[0] < 3) {
            root.park("all three");
        }
        // the contender blocked on the monitor without pinning the carrier (JEP 491): the releaser ran
        assertEquals(List.of("holder in", "contender waits", "releaser runs", "holder out", "contender in"), log);
    }

    @Test
    void threadLocalsArePerGreenlet() {
        ThreadLocal<String> local = new ThreadLocal<>();
        local.set("main");
        RawGreenlet main = RawGreenlet.current();
        RawGreenlet a = new RawGreenlet(v -> {
            local.set("a");
            main.switchTo(null);
            return local.get();
        });
        RawGreenlet b = new RawGreenlet(v -> {
            assertNull(local.get());
            local.set("b");
            return local.get();
        });
        a.switchTo(null);
        assertEquals("b", b.switchTo(null));
        assertEquals("a", a.switchTo(null));
        assertEquals("main", local.get());
    }

    @Test
    void switchingFromAnotherThreadFailsAtOnce() throws Exception {
        RawGreenlet g = new RawGreenlet(v -> "never");
        CompletableFuture<Throwable> failure = new CompletableFuture<>();
        Thread other = Thread.ofPlatform().start(() -> {
            try {
                g.switchTo(null);
                failure.complete(null);
            } catch (Throwable t) {
                failure.complete(t);
            }
        });
        other.join(10_000);
        Throwable t = failure.get(10, TimeUnit.SECONDS);
        assertInstanceOf(WrongThreadException.class, t);
        assertTrue(t.getMessage().contains("only ever runs on the thread that created it"), t.getMessage());
        assertFalse(g.isStarted());
    }

    @Test
    void waitingForeverRaisesLoopExit() {
        RawGreenlet main = RawGreenlet.current();
        RawGreenlet stuck = new RawGreenlet(v -> {
            // a second greenlet that nobody will ever switch to: waiting for it can never end
            RawGreenlet.current().parent();
            Strand.current().park("nothing");
            return null;
        });
        LoopExit exit = assertThrows(LoopExit.class, () -> stuck.switchTo(null));
        assertTrue(exit.getMessage().startsWith("This operation would block forever"), exit.getMessage());
        assertNotNull(main);
    }

    @Test
    void finishedGreenletsAreCollectable() throws Exception {
        List<WeakReference<Object>> refs = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            Object payload = new byte[16];
            RawGreenlet g = new RawGreenlet(v -> payload.hashCode());
            g.switchTo(null);
            refs.add(new WeakReference<>(g));
            refs.add(new WeakReference<>(g.thread()));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (refs.stream().anyMatch(r -> r.get() != null)) {
            assertTrue(System.nanoTime() < deadline, "finished greenlets are still reachable");
            System.gc();
            Thread.onSpinWait();
        }
    }
}
