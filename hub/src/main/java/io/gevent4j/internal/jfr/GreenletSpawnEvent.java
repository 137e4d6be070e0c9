package io.gevent4j.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * JFR event: a greenlet began to run (it was spawned and its hub ran it). Off by default (a busy server starts many): enable it with
 * {@code -XX:StartFlightRecording:settings=...} or {@code jfr configure}, naming {@value #NAME}.
 */
@Name(GreenletSpawnEvent.NAME)
@Label("Greenlet Spawn")
@Category({"gevent4j", "Greenlets"})
@Description("A greenlet began to run on a hub")
@Enabled(false)
@StackTrace(false)
public final class GreenletSpawnEvent extends Event {
    /** The event's name in recordings. */
    public static final String NAME = "io.gevent4j.GreenletSpawn";

    /** An empty event; {@link #emit} fills and commits it. */
    public GreenletSpawnEvent() {
    }

    /** The greenlet's name. */
    @Label("Greenlet")
    public String greenlet;

    /** The name of the hub's thread. */
    @Label("Hub Thread")
    public String hub;

    /**
     * Records a spawn if the event is enabled; costs a check of a JFR flag otherwise.
     *
     * @param greenlet the greenlet (named only if the event is recorded)
     */
    public static void emit(io.gevent4j.core.Strand greenlet) {
        GreenletSpawnEvent event = new GreenletSpawnEvent();
        if (event.shouldCommit()) {
            event.greenlet = greenlet.name();
            event.hub = greenlet.carrier().thread().getName();
            event.commit();
        }
    }
}
