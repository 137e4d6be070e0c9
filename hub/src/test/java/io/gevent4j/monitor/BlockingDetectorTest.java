package io.gevent4j.monitor;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.testsupport.ChildJvm;
import io.gevent4j.testsupport.FreshHub;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(FreshHub.class)
@Timeout(30)
class BlockingDetectorTest {
    private final List<BlockingDetector.Report> reports = new CopyOnWriteArrayList<>();
    private BlockingDetector detector;

    @BeforeEach
    void startDetector() {
        detector = BlockingDetector.start(Duration.ofMillis(100));
        detector.printReports(false);
        detector.addListener(this::collectOwnHub);
    }

    private void collectOwnHub(BlockingDetector.Report r) {
        if (r.hubThread().equals(Thread.currentThread().getName()) || r.hubThread().equals(testThread)) {
            reports.add(r);
        }
    }

    private final String testThread = Thread.currentThread().getName();

    @AfterEach
    void stopDetector() {
        detector.close();
        assertNull(BlockingDetector.current());
    }

    static void spin(long millis) {
        long end = System.nanoTime() + millis * 1_000_000L;
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }

    @Test
    void aGreenletThatComputesWithoutYieldingIsReportedOnceWithItsNameAndStack() throws Exception {
        Greenlet<?> other = Gevent.spawn(() -> Gevent.sleep(5)).name("starved");
        Greenlet<?> hog = Gevent.spawn(() -> spin(450)).name("hog-greenlet");
        hog.join();
        other.join();
        assertEquals(1, reports.size(), () -> "one report per episode: " + reports);
        BlockingDetector.Report r = reports.get(0);
        assertTrue(r.culprit().contains("hog-greenlet"), r::toString);
        assertTrue(r.blockedFor().toMillis() >= 100, r::toString);
        assertTrue(r.stack().stream().anyMatch(e -> e.getMethodName().equals("spin")), r::toString);
        assertTrue(r.stack().stream().noneMatch(e -> e.getClassName().startsWith("jdk.internal.vm.")), "runtime frames trimmed: " + r);
        assertTrue(r.toString().contains("has not turned for"), r::toString);
    }

    @Test
    void twoEpisodesGiveTwoReports() throws Exception {
        Gevent.spawn(() -> {
            spin(450);
            Gevent.sleep(0);
            spin(450);
        }).name("twice").join();
        assertEquals(2, reports.size(), () -> reports.toString());
    }

    @Test
    void anIdleHubAndAGreenletThatYieldsAreNotReported() throws Exception {
        Gevent.sleep(350); // idle: only a timer pending
        Gevent.spawn(() -> {
            long end = System.nanoTime() + 350_000_000L;
            while (System.nanoTime() < end) {
                Gevent.sleep(0);
            }
        }).join();
        assertEquals(List.of(), reports);
    }

    @Test
    void theHubsThreadOutsideTheLoopWithReadyGreenletsIsReported() throws Exception {
        Greenlet<?> starved = Gevent.spawn(() -> 1).name("ready-but-starved");
        spin(350); // the hub's own thread, outside the loop, while a greenlet is ready
        starved.join();
        assertEquals(1, reports.size(), () -> reports.toString());
        assertTrue(reports.get(0).culprit().contains("outside the loop"), reports.get(0)::toString);
        assertTrue(reports.get(0).stack().stream().anyMatch(e -> e.getMethodName().equals("spin")), reports.get(0)::toString);
    }

    @Test
    void startAgainChangesTheLimitOfTheRunningDetector() {
        BlockingDetector again = BlockingDetector.start(Duration.ofMillis(250));
        assertTrue(again == detector);
        assertEquals(Duration.ofMillis(250), detector.maxBlockingTime());
    }

    @Test
    void durationsParseWithUnitsAndBadOnesSayWhatIsExpected() {
        assertEquals(Duration.ofMillis(100), BlockingDetector.parseDuration("100ms"));
        assertEquals(Duration.ofMillis(500), BlockingDetector.parseDuration("0.5s"));
        assertEquals(Duration.ofSeconds(2), BlockingDetector.parseDuration(" 2S "));
        for (String bad : List.of("100", "fast", "-5ms", "0ms", "1.5 min", "")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BlockingDetector.parseDuration(bad));
            assertTrue(e.getMessage().contains("ms"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> BlockingDetector.start(Duration.ZERO));
    }

    @Test
    void thePropertyTurnsItOnInAFreshJvmAndABadValueFailsClearly() throws Exception {
        ChildJvm.Result on = ChildJvm.run(List.of("-Dgevent4j.maxBlockingTime=100ms"), 60, BlockingDetectorMain.class);
        assertEquals(0, on.exitCode(), on.output());
        assertTrue(on.output().contains("episodes=1"), on.output());
        assertTrue(on.output().contains("greenlet hog"), on.output());
        assertTrue(on.output().contains("BlockingDetectorMain.hogTheHub"), on.output());

        ChildJvm.Result off = ChildJvm.run(List.of(), 60, BlockingDetectorMain.class);
        assertTrue(off.output().contains("episodes=off"), off.output());

        ChildJvm.Result bad = ChildJvm.run(List.of("-Dgevent4j.maxBlockingTime=fast"), 60, BlockingDetectorMain.class);
        assertNotEquals(0, bad.exitCode(), bad.output());
        assertTrue(bad.output().contains("-Dgevent4j.maxBlockingTime=fast is not valid"), bad.output());
    }

    @Test
    void aMalformedPropertyFailsTheFirstHubOnceNotEveryHubCurrent() throws Exception {
        ChildJvm.Result r = ChildJvm.run(List.of("-Dgevent4j.maxBlockingTime=fast"), 60, BadPropertyOnceMain.class);
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("first: gevent4j: -Dgevent4j.maxBlockingTime=fast is not valid"), r.output());
        assertTrue(r.output().contains("later: hubs work"), r.output());
        assertFalse(r.output().contains("again:"), r.output());
    }
}
