package io.gevent4j.benchmarks.jmh;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.benchmarks.Workloads;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Greenlet life cycle. {@code spawnJoinOne}: the hub's thread spawns one greenlet and joins it (spawn,
 * first switch in, run, death, wake-up of the joiner). {@code spawnJoinBatch}: {@value #BATCH} greenlets
 * spawned, then joined with {@code joinAll}, as the {@code spawn_join} workload does; one op is one
 * greenlet.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-opens", "java.base/java.lang=ALL-UNNAMED"})
public class SpawnBench {
    /** Greenlets per invocation of the batch benchmark. */
    static final int BATCH = 1000;

    /**
     * One spawn and one join.
     *
     * @return the greenlet's value
     * @throws Exception if the greenlet fails
     */
    @Benchmark
    public Integer spawnJoinOne() throws Exception {
        Greenlet<Integer> g = Gevent.spawn(() -> 42);
        g.join();
        return g.value();
    }

    /**
     * {@value #BATCH} spawns, then one joinAll.
     *
     * @return the sum of the values
     * @throws Exception if a greenlet fails
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long spawnJoinBatch() throws Exception {
        return Workloads.spawnAndJoin(BATCH);
    }
}
