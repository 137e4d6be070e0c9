package io.gevent4j.monitor;

import io.gevent4j.Hub;
import io.gevent4j.HubInspector;
import io.gevent4j.core.internal.ErrorSink;
import io.gevent4j.internal.jfr.HubBlockedEvent;
import io.gevent4j.internal.jfr.Jfr;
import io.gevent4j.internal.loop.Deadline;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Notices a hub that has not turned over for longer than a maximum blocking time (gevent's
 * {@code monitor_thread} with {@code max_blocking_time}): a greenlet that computes without yielding or
 * calls a blocking operation that is not cooperative freezes every other greenlet of its hub.
 *
 * <p>Off by default. Turn it on with {@code -Dgevent4j.maxBlockingTime=100ms} (units {@code ms} or
 * {@code s}; read when the first hub is created), with the agent option {@code maxBlockingTime=100ms},
 * or with {@link #start(Duration)}. One daemon thread, {@code gevent4j-monitor}, samples each hub's
 * turn counter a few times per period; the hub itself only increments a plain counter once per turn.
 *
 * <p>A hub is blocked when, for longer than the limit, its counter has not moved while either a task
 * (a greenlet's turn or a callback) runs on it, or its thread stays outside the loop with work waiting.
 * An idle hub, or a hub whose thread does unrelated work while nothing waits, is not blocked. Each
 * episode is reported once, when noticed, as a {@link Report}: on {@code System.err}, to every
 * {@linkplain #addListener listener}, and as the JFR event {@code io.gevent4j.HubBlocked}.
 */
public final class BlockingDetector implements AutoCloseable {
    /** The system property read when the first hub is created, e.g. {@code 100ms} or {@code 0.5s}. */
    public static final String PROPERTY = "gevent4j.maxBlockingTime";

    private static final Pattern DURATION = Pattern.compile("\\s*(\\d+(?:\\.\\d+)?)\\s*(ms|s)\\s*", Pattern.CASE_INSENSITIVE);
    private static final Object LOCK = new Object();
    private static volatile boolean propertyRead;
    private static BlockingDetector running;

    private final CopyOnWriteArrayList<Consumer<Report>> listeners = new CopyOnWriteArrayList<>();
    private final Map<Hub, Watch> watches = new WeakHashMap<>();
    private final AtomicLong episodes = new AtomicLong();
    private volatile long maxNanos;
    private volatile boolean printReports = true;
    private volatile boolean stopped;
    private final Thread thread;

    /** What the detector found: one blocking episode of one hub. */
    public static final class Report {
        private final String hub;
        private final String culprit;
        private final Duration blockedFor;
        private final Duration maxBlockingTime;
        private final List<StackTraceElement> stack;

        Report(String hub, String culprit, Duration blockedFor, Duration maxBlockingTime, List<StackTraceElement> stack) {
            this.hub = hub;
            this.culprit = culprit;
            this.blockedFor = blockedFor;
            this.maxBlockingTime = maxBlockingTime;
            this.stack = stack;
        }

        /** {@return the name of the blocked hub's thread} */
        public String hubThread() {
            return hub;
        }

        /**
         * What holds the hub: the running greenlet's name, "a hub callback", or the hub's own thread
         * when it stays outside the loop.
         *
         * @return a short description
         */
        public String culprit() {
            return culprit;
        }

        /** {@return how long the hub had not turned when this was noticed} */
        public Duration blockedFor() {
            return blockedFor;
        }

        /** {@return the limit that was exceeded} */
        public Duration maxBlockingTime() {
            return maxBlockingTime;
        }

        /** {@return the blocking code's stack, innermost frame first, runtime frames at the bottom removed} */
        public List<StackTraceElement> stack() {
            return stack;
        }

        /** {@return the report as printed on {@code System.err}} */
        @Override
        public String toString() {
            StringBuilder out = new StringBuilder();
            out.append("gevent4j: the hub of thread \"").append(hub).append("\" has not turned for ")
                    .append(blockedFor.toMillis()).append(" ms (max blocking time ").append(maxBlockingTime.toMillis())
                    .append(" ms): ").append(culprit).append(" holds it. Its stack:\n");
            for (StackTraceElement e : stack) {
                out.append("    at ").append(e).append('\n');
            }
            out.append("  Every other greenlet of this hub is frozen meanwhile. Yield in long computations"
                    + " (Gevent.sleep(0)), use cooperative I/O (gevent4j's API or the agent), or move real blocking"
                    + " work to a thread pool (ThreadPool.ofCurrentHub()).\n");
            return out.toString();
        }
    }

    /** Per-hub sampling state; touched only by the monitor thread. */
    private static final class Watch {
        long turns = -1;
        long since;
        boolean reported;
    }

    private BlockingDetector(long maxNanos) {
        this.maxNanos = maxNanos;
        this.thread = Thread.ofPlatform().daemon().name("gevent4j-monitor").unstarted(this::loop);
    }

    /**
     * Starts the process-wide detector, or changes the limit of the one already running.
     *
     * @param maxBlockingTime how long a hub may go without turning over before it is reported; positive
     * @return the running detector
     * @throws IllegalArgumentException if the limit is not positive
     */
    public static BlockingDetector start(Duration maxBlockingTime) {
        long nanos = maxBlockingTime.toNanos();
        if (nanos <= 0) {
            throw new IllegalArgumentException("gevent4j: the maximum blocking time must be positive, got " + maxBlockingTime);
        }
        synchronized (LOCK) {
            if (running != null) {
                running.maxNanos = nanos;
                return running;
            }
            BlockingDetector detector = new BlockingDetector(nanos);
            running = detector;
            detector.thread.start();
            return detector;
        }
    }

    /**
     * The running detector.
     *
     * @return it, or {@code null} when the detector is off
     */
    public static BlockingDetector current() {
        synchronized (LOCK) {
            return running;
        }
    }

    /**
     * Starts the detector if {@value #PROPERTY} is set; only the first call reads it. Called when a hub
     * is created.
     *
     * @throws IllegalArgumentException if the property is set to something that is not a duration
     */
    public static void startFromSystemProperty() {
        if (propertyRead) {
            return;
        }
        // read once, even when it is malformed: the error below is raised once, by the first hub, not
        // by every Hub.current() after it
        propertyRead = true;
        String value = System.getProperty(PROPERTY);
        if (value != null && !value.isBlank()) {
            Duration limit;
            try {
                limit = parseDuration(value);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("gevent4j: -D" + PROPERTY + "=" + value + " is not valid: "
                        + e.getMessage(), e);
            }
            start(limit);
        }
    }

    /**
     * Parses a duration written as a number and a unit: {@code 100ms}, {@code 2s}, {@code 0.5s}.
     *
     * @param text the text
     * @return the duration
     * @throws IllegalArgumentException saying what is expected, if the text is not such a duration or is zero
     */
    public static Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(Objects.requireNonNull(text, "text"));
        if (!m.matches()) {
            throw new IllegalArgumentException("expected a positive number followed by ms or s (e.g. 100ms or 0.5s), got '"
                    + text + "'");
        }
        double amount = Double.parseDouble(m.group(1));
        double nanos = amount * (m.group(2).toLowerCase(Locale.ROOT).equals("s") ? 1e9 : 1e6);
        if (nanos < 1e6 || nanos > Long.MAX_VALUE / 2.0) {
            throw new IllegalArgumentException("the maximum blocking time must be between 1 ms and a few centuries, got '"
                    + text + "'");
        }
        return Duration.ofNanos((long) nanos);
    }

    /** {@return the current limit} */
    public Duration maxBlockingTime() {
        return Duration.ofNanos(maxNanos);
    }

    /** {@return how many blocking episodes were reported since the detector started} */
    public long episodes() {
        return episodes.get();
    }

    /**
     * Calls {@code listener} on the monitor thread with each report (it must not block for long).
     *
     * @param listener receives reports
     */
    public void addListener(Consumer<Report> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Stops calling a listener added with {@link #addListener}.
     *
     * @param listener the listener
     */
    public void removeListener(Consumer<Report> listener) {
        listeners.remove(listener);
    }

    /**
     * Whether reports are printed on {@code System.err} (they are by default); listeners and JFR get them
     * either way.
     *
     * @param print false to keep {@code System.err} quiet
     */
    public void printReports(boolean print) {
        this.printReports = print;
    }

    /** Stops the detector and its thread; {@link #start(Duration)} starts a new one. */
    @Override
    public void close() {
        synchronized (LOCK) {
            if (running == this) {
                running = null;
            }
        }
        stopped = true;
        thread.interrupt();
    }

    private void loop() {
        while (!stopped) {
            long max = maxNanos;
            // four samples per period: an episode is noticed between 1x and 1.25x the limit
            long period = Math.max(1_000_000L, max / 4);
            long before = System.nanoTime();
            LockSupportSleep.sleepNanos(period);
            if (stopped) {
                return;
            }
            try {
                if (System.nanoTime() - before > period + max) {
                    // the monitor itself overslept: the whole JVM was paused (GC, safepoint) or starved of CPU,
                    // so a hub that did not turn meanwhile is not to blame; start every hub's clock afresh
                    watches.clear();
                    continue;
                }
                sampleAll(max);
            } catch (RuntimeException | Error e) {
                // the monitor must not die silently: say what went wrong and keep watching
                ErrorSink.report("the blocking detector, while sampling the hubs,", e);
            }
        }
    }

    private void sampleAll(long max) {
        long now = System.nanoTime();
        for (Hub hub : Hub.all()) {
            if (hub.isClosed() || !hub.thread().isAlive()) {
                watches.remove(hub);
                continue;
            }
            Watch w = watches.computeIfAbsent(hub, h -> new Watch());
            // only what the hub publishes for monitors: never its queues or its greenlets' plain fields
            HubInspector view = hub.inspect();
            long turns = view.turns();
            boolean held = view.isRunningTask() || (!view.isIdle() && view.hasWaitingWork());
            if (turns != w.turns || !held) {
                w.turns = turns;
                w.since = now;
                w.reported = false;
            } else if (!w.reported && now - w.since >= max) {
                w.reported = true;
                report(hub, now - w.since, max);
            }
        }
    }

    private void report(Hub hub, long blockedNanos, long max) {
        HubInspector view = hub.inspect();
        Thread carrierThread = hub.thread();
        String culprit = null;
        Thread stackOf = carrierThread;
        if (view.isRunningTask()) {
            HubInspector.Running running = view.runningGreenlet();
            if (running != null) {
                culprit = "greenlet " + running.name();
                stackOf = running.thread();
            } else {
                culprit = "a hub callback (or timer) running on thread \"" + carrierThread.getName() + "\"";
            }
        }
        if (culprit == null) {
            culprit = "the hub's own thread \"" + carrierThread.getName() + "\", which stays outside the loop while"
                    + " work waits for it (call a gevent4j blocking operation, Gevent.sleep(0) or Hub.run to let it run)";
        }
        List<StackTraceElement> stack = trimRuntimeFrames(stackOf.getStackTrace());
        Report report = new Report(carrierThread.getName(), culprit, Duration.ofNanos(blockedNanos), Duration.ofNanos(max), stack);
        episodes.incrementAndGet();
        StringBuilder frames = new StringBuilder();
        for (StackTraceElement e : stack) {
            frames.append(e).append('\n');
        }
        if (Jfr.active()) {
            HubBlockedEvent.emit(report.hubThread(), culprit, blockedNanos, frames.toString());
        }
        if (printReports) {
            java.io.PrintStream err = System.err;
            synchronized (err) {
                err.print(report);
            }
        }
        for (Consumer<Report> listener : listeners) {
            listener.accept(report);
        }
    }

    /** Drops the JDK's and gevent4j's own frames at the bottom of a greenlet's stack (gevent #1665). */
    static List<StackTraceElement> trimRuntimeFrames(StackTraceElement[] frames) {
        int end = frames.length;
        while (end > 0 && isRuntimeFrame(frames[end - 1])) {
            end--;
        }
        if (end == 0) {
            end = frames.length;
        }
        return List.of(frames).subList(0, end);
    }

    private static boolean isRuntimeFrame(StackTraceElement e) {
        String c = e.getClassName();
        return c.startsWith("java.lang.VirtualThread") || c.startsWith("jdk.internal.vm.")
                || c.startsWith("io.gevent4j.core.") || c.startsWith("io.gevent4j.Greenlet")
                || c.equals("java.lang.Thread") || c.startsWith("java.util.concurrent.ForkJoin");
    }

    /** Sleeping that ends early only on {@link #close()}. */
    private static final class LockSupportSleep {
        static void sleepNanos(long nanos) {
            long deadline = Deadline.afterNanos(nanos);
            long left;
            while ((left = Deadline.remainingNanos(deadline)) > 0) {
                try {
                    TimeUnit.NANOSECONDS.sleep(left);
                } catch (InterruptedException e) {
                    return; // close() interrupts to stop the loop, which then sees stopped
                }
            }
        }
    }
}
