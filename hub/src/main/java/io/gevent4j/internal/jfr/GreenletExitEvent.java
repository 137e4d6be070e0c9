package io.gevent4j.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/** JFR event: a greenlet died (finished, failed or killed). Off by default, like {@link GreenletSpawnEvent}. */
@Name(GreenletExitEvent.NAME)
@Label("Greenlet Exit")
@Category({"gevent4j", "Greenlets"})
@Description("A greenlet died: finished, failed or killed")
@Enabled(false)
@StackTrace(false)
public final class GreenletExitEvent extends Event {
    /** The event's name in recordings. */
    public static final String NAME = "io.gevent4j.GreenletExit";

    /** An empty event; {@link #emit} fills and commits it. */
    public GreenletExitEvent() {
    }

    /** The greenlet's name. */
    @Label("Greenlet")
    public String greenlet;

    /** "finished", "killed" or "failed". */
    @Label("Outcome")
    public String outcome;

    /** The exception it died of, or null. */
    @Label("Exception")
    public String exception;

    /** From creation to death. */
    @Label("Age")
    @Timespan(Timespan.NANOSECONDS)
    public long age;

    /**
     * Records a death if the event is enabled.
     *
     * @param greenlet the greenlet (named only if the event is recorded)
     * @param outcome "finished", "killed" or "failed"
     * @param exception what it died of, or {@code null}
     * @param ageNanos its age in nanoseconds
     */
    public static void emit(io.gevent4j.core.Strand greenlet, String outcome, Throwable exception, long ageNanos) {
        GreenletExitEvent event = new GreenletExitEvent();
        if (event.shouldCommit()) {
            event.greenlet = greenlet.name();
            event.outcome = outcome;
            event.exception = exception == null ? null : exception.toString();
            event.age = ageNanos;
            event.commit();
        }
    }
}
