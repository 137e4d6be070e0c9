package io.gevent4j;

import java.util.List;

/**
 * The greenlets of one hub that were started (or scheduled with {@code startLater}) and have not run
 * yet: an intrusive doubly linked list through two fields of each greenlet, so that adding and removing
 * allocate nothing. {@link Hub#close()} kills them, dumps and leak checks list them. Hub thread only.
 */
final class NotYetRun {
    private Greenlet<?> head;
    private int count;

    /** {@return the first greenlet, or {@code null}} */
    Greenlet<?> head() {
        return head;
    }

    /** {@return how many there are} */
    int count() {
        return count;
    }

    /** Notes a greenlet that was started (or will start later) and has not run yet. */
    void add(Greenlet<?> g) {
        if (!g.scheduled()) {
            g.scheduled(true);
            g.scheduledNext = head;
            if (head != null) {
                head.scheduledPrev = g;
            }
            head = g;
            count++;
        }
    }

    /** Forgets a greenlet noted by {@link #add}: it runs now, or died first. */
    void remove(Greenlet<?> g) {
        if (g.scheduled()) {
            g.scheduled(false);
            if (g.scheduledPrev != null) {
                g.scheduledPrev.scheduledNext = g.scheduledNext;
            } else {
                head = g.scheduledNext;
            }
            if (g.scheduledNext != null) {
                g.scheduledNext.scheduledPrev = g.scheduledPrev;
            }
            g.scheduledPrev = null;
            g.scheduledNext = null;
            count--;
        }
    }

    /** Appends them to {@code out}. */
    void addTo(List<Greenlet<?>> out) {
        for (Greenlet<?> g = head; g != null; g = g.scheduledNext) {
            out.add(g);
        }
    }
}
