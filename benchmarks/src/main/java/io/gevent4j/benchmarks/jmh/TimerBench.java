package io.gevent4j.benchmarks.jmh;

import io.gevent4j.Gevent;
import io.gevent4j.Hub;
import io.gevent4j.TimerHandle;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The hub's timer heap through the public API. {@code callLaterFire}: {@value #BATCH} callbacks
 * scheduled with {@code Hub.callLater(0)}, then one turn of the loop ({@code Gevent.sleep(0)} on the hub's
 * thread) fires them all; one op is one insert plus one fire. {@code callLaterCancel}: a 60 s callback
 * scheduled and cancelled at once (what a {@code Timeout} that is not reached costs). {@code pending}
 * far-future timers (1 h) sit in the heap meanwhile, so that insert and cancel do their O(log n) work.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-opens", "java.base/java.lang=ALL-UNNAMED"})
public class TimerBench {
    /** Timers inserted and fired per invocation of {@code callLaterFire}. */
    static final int BATCH = 1000;

    /** The hub of the benchmark thread and its background timers. */
    @State(Scope.Thread)
    public static class Timers {
        /** Far-future timers kept in the heap during the measurement. */
        @Param({"0", "100000"})
        public int pending;

        Hub hub;
        int fired;
        final Runnable count = () -> fired++;
        private final List<TimerHandle> background = new ArrayList<>();

        /** Creates the hub and the background timers. */
        @Setup(Level.Trial)
        public void setUp() {
            hub = Hub.current();
            Runnable never = () -> {
                throw new IllegalStateException("a background timer fired");
            };
            for (int i = 0; i < pending; i++) {
                background.add(hub.callLater(Duration.ofHours(1).plusNanos(i), never));
            }
        }

        /** Cancels the background timers. */
        @TearDown(Level.Trial)
        public void tearDown() {
            background.forEach(TimerHandle::cancel);
            background.clear();
        }
    }

    /**
     * {@value #BATCH} inserts, then one loop turn fires them.
     *
     * @param t the hub
     * @throws Exception if the loop fails
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void callLaterFire(Timers t) throws Exception {
        t.fired = 0;
        for (int i = 0; i < BATCH; i++) {
            t.hub.callLater(Duration.ZERO, t.count);
        }
        Gevent.sleep(0);
        if (t.fired != BATCH) {
            throw new IllegalStateException("fired " + t.fired + " of " + BATCH);
        }
    }

    /**
     * One insert and one cancel.
     *
     * @param t the hub
     * @return the cancelled handle
     */
    @Benchmark
    public TimerHandle callLaterCancel(Timers t) {
        TimerHandle h = t.hub.callLater(Duration.ofSeconds(60), t.count);
        h.cancel();
        return h;
    }
}
