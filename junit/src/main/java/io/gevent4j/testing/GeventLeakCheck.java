package io.gevent4j.testing;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.Hub;
import io.gevent4j.TimerHandle;
import io.gevent4j.core.GreenletExit;
import io.gevent4j.server.BaseServer;
import io.gevent4j.server.ListeningServers;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.lang.reflect.AnnotatedElement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A JUnit Jupiter extension that fails a test which leaves gevent4j resources behind (gevent's leak
 * check): greenlets still alive on the test thread's hub, timers still pending on it, or
 * servers ({@code StreamServer}, {@code DatagramServer}) still listening. What was already there before the test is ignored. Whatever
 * the test leaves is cleaned up afterwards (greenlets killed, servers of this thread stopped, a hub the
 * test created closed) so that one leaky test does not break the next.
 *
 * <p>Use it with {@code @ExtendWith(GeventLeakCheck.class)} on a class, or for a whole suite through
 * JUnit's extension auto-detection ({@code junit.jupiter.extensions.autodetection.enabled=true} in
 * {@code junit-platform.properties} and a {@code META-INF/services/org.junit.jupiter.api.extension.Extension}
 * file naming this class). Exempt a test with {@link AllowLeaks}. Greenlets on hubs of other threads
 * are not inspected (they cannot be touched from the test thread); their servers are.
 */
public final class GeventLeakCheck implements BeforeEachCallback, AfterEachCallback {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(GeventLeakCheck.class);
    private static final Duration KILL_TIMEOUT = Duration.ofSeconds(5);

    /** What existed before the test. */
    private record Baseline(Hub hub, Set<Greenlet<?>> greenlets, Set<TimerHandle> timers, Set<BaseServer<?>> servers) {
    }

    /** Creates the extension (JUnit does). */
    public GeventLeakCheck() {
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        Hub hub = Hub.currentOrNull();
        Set<Greenlet<?>> greenlets = identitySet();
        Set<TimerHandle> timers = new java.util.HashSet<>(); // a wake-up timer's handle is equal, not identical, each time
        if (hub != null) {
            greenlets.addAll(hub.liveGreenlets());
            timers.addAll(hub.inspect().pendingTimers());
        }
        Set<BaseServer<?>> servers = identitySet();
        servers.addAll(ListeningServers.snapshot());
        context.getStore(NAMESPACE).put(context.getUniqueId(), new Baseline(hub, greenlets, timers, servers));
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        Baseline before = context.getStore(NAMESPACE).remove(context.getUniqueId(), Baseline.class);
        if (before == null) {
            return;
        }
        List<String> leaks = new ArrayList<>();
        Hub hub = Hub.currentOrNull();
        if (hub != null && !hub.isClosed()) {
            // run what is still queued: greenlets started but not run yet, links, error reports
            for (int i = 0; i < 1_000 && hub.inspect().readyCount() > 0; i++) {
                Gevent.sleep(0);
            }
        }
        // servers first: stopping one also ends its accept and handler greenlets, which are not reported again
        for (BaseServer<?> server : ListeningServers.snapshot()) {
            if (!before.servers().contains(server)) {
                leaks.add("server " + server + " is still listening");
                stopIfOwned(server, hub);
            }
        }
        if (hub != null && !hub.isClosed()) {
            checkHub(hub, before, leaks);
        }
        if (hub != null && !hub.isClosed() && hub != before.hub() && Greenlet.current() == null) {
            hub.close(); // the test created this hub: close it, so that the next test starts afresh
        }
        Optional<AllowLeaks> allowed = allowLeaks(context);
        if (!leaks.isEmpty() && allowed.isEmpty() && context.getExecutionException().isEmpty()) {
            throw new AssertionError("GeventLeakCheck: " + context.getDisplayName() + " left " + leaks.size()
                    + " thing(s) behind:\n  " + String.join("\n  ", leaks)
                    + "\nJoin or kill the greenlets, cancel the timers (or close the Timeout) and stop the servers before"
                    + " the test ends, or annotate the test with @AllowLeaks(\"why\"). They were cleaned up.");
        }
    }

    private static void checkHub(Hub hub, Baseline before, List<String> leaks) throws InterruptedException {
        boolean sameHub = hub == before.hub();
        Greenlet<?> self = Greenlet.current();
        List<Greenlet<?>> left = new ArrayList<>();
        for (Greenlet<?> g : hub.liveGreenlets()) {
            if (g != self && !(sameHub && before.greenlets().contains(g))) {
                left.add(g);
            }
        }
        for (Greenlet<?> g : left) {
            StringBuilder line = new StringBuilder("greenlet ").append(g);
            Object blocker = hub.inspect().blockerOf(g);
            if (blocker != null) {
                line.append(" waiting on ").append(blocker);
            }
            Thread t = hub.inspect().threadOf(g);
            if (t != null) {
                for (StackTraceElement e : t.getStackTrace()) {
                    line.append("\n      at ").append(e);
                }
            }
            leaks.add(line.toString());
        }
        if (!left.isEmpty()) {
            if (!Gevent.killAll(left, new GreenletExit("killed by GeventLeakCheck: the test left it running"), true,
                    KILL_TIMEOUT)) {
                for (Greenlet<?> g : left) {
                    if (!g.dead()) {
                        leaks.add("greenlet " + g + " did not die within " + KILL_TIMEOUT.toSeconds()
                                + " s of being killed (does it catch GreenletExit?) and is still running");
                    }
                }
            }
            Gevent.sleep(0);
        }
        for (TimerHandle timer : hub.inspect().pendingTimers()) {
            if (!(sameHub && before.timers().contains(timer))) {
                leaks.add("pending " + timer);
                timer.cancel();
            }
        }
    }

    private static void stopIfOwned(BaseServer<?> server, Hub current) throws InterruptedException {
        Hub owner = server.hub();
        // a server of another live thread is stopped by that thread's loop; only report it
        if (owner == current || owner == null || owner.isClosed() || !owner.thread().isAlive()) {
            server.stop(Duration.ZERO);
        }
    }

    private static Optional<AllowLeaks> allowLeaks(ExtensionContext context) {
        for (ExtensionContext c = context; c != null; c = c.getParent().orElse(null)) {
            Optional<AnnotatedElement> element = c.getElement();
            if (element.isPresent() && element.get().isAnnotationPresent(AllowLeaks.class)) {
                return Optional.of(element.get().getAnnotation(AllowLeaks.class));
            }
        }
        return Optional.empty();
    }

    private static <T> Set<T> identitySet() {
        return Collections.newSetFromMap(new IdentityHashMap<>());
    }
}
