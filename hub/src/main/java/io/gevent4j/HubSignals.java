package io.gevent4j;

import io.gevent4j.core.internal.JdkSignals;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Signal handlers that run on hubs (behind {@link Hub#signal(String, Runnable)}). The JVM delivers a
 * signal on a thread of its own; from there each registration for that signal is handed to its hub
 * with {@link Hub#callSoonThreadsafe}, and the hub runs the handler in a new greenlet (as gevent's
 * {@code signal_handler} does), so the handler may block cooperatively, e.g. stop a server gracefully.
 * One JVM-level handler per signal is installed while at least one registration exists; the one it
 * replaced is restored when the last is cancelled.
 */
final class HubSignals {
    /** Guarded by the class lock: the JVM handler each handled signal replaced. */
    private static final Map<String, Object> PREVIOUS = new HashMap<>();
    private static final Map<String, List<Registration>> HANDLERS = new HashMap<>();

    private HubSignals() {
    }

    private record Registration(String signal, Hub hub, Runnable handler) implements SignalHandle {
        @Override
        public void cancel() {
            HubSignals.cancel(this);
        }

        @Override
        public String toString() {
            return "SignalHandle[SIG" + signal + " on " + hub + "]";
        }
    }

    static SignalHandle register(Hub hub, String name, Runnable handler) {
        Objects.requireNonNull(handler, "handler");
        String signal = JdkSignals.normalise(name);
        Registration r = new Registration(signal, hub, handler);
        synchronized (HubSignals.class) {
            List<Registration> list = HANDLERS.get(signal);
            if (list == null) {
                Object previous = JdkSignals.install(signal, HubSignals::deliver); // fails clearly if reserved
                PREVIOUS.put(signal, previous);
                list = new CopyOnWriteArrayList<>();
                HANDLERS.put(signal, list);
            }
            list.add(r);
        }
        return r;
    }

    private static void cancel(Registration r) {
        synchronized (HubSignals.class) {
            List<Registration> list = HANDLERS.get(r.signal());
            if (list == null || !list.remove(r)) {
                return;
            }
            if (list.isEmpty()) {
                HANDLERS.remove(r.signal());
                JdkSignals.restore(r.signal(), PREVIOUS.remove(r.signal()));
            }
        }
    }

    /** On the JVM's signal thread: hands the signal to every registered hub. */
    private static void deliver(String signal) {
        List<Registration> list;
        synchronized (HubSignals.class) {
            list = HANDLERS.get(signal);
        }
        if (list == null) {
            return;
        }
        for (Registration r : list) {
            if (r.hub().isClosed()) {
                System.err.println("gevent4j: SIG" + signal + " arrived for " + r.hub() + ", which is closed; its handler"
                        + " did not run. Cancel the SignalHandle before closing the hub");
                continue;
            }
            r.hub().callSoonThreadsafe(() -> Gevent.spawn(r.handler()::run).name("signal-handler SIG" + signal));
        }
    }
}
