package io.gevent4j.monkey.programs;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.monkey.Monkey;
import org.mockito.MockedStatic;
import org.mockito.Mockito;

import java.io.FileInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A greenlet program run beside another agent ({@code OtherAgentsIT}): {@code mockito} mocks a final
 * class, a static method and an interface inside greenlets (Mockito's inline mock maker retransforms
 * those classes, and {@code FileInputStream}, which the file patch has woven), then checks that
 * gevent4j's patches still take; {@code plain} only checks the patches (run under JaCoCo's agent).
 * Prints {@code key=value} lines.
 */
public final class OtherAgents {
    private OtherAgents() {
    }

    /** A final class: only an inline mock maker can mock it. */
    public static final class FinalGreeter {
        /** @return the real greeting */
        public String greet() {
            return "real";
        }
    }

    /** A class with a static method. */
    public static final class Clock {
        private Clock() {
        }

        /** @return the real time */
        public static long now() {
            return System.currentTimeMillis();
        }
    }

    /** An interface to mock. */
    public interface Store {
        /**
         * @param key a key
         * @return its value
         */
        String get(String key);
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("mockito")) {
            mocks();
        }
        patchesTake();
        System.out.println("done");
    }

    private static void mocks() throws Exception {
        Greenlet<String> finalClass = Gevent.spawn(() -> {
            FinalGreeter greeter = Mockito.mock(FinalGreeter.class);
            Mockito.when(greeter.greet()).thenReturn("mocked");
            Thread.sleep(20); // a patched call while the mock is live
            return greeter.greet();
        });
        Greenlet<Long> staticMethod = Gevent.spawn(() -> {
            try (MockedStatic<Clock> clock = Mockito.mockStatic(Clock.class)) { // thread-local: this greenlet
                clock.when(Clock::now).thenReturn(42L);
                Thread.sleep(20);
                return Clock.now();
            }
        });
        Greenlet<String> iface = Gevent.spawn(() -> {
            Store store = Mockito.mock(Store.class);
            Mockito.when(store.get("k")).thenReturn("v");
            Thread.sleep(20);
            Mockito.verify(store, Mockito.never()).get("other");
            return store.get("k");
        });
        // A JDK class the file patch has woven: Mockito retransforms it with its own transformer too.
        Greenlet<Integer> jdkClass = Gevent.spawn(() -> {
            FileInputStream in = Mockito.mock(FileInputStream.class);
            Mockito.when(in.read()).thenReturn(7);
            return in.read();
        });
        Gevent.joinAll(List.of(finalClass, staticMethod, iface, jdkClass));
        System.out.println("finalClass=" + outcome(finalClass));
        System.out.println("staticMethod=" + outcome(staticMethod));
        System.out.println("interface=" + outcome(iface));
        System.out.println("jdkClass=" + outcome(jdkClass));
        System.out.println("staticAfterClose=" + (Clock.now() > 42L));
    }

    private static String outcome(Greenlet<?> g) {
        return g.successful() ? String.valueOf(g.value()) : "failed:" + g.exception();
    }

    /** What only the patches can do: sleeps at once, a pipe read that lets a ticker tick. */
    private static void patchesTake() throws Exception {
        long t = System.nanoTime();
        List<Greenlet<Void>> sleepers = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            sleepers.add(Gevent.spawn(() -> {
                Thread.sleep(300);
                return null;
            }));
        }
        Gevent.joinAll(sleepers);
        System.out.println("sleepersMs=" + (System.nanoTime() - t) / 1_000_000);

        AtomicInteger ticks = new AtomicInteger();
        boolean[] stop = {false};
        Greenlet<Void> ticker = Gevent.spawn(() -> {
            while (!stop[0]) {
                Thread.sleep(10);
                ticks.incrementAndGet();
            }
            return null;
        });
        Callable<String> read = () -> {
            Process p = new ProcessBuilder("sh", "-c", "sleep 0.3; echo x").start();
            String line = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            p.waitFor();
            return line;
        };
        Greenlet<String> reader = Gevent.spawn(read);
        reader.join();
        stop[0] = true;
        ticker.join();
        System.out.println("pipeLine=" + outcome(reader));
        System.out.println("pipeTicks=" + ticks.get());
        System.out.println("patched=" + String.join(",", Monkey.patchedNames()));
    }
}
