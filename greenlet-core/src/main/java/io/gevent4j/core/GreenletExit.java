package io.gevent4j.core;

/**
 * Raised inside a greenlet to end it quietly, as Python's {@code greenlet.GreenletExit}: a greenlet
 * killed this way is not reported as failed. It extends {@link Error} for the reason Python's extends
 * {@code BaseException}: a {@code catch (Exception e)} in user code must not swallow a kill.
 */
public class GreenletExit extends Error {
    /** Creates a GreenletExit with the standard message. */
    public GreenletExit() {
        super("greenlet killed");
    }

    /**
     * Creates a GreenletExit with a message.
     *
     * @param message why the greenlet is being ended
     */
    public GreenletExit(String message) {
        super(message);
    }
}
