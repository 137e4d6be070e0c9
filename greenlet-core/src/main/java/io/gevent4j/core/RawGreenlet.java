package io.gevent4j.core;

/**
 * The greenlet primitive, Python's {@code greenlet.greenlet} on the JVM: a flow of control that runs
 * only when something switches to it, on the carrier of the thread that created it.
 *
 * <h2>State machine</h2>
 * <pre>
 *   NEW ---first switchTo(v)---> ACTIVE   (run(v) starts)
 *   NEW ---throwInto(e)--------> DEAD     (never runs; e goes to the parent)
 *   ACTIVE --run returns r-----> DEAD     (the parent's switch returns r)
 *   ACTIVE --run throws e------> DEAD     (e is raised in the parent; GreenletExit is returned instead)
 * </pre>
 * An ACTIVE greenlet is either running (it is {@link #current()}) or suspended in a {@code switchTo}
 * of its own, waiting to be switched back to. Switching to a DEAD greenlet switches to its nearest
 * live ancestor, as in Python.
 *
 * <p>Every carrier thread has a main greenlet ({@link #current()} outside any greenlet). While the main
 * greenlet is switched away, its thread runs the carrier's loop. Greenlets are virtual threads, so
 * {@code synchronized}, {@code ThreadLocal} and thread dumps behave per greenlet. A greenlet can be
 * switched to only from its own carrier: anything else fails at once with {@link WrongThreadException}.
 */
public final class RawGreenlet {
    /**
     * What a greenlet runs.
     */
    @FunctionalInterface
    public interface Run {
        /**
         * The body of the greenlet.
         *
         * @param value the value passed by the first {@code switchTo}
         * @return the value handed to the parent when the greenlet ends
         * @throws Throwable anything: it is raised in the parent
         */
        Object run(Object value) throws Throwable;
    }

    private enum State { NEW, ACTIVE, DEAD }

    private final Carrier carrier;
    private final Strand strand;
    private final Run run;
    private RawGreenlet parent;
    private State state;
    private boolean switchedIn;
    private Object transferValue;
    private Throwable transferError;

    /**
     * Creates a greenlet whose parent is the current greenlet.
     *
     * @param run what it runs
     */
    public RawGreenlet(Run run) {
        this(run, current());
    }

    /**
     * Creates a greenlet with the given parent, which must be on the current carrier.
     *
     * @param run what it runs
     * @param parent receives the result or the exception when it ends
     */
    public RawGreenlet(Run run, RawGreenlet parent) {
        this.carrier = Carrier.current();
        this.run = java.util.Objects.requireNonNull(run, "run");
        checkSameCarrier(parent);
        this.parent = parent;
        this.state = State.NEW;
        this.strand = new GreenletStrand(carrier, this);
    }

    private RawGreenlet(Carrier carrier) {
        this.carrier = carrier;
        this.run = null;
        this.parent = null;
        this.state = State.ACTIVE;
        this.strand = carrier.root();
    }

    /**
     * The greenlet running now: a raw greenlet, or the main greenlet of the calling thread.
     *
     * @return the current greenlet
     * @throws IllegalStateException when called from a hub greenlet, which is not a raw greenlet
     */
    public static RawGreenlet current() {
        Strand strand = Strand.current();
        if (strand instanceof GreenletStrand g) {
            return g.greenlet;
        }
        if (strand.isRoot()) {
            Carrier carrier = strand.carrier;
            if (carrier.mainGreenlet == null) {
                carrier.mainGreenlet = new RawGreenlet(carrier);
            }
            return carrier.mainGreenlet;
        }
        throw new IllegalStateException("gevent4j: " + strand.name() + " is a hub greenlet, not a RawGreenlet;"
                + " raw greenlets can be switched from raw greenlets and from the carrier thread only");
    }

    /** {@return the parent: it receives the result or exception when this greenlet ends; null for main} */
    public RawGreenlet parent() {
        return parent;
    }

    /**
     * Changes the parent. A cycle of parents is refused.
     *
     * @param newParent the new parent, on the same carrier
     */
    public void setParent(RawGreenlet newParent) {
        checkSameCarrier(newParent);
        for (RawGreenlet p = newParent; p != null; p = p.parent) {
            if (p == this) {
                throw new IllegalArgumentException("gevent4j: setting " + newParent + " as parent of " + this
                        + " would make a cycle of parents");
            }
        }
        this.parent = newParent;
    }

    /** {@return true once run has returned or thrown (or the greenlet was killed before it started)} */
    public boolean isDead() {
        return state == State.DEAD;
    }

