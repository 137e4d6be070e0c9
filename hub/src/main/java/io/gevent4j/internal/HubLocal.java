package io.gevent4j.internal;

import io.gevent4j.Hub;
import io.gevent4j.core.Strand;

/**
 * The ownership check of hub-local objects (queues, locks, pools): one thread-local read that both
 * finds the current strand and proves the caller runs on the object's hub.
 */
public final class HubLocal {
    private HubLocal() {
    }

    /**
     * The current strand, provided it runs on {@code hub} (its thread or one of its greenlets).
     *
     * @param hub the hub the object belongs to
     * @param what the object, named in the error
     * @return the current strand
     * @throws WrongThreadException if called from another thread
     */
    public static Strand strand(Hub hub, Object what) {
        Strand s = Strand.currentOrNull();
        if (s == null || s.carrier().owner() != hub) {
            hub.checkInHub(what);
            throw new WrongThreadException("gevent4j: " + what + " used outside its hub " + hub);
        }
        return s;
    }
}
