package io.gevent4j.benchmarks.jmh;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.core.GreenletExit;
import io.gevent4j.core.RawGreenlet;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * Context switches. {@code rawSwitchRoundTrip}: the carrier's main greenlet switches to a raw greenlet
 * (greenlet-core) that switches straight back: one op is two switches. {@code sleep0}: two hub
 * greenlets each call {@code Gevent.sleep(0)} {@value #YIELDS} times, as the {@code switch_sleep0}
 * workload does: one op is one switch.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-opens", "java.base/java.lang=ALL-UNNAMED"})
public class SwitchBench {
    /** sleep(0) calls of each greenlet per invocation. */
    static final int YIELDS = 1000;

    /** A raw greenlet that bounces every value straight back to the main greenlet. */
    @State(Scope.Thread)
    public static class RawPair {
        RawGreenlet main;
        RawGreenlet partner;
        final Object token = new Object();

        /** Creates and starts the partner; it waits in its first switch back to main. */
        @Setup(Level.Trial)
        public void setUp() {
            main = RawGreenlet.current();
            RawGreenlet home = main;
            partner = new RawGreenlet(first -> {
                Object value = first;
                while (true) {
                    value = home.switchTo(value);
                }
            });
            partner.switchTo(null);
        }

        /** Ends the partner by raising GreenletExit in it (returned to main as a value). */
        @TearDown(Level.Trial)
        public void tearDown() {
            partner.throwInto(new GreenletExit("benchmark over"));
            if (!partner.isDead()) {
                throw new IllegalStateException("the partner greenlet did not die");
            }
        }
    }

    /**
     * main -> partner -> main.
     *
     * @param pair the two greenlets
     * @return the value bounced back
     */
    @Benchmark
    public Object rawSwitchRoundTrip(RawPair pair) {
        Object back = pair.partner.switchTo(pair.token);
        if (back != pair.token) {
            throw new IllegalStateException("switch returned " + back);
        }
        return back;
    }

    /**
     * Two greenlets alternate with {@code sleep(0)}.
     *
     * @throws Exception if a greenlet fails
     */
    @Benchmark
    @OperationsPerInvocation(2 * YIELDS)
    public void sleep0() throws Exception {
        Callable<Void> loop = () -> {
            for (int i = 0; i < YIELDS; i++) {
                Gevent.sleep(0);
            }
            return null;
        };
        Greenlet<Void> a = Gevent.spawn(loop);
        Greenlet<Void> b = Gevent.spawn(loop);
        a.get();
        b.get();
    }
}
