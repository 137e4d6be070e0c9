package io.gevent4j.benchmarks.jmh;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each JMH benchmark body run a few times by hand, outside JMH, with its state's set-up and tear-down:
 * the benchmarks stay correct (their own checks throw) without running JMH in the test suite. Each
 * case runs on a fresh platform thread, so it gets a hub of its own, as JMH's benchmark thread does.
 */
@Timeout(120)
class JmhBenchmarksSmokeTest {
    private static final int RUNS = 3;

    private static <T> T onFreshThread(Callable<T> body) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                result.complete(body.call());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }, "jmh-smoke");
        t.start();
        return result.get(60, TimeUnit.SECONDS);
    }

    @Test
    void theAnnotationProcessorGeneratedEveryBenchmark() throws Exception {
        try (InputStream in = getClass().getResourceAsStream("/META-INF/BenchmarkList")) {
            assertNotNull(in, "META-INF/BenchmarkList is missing: JMH's annotation processor did not run");
            String list = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            for (String name : new String[] {"SwitchBench.rawSwitchRoundTrip", "SwitchBench.sleep0",
                    "SpawnBench.spawnJoinOne", "SpawnBench.spawnJoinBatch", "TimerBench.callLaterFire",
                    "TimerBench.callLaterCancel", "QueueBench.roundTrip", "WakeupBench.wakeIdleHub",
                    "WakeupBench.backToBack"}) {
                assertTrue(list.contains(name.replace('.', '_') + "_jmhTest"), name + " is not in the benchmark list");
            }
        }
    }

    @Test
    void rawSwitchRoundTripBouncesTheTokenAndTheTearDownKillsThePartner() throws Exception {
        onFreshThread(() -> {
            SwitchBench bench = new SwitchBench();
            SwitchBench.RawPair pair = new SwitchBench.RawPair();
            pair.setUp();
            for (int i = 0; i < RUNS; i++) {
                assertEquals(pair.token, bench.rawSwitchRoundTrip(pair));
            }
            pair.tearDown();
            assertTrue(pair.partner.isDead());
            return null;
        });
    }

    @Test
    void sleep0AndSpawnBenchmarksRun() throws Exception {
        onFreshThread(() -> {
            SwitchBench switches = new SwitchBench();
            SpawnBench spawns = new SpawnBench();
            for (int i = 0; i < RUNS; i++) {
                switches.sleep0();
                assertEquals(42, spawns.spawnJoinOne());
                assertEquals((long) SpawnBench.BATCH * (SpawnBench.BATCH - 1) / 2, spawns.spawnJoinBatch());
            }
            return null;
        });
    }

    @Test
    void timerBenchmarksFireEveryTimerAndLeaveTheBackgroundPending() throws Exception {
        onFreshThread(() -> {
            TimerBench bench = new TimerBench();
            TimerBench.Timers timers = new TimerBench.Timers();
            timers.pending = 1_000;
            timers.setUp();
            for (int i = 0; i < RUNS; i++) {
                bench.callLaterFire(timers); // throws unless all BATCH callbacks fired
                assertFalse(bench.callLaterCancel(timers).pending());
            }
            assertEquals(1_000, timers.hub.pendingTimers());
            timers.tearDown();
            assertEquals(0, timers.hub.pendingTimers());
            return null;
        });
    }

    @Test
    void queueRoundTripRunsOnBothKinds() throws Exception {
        onFreshThread(() -> {
            for (String kind : new String[] {"channel", "queue"}) {
                QueueBench bench = new QueueBench();
                bench.kind = kind;
                for (int i = 0; i < RUNS; i++) {
                    bench.roundTrip(); // throws if a value comes back out of order
                }
            }
            return null;
        });
    }

    @Test
    void wakeupBenchmarksGetEachCallbackAcknowledged() throws Exception {
        WakeupBench bench = new WakeupBench();
        WakeupBench.IdleHub idle = new WakeupBench.IdleHub();
        idle.setUp();
        try {
            for (int i = 1; i <= RUNS; i++) {
                idle.parked();
                assertEquals(i, bench.wakeIdleHub(idle));
                assertEquals(i, idle.acked);
            }
        } finally {
            idle.tearDown();
        }
        WakeupBench.RemoteHub busy = new WakeupBench.RemoteHub();
        busy.setUp();
        try {
            for (int i = 1; i <= RUNS; i++) {
                assertEquals(i, bench.backToBack(busy));
            }
        } finally {
            busy.tearDown();
        }
    }
}