    /** {@return true once the greenlet has been switched to for the first time (main: always)} */
    public boolean isStarted() {
        return state != State.NEW;
    }

    /** {@return true for a carrier thread's main greenlet} */
    public boolean isMain() {
        return run == null;
    }

    /** {@return the virtual thread of this greenlet, or the carrier thread for the main greenlet} */
    public Thread thread() {
        return strand.thread();
    }

    /**
     * Switches to this greenlet, handing it {@code value}: its first switch starts {@code run(value)};
     * later ones return {@code value} from the {@code switchTo} it is suspended in. Returns when some
     * greenlet switches back to the caller, with the value it passed (or raises what was thrown in).
     *
     * @param value the value to hand over
     * @return the value this greenlet is later switched back with
     * @throws WrongThreadException if this greenlet belongs to another carrier
     */
    public Object switchTo(Object value) {
        RawGreenlet self = current();
        checkSameCarrier(this);
        return self.transfer(this, value, null);
    }

    /**
     * Raises {@code error} in this greenlet at the {@code switchTo} it is suspended in (Python's
     * {@code greenlet.throw}). A greenlet that has not started dies at once and the error goes to its
     * parent; {@link GreenletExit} is then returned to the parent as a value rather than raised.
     *
     * @param error what to raise
     * @return the value this greenlet is later switched back with
     */
    public Object throwInto(Throwable error) {
        java.util.Objects.requireNonNull(error, "error");
        RawGreenlet self = current();
        checkSameCarrier(this);
        if (state == State.NEW) {
            state = State.DEAD;
            RawGreenlet target = liveAncestor(parent);
            return error instanceof GreenletExit
                    ? self.transfer(target, error, null)
                    : self.transfer(target, null, error);
        }
        return self.transfer(this, null, error);
    }

    private Object transfer(RawGreenlet target, Object value, Throwable error) {
        target = liveAncestor(target);
        if (target == this) {
            if (error != null) {
                throw Strand.<RuntimeException>sneakyThrow(error);
            }
            return value;
        }
        target.deliver(value, error);
        return awaitSwitchIn();
    }

    private static RawGreenlet liveAncestor(RawGreenlet g) {
        while (g.state == State.DEAD) {
            g = g.parent;
        }
        return g;
    }

    /** Hands value/error to this greenlet and makes it the next to run. Carrier only. */
    private void deliver(Object value, Throwable error) {
        transferValue = value;
        transferError = error;
        switchedIn = true;
        if (state == State.NEW) {
            state = State.ACTIVE;
            strand.startNext();
        } else if (strand.isRoot()) {
            strand.unpark();
        } else {
            carrier.submitNextToFront();
            strand.unpark();
        }
    }

    private Object awaitSwitchIn() {
        while (!switchedIn) {
            try {
                strand.park(this);
            } catch (InterruptedException e) {
                throw Strand.<RuntimeException>sneakyThrow(e);
            }
        }
        switchedIn = false;
        Object value = transferValue;
        Throwable error = transferError;
        transferValue = null;
        transferError = null;
        if (error != null) {
            throw Strand.<RuntimeException>sneakyThrow(error);
        }
        return value;
    }

    private void body() {
        Object result = null;
        Throwable failure = null;
        try {
            switchedIn = false;
            Object first = transferValue;
            Throwable firstError = transferError;
            transferValue = null;
            transferError = null;
            if (firstError != null) {
                throw firstError;
            }
            result = run.run(first);
        } catch (GreenletExit exit) {
            result = exit;
        } catch (Throwable t) {
            failure = t;
        }
        state = State.DEAD;
        liveAncestor(parent).deliver(result, failure);
    }

    private void checkSameCarrier(RawGreenlet other) {
        java.util.Objects.requireNonNull(other, "parent");
        if (other.carrier != Carrier.current()) {
            throw new WrongThreadException("gevent4j: " + other + " belongs to the carrier of thread \""
                    + other.carrier.thread().getName() + "\" and cannot be switched to from "
                    + Thread.currentThread() + "; a greenlet only ever runs on the thread that created it");
        }
    }

    @Override
    public String toString() {
        return isMain() ? "RawGreenlet[main of " + carrier.thread().getName() + "]"
                : "RawGreenlet[" + strand.name() + ", " + state + "]";
    }

    private static final class GreenletStrand extends Strand {
        final RawGreenlet greenlet;

        GreenletStrand(Carrier carrier, RawGreenlet greenlet) {
            super(carrier);
            this.greenlet = greenlet;
            createThread(greenlet::body);
        }

        @Override
        public String name() {
            return "raw greenlet " + thread();
        }
    }
}
