package io.gevent4j;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Hub#close()} releases what the hub holds at once, not when the garbage collector gets to it. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HubCloseReleasesTest {
    private static long openFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    @Test
    void aThousandHubsWithAnEpollOpenedAndClosedOnOneThreadLeaveTheFdCountUnchanged() throws Exception {
        CompletableFuture<long[]> counts = new CompletableFuture<>();
        // a thread of its own: its carrier stays reachable for the whole run, so only close() can release
        Thread.ofPlatform().name("hub-close-cycles").start(() -> {
            try {
                long before = openFds();
                for (int i = 0; i < 1_000; i++) {
                    Hub hub = Hub.current();
                    assertTrue(hub.loop().poller().epollFd() >= 0);
                    hub.close();
                }
                counts.complete(new long[] {before, openFds()});
            } catch (Throwable t) {
                counts.completeExceptionally(t);
            }
        });
        long[] c = counts.get(100, TimeUnit.SECONDS);
        // each leaked hub would keep an epoll fd and an eventfd: 2,000 descriptors
        assertTrue(c[1] - c[0] < 20, "open fds before " + c[0] + ", after 1,000 hub create/close cycles " + c[1]);
    }

    @Test
    void closeClosesTheThreadPoolAndTheHubsNextUseMakesANewHub() throws Exception {
        CompletableFuture<String> result = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> {
            try {
                Hub first = Hub.current();
                io.gevent4j.threadpool.ThreadPool.ofCurrentHub().spawn(() -> 1).get();
                first.close();
                assertTrue(first.isClosed());
                Hub second = Hub.current();
                result.complete(second != first ? "new hub" : "same hub");
                second.close();
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        assertEquals("new hub", result.get(60, TimeUnit.SECONDS));
    }
}
