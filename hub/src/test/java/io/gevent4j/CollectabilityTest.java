package io.gevent4j;

import io.gevent4j.event.Event;
import io.gevent4j.testsupport.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.ref.WeakReference;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GC test (Loom's habit): finished, failed, killed and abandoned greenlets, and a hub whose thread
 * ended, become collectable; nothing in gevent4j keeps them alive.
 */
@Timeout(60)
class CollectabilityTest {
    /** Runs GCs until {@code ref} is cleared; false after 10 s. */
    static boolean collected(WeakReference<?> ref) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (ref.get() != null && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(10);
        }
        return ref.get() == null;
    }

    @Test
    void finishedFailedAndKilledGreenletsAreCollectable() throws Exception {
        List<WeakReference<Greenlet<?>>> refs = Gevent.run(() -> {
            Greenlet<Integer> finished = Gevent.spawn(() -> 1);
            Greenlet<Object> failed = Gevent.spawn(() -> {
                throw new IllegalStateException("expected by CollectabilityTest");
            });
            Greenlet<?> killed = Gevent.spawn(() -> Gevent.sleep(60_000));
            Gevent.sleep(0);
            killed.kill();
            Gevent.joinAll(List.of(finished, failed));
            failed.exception(); // observed
            return List.of(new WeakReference<>(finished), new WeakReference<>(failed), new WeakReference<>(killed));
        });
        Gevent.sleep(0); // the hub's last callbacks (links, reports) run
        for (WeakReference<Greenlet<?>> ref : refs) {
            assertTrue(collected(ref), "still reachable: " + ref.get());
        }
        Hub.current().close();
    }

    @Test
    void aHubAndItsGreenletsAreCollectableOnceItsThreadEnds() throws Exception {
        AtomicReference<WeakReference<Hub>> hubRef = new AtomicReference<>();
        AtomicReference<WeakReference<Greenlet<?>>> greenletRef = new AtomicReference<>();
        Thread t = Thread.ofPlatform().name("short-lived-hub").start(() -> {
            try {
                Greenlet<?> g = Gevent.spawn(() -> Gevent.sleep(1));
                g.join();
                hubRef.set(new WeakReference<>(Hub.current()));
                greenletRef.set(new WeakReference<>(g));
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        t.join();
        assertTrue(collected(greenletRef.get()), "greenlet still reachable");
        assertTrue(collected(hubRef.get()), "hub still reachable after its thread ended");
    }

    @Test
    void abandonedGreenletsAreCollectableOnceTheirHubsThreadEnds() throws Exception {
        // Greenlets start in their hub's own thread container (what lets jcmd Thread.dump_to_file list parked
        // greenlets), which holds nothing but the hub, not in the JDK's root container, which holds every
        // virtual thread started in it while jdk.trackAllThreads is true (the default). So an abandoned
        // greenlet, parked forever, is collectable once its hub's thread ends, with tracking on or off.
        for (List<String> flags : List.of(List.<String>of(), List.of("-Djdk.trackAllThreads=false"))) {
            ChildJvm.Result run = ChildJvm.run(flags, 60, AbandonedGreenletMain.class);
            assertEquals(0, run.exitCode(), flags + ": " + run.output());
            assertTrue(run.output().contains("greenlet collected=true hub collected=true"), flags + ": " + run.output());
        }
    }

    /** Child JVM: a greenlet parks forever on an event nobody else holds, on a hub whose thread then ends. */
    public static final class AbandonedGreenletMain {
        private AbandonedGreenletMain() {
        }

        /**
         * @param args unused
         * @throws Exception on failure
         */
        public static void main(String[] args) throws Exception {
            AtomicReference<WeakReference<Hub>> hubRef = new AtomicReference<>();
            AtomicReference<WeakReference<Greenlet<?>>> greenletRef = new AtomicReference<>();
            Thread t = Thread.ofPlatform().start(() -> {
                Event never = new Event();
                Greenlet<?> g = Gevent.spawn(() -> {
                    never.await();
                    return null;
                }).name("abandoned");
                try {
                    Gevent.sleep(0);
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
                hubRef.set(new WeakReference<>(Hub.current()));
                greenletRef.set(new WeakReference<>(g));
            });
            t.join();
            boolean greenlet = collected(greenletRef.get());
            boolean hub = collected(hubRef.get());
            System.out.println("greenlet collected=" + greenlet + " hub collected=" + hub);
        }
    }
}
