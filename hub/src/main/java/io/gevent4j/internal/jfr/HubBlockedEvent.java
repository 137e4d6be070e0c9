package io.gevent4j.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * JFR event: the blocking detector found a hub that has not turned over for longer than the maximum
 * blocking time (one event per episode). On by default; it exists only while the detector runs.
 */
@Name(HubBlockedEvent.NAME)
@Label("Hub Blocked")
@Category({"gevent4j", "Hub"})
@Description("A hub's loop has not turned for longer than gevent4j.maxBlockingTime")
@StackTrace(false)
public final class HubBlockedEvent extends Event {
    /** The event's name in recordings. */
    public static final String NAME = "io.gevent4j.HubBlocked";

    /** An empty event; {@link #emit} fills and commits it. */
    public HubBlockedEvent() {
    }

    /** The name of the hub's thread. */
    @Label("Hub Thread")
    public String hub;

    /** The greenlet holding the hub, or a description of what does. */
    @Label("Greenlet")
    public String greenlet;

    /** How long the hub had not turned when it was noticed. */
    @Label("Blocked For")
    @Timespan(Timespan.NANOSECONDS)
    public long blockedFor;

    /** The blocking code's stack, one frame a line. */
    @Label("Stack")
    public String stack;

    /**
     * Records a blocked hub if the event is enabled.
     *
     * @param hub the name of the hub's thread
     * @param greenlet what holds the hub
     * @param blockedForNanos how long it has not turned
     * @param stack the blocking code's stack
     */
    public static void emit(String hub, String greenlet, long blockedForNanos, String stack) {
        HubBlockedEvent event = new HubBlockedEvent();
        if (event.shouldCommit()) {
            event.hub = hub;
            event.greenlet = greenlet;
            event.blockedFor = blockedForNanos;
            event.stack = stack;
            event.commit();
        }
    }
}
