package io.gevent4j.benchmarks.jmh;

import io.gevent4j.Hub;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code Hub.callSoonThreadsafe} from another thread. A hub runs {@code Hub.run()} on its own platform
 * thread; the benchmark thread posts a callback and spins until the callback has run (the callback
 * bumps a volatile counter). {@code wakeIdleHub} first waits (outside the measured time) until the hub
 * thread is parked, so each op is a full wake-up: enqueue, unpark, the hub thread scheduled again, one
 * loop turn, the callback. {@code backToBack} posts the next callback as soon as the previous one ran,
 * so the hub is often still awake: the hand-off cost without the unpark.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-opens", "java.base/java.lang=ALL-UNNAMED"})
public class WakeupBench {

    /** A hub running on a thread of its own. */
    @State(Scope.Thread)
    public static class RemoteHub {
        Thread hubThread;
        Hub hub;
        volatile long acked;
        long sent;
        final Runnable ack = () -> acked = acked + 1; // only the hub thread writes it

        /**
         * Starts the hub thread and waits until its hub exists.
         *
         * @throws Exception if it does not start
         */
        @Setup(Level.Trial)
        public void setUp() throws Exception {
            CompletableFuture<Hub> started = new CompletableFuture<>();
            hubThread = new Thread(() -> {
                Hub h = Hub.current();
                started.complete(h);
                try {
                    h.run();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "wakeup-bench-hub");
            hubThread.setDaemon(true);
            hubThread.start();
            hub = started.get(30, TimeUnit.SECONDS);
        }

        /** Waits until the hub thread is parked, so the next post has to wake it. Not measured. */
        public void awaitIdle() {
            while (hubThread.getState() != Thread.State.WAITING && hubThread.getState() != Thread.State.TIMED_WAITING) {
                Thread.onSpinWait();
            }
        }

        /** Posts one callback and spins until it has run. */
        void roundTrip() {
            long target = ++sent;
            hub.callSoonThreadsafe(ack);
            while (acked != target) {
                Thread.onSpinWait();
            }
        }

        /**
         * Stops the hub.
         *
         * @throws InterruptedException if interrupted while joining
         */
        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            hub.stop();
            hubThread.join(TimeUnit.SECONDS.toMillis(30));
            if (hubThread.isAlive()) {
                throw new IllegalStateException("the hub thread did not stop");
            }
        }
    }

    /** The same remote hub, made idle before each invocation. */
    @State(Scope.Thread)
    public static class IdleHub extends RemoteHub {
        /** Waits until the hub thread parks; outside the measured time. */
        @Setup(Level.Invocation)
        public void parked() {
            awaitIdle();
        }
    }

    /**
     * Wakes a parked hub and waits for the callback.
     *
     * @param h the hub, parked
     * @return the acknowledged count
     */
    @Benchmark
    public long wakeIdleHub(IdleHub h) {
        h.roundTrip();
        return h.sent;
    }

    /**
     * Posts as soon as the previous callback ran.
     *
     * @param h the hub
     * @return the acknowledged count
     */
    @Benchmark
    public long backToBack(RemoteHub h) {
        h.roundTrip();
        return h.sent;
    }
}
