package io.gevent4j.benchmarks;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code Bench} fills a column from the {@code METRIC <workload> ...} line of each child, so every
 * implementation of a workload must print the workload's own name.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MetricNamesTest {

    @Test
    void bothImplementationsOfEveryWorkloadExist() {
        // a hub group has no counterpart on plain virtual threads: Bench leaves that column empty
        Set<String> gevent4jOnly = Set.of("echo_hubgroup");
        Set<String> shared = new TreeSet<>(Workloads.all().keySet());
        shared.removeAll(gevent4jOnly);
        assertEquals(shared, new TreeSet<>(VirtualThreadWorkloads.all().keySet()));
    }

    @Test
    void theVirtualThreadEchoReportsTheMetricEcho() throws Exception {
        Workloads.Metric metric = VirtualThreadWorkloads.all().get("echo").run(new int[] {3, 20, 16});
        assertEquals("echo", metric.name());
        assertEquals("msgs/s", metric.unit());
    }
}
