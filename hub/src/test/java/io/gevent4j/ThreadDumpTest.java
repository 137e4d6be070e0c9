package io.gevent4j;

import com.sun.management.HotSpotDiagnosticMXBean;
import io.gevent4j.core.internal.JdkSupport;
import io.gevent4j.event.Event;
import io.gevent4j.testsupport.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Greenlets start in their hub's own JDK thread container, not the JDK's root one: thread dumps
 * ({@code jcmd <pid> Thread.dump_to_file}, which is {@link HotSpotDiagnosticMXBean#dumpThreads}) must
 * still list each one, once, with its stack.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ThreadDumpTest extends HubTestSupport {

    @Test
    void greenletsStartInTheHubsContainer() {
        assertNull(JdkSupport.threadContainerUnavailableReason(),
                "the tests run with java.lang open, so greenlets must get their carrier's thread container");
    }

    @Test
    void threadDumpsListEachParkedGreenletOnce(@TempDir Path dir) throws Exception {
        Event release = new Event();
        List<Greenlet<?>> parked = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            parked.add(Gevent.spawn(() -> {
                release.await();
            }).name("dump-me-" + i));
        }
        // a strand started by the JDK's own Thread.start (as a thread factory's user does): in the root
        // container, and on its hub's list of live strands too
        HubGroup group = HubGroup.of(1);
        java.util.concurrent.CountDownLatch factoryRelease = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch factoryWaiting = new java.util.concurrent.CountDownLatch(1);
        Thread fromFactory = group.threadFactory().newThread(() -> {
            factoryWaiting.countDown();
            try {
                factoryRelease.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        fromFactory.setName("dump-me-factory");
        fromFactory.start();
        assertTrue(factoryWaiting.await(10, TimeUnit.SECONDS));
        Gevent.sleep(0); // let the greenlets run up to their wait

        for (HotSpotDiagnosticMXBean.ThreadDumpFormat format : HotSpotDiagnosticMXBean.ThreadDumpFormat.values()) {
            Path file = dir.resolve("threads-" + format);
            ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class).dumpThreads(file.toString(), format);
            String dump = Files.readString(file);
            for (int i = 0; i < 3; i++) {
                assertEquals(1, count(dump, "dump-me-" + i + "\""), format + " dump:\n" + dump);
            }
            assertEquals(1, count(dump, "dump-me-factory\""), format + " dump:\n" + dump);
            assertTrue(dump.contains("Event.await"), "the greenlets' stacks are shown: " + format + " dump:\n" + dump);
        }
        String json = Files.readString(dir.resolve("threads-JSON"));
        assertTrue(json.contains("gevent4j greenlets of " + Thread.currentThread().getName()),
                "the hub's container is named in the JSON dump:\n" + json);

        release.set();
        Gevent.joinAll(parked);
        factoryRelease.countDown();
        fromFactory.join();
        group.close();
    }

    @Test
    void withoutTheirOwnContainerGreenletsStartInTheRootOneAndStillShowInDumps() throws Exception {
        // the fallback for a JDK whose thread-container hook is out of reach
        ChildJvm.Result run = ChildJvm.run(List.of("-D" + JdkSupport.THREAD_CONTAINER_PROPERTY + "=false"), 60,
                DumpWithoutContainerMain.class);
        assertEquals(0, run.exitCode(), run.output());
        assertTrue(run.output().contains("unavailable: " + JdkSupport.THREAD_CONTAINER_PROPERTY + "=false"), run.output());
        assertTrue(run.output().contains("listed: 3 value: 42"), run.output());
    }

    /** Child JVM: three parked greenlets, a thread dump, then a spawn and join. */
    public static final class DumpWithoutContainerMain {
        private DumpWithoutContainerMain() {
        }

        /**
         * @param args unused
         * @throws Exception on failure
         */
        public static void main(String[] args) throws Exception {
            Event release = new Event();
            List<Greenlet<?>> parked = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                parked.add(Gevent.spawn(() -> {
                    release.await();
                }).name("fallback-" + i));
            }
            Gevent.sleep(0);
            Path file = Files.createTempFile("threads", ".txt");
            Files.delete(file);
            ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                    .dumpThreads(file.toString(), HotSpotDiagnosticMXBean.ThreadDumpFormat.TEXT_PLAIN);
            String dump = Files.readString(file);
            Files.delete(file);
            release.set();
            Gevent.joinAll(parked);
            System.out.println("unavailable: " + JdkSupport.threadContainerUnavailableReason());
            System.out.println("listed: " + HubTestSupport.count(dump, "\"fallback-") + " value: " + Gevent.spawn(() -> 42).get());
        }
    }
}
