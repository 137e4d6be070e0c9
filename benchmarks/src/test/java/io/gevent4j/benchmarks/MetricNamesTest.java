package io.gevent4j.benchmarks;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

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
        assertEquals(Workloads.all().keySet(), VirtualThreadWorkloads.all().keySet());
    }

    @Test
    void theVirtualThreadEchoReportsTheMetricEcho() throws Exception {
        Workloads.Metric metric = VirtualThreadWorkloads.all().get("echo").run(new int[] {3, 20, 16});
        assertEquals("echo", metric.name());
        assertEquals("msgs/s", metric.unit());
    }
}
