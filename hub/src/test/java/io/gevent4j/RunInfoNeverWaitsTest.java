package io.gevent4j;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Gevent#formatRunInfo()} describes other hubs from what they publish and never waits for
 * them: a hub whose thread is busy outside its loop cannot answer.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RunInfoNeverWaitsTest {
    @Test
    void aHundredHubsBusyOutsideTheirLoopsAreDescribedWithoutWaitingForThem() throws Exception {
        int hubs = 100;
        CountDownLatch ready = new CountDownLatch(hubs);
        CountDownLatch release = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < hubs; i++) {
            threads.add(Thread.ofPlatform().name("busy-hub-" + i).start(() -> {
                try {
                    Gevent.spawn(() -> Gevent.sleep(60_000)).name("sleeper on " + Thread.currentThread().getName());
                    Gevent.sleep(0); // the sleeper runs and parks on its timer
                    ready.countDown();
                    release.await(); // the hub's thread is now outside its loop: its hub cannot answer
                    Hub.current().close();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        try {
            assertTrue(ready.await(30, TimeUnit.SECONDS));
            long t = System.nanoTime();
            String info = Gevent.formatRunInfo();
            long ms = (System.nanoTime() - t) / 1_000_000;
            for (int i = 0; i < hubs; i++) {
                assertTrue(info.contains("Hub of thread \"busy-hub-" + i + "\""), "hub " + i + " missing:\n" + info);
                assertTrue(info.contains("sleeper on busy-hub-" + i + " waits on"), "hub " + i + "'s greenlet missing");
            }
            // the old way waited up to 1 s for each of them: 100 s
            assertTrue(ms < 10_000, "formatRunInfo took " + ms + " ms for " + hubs + " busy hubs");
            System.out.println("formatRunInfo of " + hubs + " busy hubs: " + ms + " ms");
        } finally {
            release.countDown();
            for (Thread th : threads) {
                th.join();
            }
        }
    }
}
