package io.gevent4j.benchmarks.jmh;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.queue.Channel;
import io.gevent4j.queue.Queue;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * A round trip between two greenlets, as the {@code queue_pingpong} workload: ping puts {@code i} into
 * {@code a}, pong gets it and puts it into {@code b}, ping gets it back and checks it. {@code kind}
 * picks {@link Channel} (unbuffered: each put waits for its getter) or an unbounded {@link Queue}.
 * One op is one round trip; {@value #ROUNDS} per invocation.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-opens", "java.base/java.lang=ALL-UNNAMED"})
@State(Scope.Thread)
public class QueueBench {
    /** Round trips per invocation. */
    static final int ROUNDS = 1000;

    /** Which queue type carries the values. */
    @Param({"channel", "queue"})
    public String kind;

    private Queue<Integer> newQueue() {
        return kind.equals("channel") ? new Channel<>() : new Queue<>();
    }

    /**
     * {@value #ROUNDS} round trips.
     *
     * @throws Exception if a check or a greenlet fails
     */
    @Benchmark
    @OperationsPerInvocation(ROUNDS)
    public void roundTrip() throws Exception {
        Queue<Integer> a = newQueue();
        Queue<Integer> b = newQueue();
        Greenlet<Void> pong = Gevent.spawn(() -> {
            for (int i = 0; i < ROUNDS; i++) {
                b.put(a.get());
            }
        });
        Greenlet<Void> ping = Gevent.spawn(() -> {
            for (int i = 0; i < ROUNDS; i++) {
                a.put(i);
                int back = b.get();
                if (back != i) {
                    throw new IllegalStateException("got " + back + " back for " + i);
                }
            }
        });
        ping.get();
        pong.get();
    }
}
