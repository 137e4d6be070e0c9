package io.gevent4j.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * JFR event: a blocking call raised {@code LoopExit} ("This operation would block forever"), with the
 * hub's state at that moment. On by default (it is rare and always a bug or the end of a program).
 */
@Name(LoopExitEvent.NAME)
@Label("Loop Exit")
@Category({"gevent4j", "Hub"})
@Description("A blocking call found nothing left that could wake it and raised LoopExit")
@StackTrace(false)
public final class LoopExitEvent extends Event {
    /** The event's name in recordings. */
    public static final String NAME = "io.gevent4j.LoopExit";

    /** An empty event; {@link #emit} fills and commits it. */
    public LoopExitEvent() {
    }

    /** The name of the hub's thread. */
    @Label("Hub Thread")
    public String hub;

    /** The LoopExit message: the hub's state, each waiting greenlet and what it waits on. */
    @Label("Message")
    public String message;

    /**
     * Records a LoopExit if the event is enabled.
     *
     * @param hub the hub
     * @param exit the exception about to be thrown
     */
    public static void emit(Object hub, Throwable exit) {
        LoopExitEvent event = new LoopExitEvent();
        if (event.shouldCommit()) {
            event.hub = String.valueOf(hub);
            event.message = exit.getMessage();
            // Committed from a short-lived platform thread: on JDK 25, an event committed on a hub's carrier
            // thread after one of its greenlets (a virtual thread on a custom scheduler) has committed one is
            // lost from the recording (measured, JfrEventsTest). LoopExit is rare, so the thread costs nothing.
            Thread writer = Thread.ofPlatform().name("gevent4j-jfr").start(event::commit);
            try {
                writer.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // the LoopExit is thrown anyway; keep the interrupt for the caller
            }
        }
    }
}
