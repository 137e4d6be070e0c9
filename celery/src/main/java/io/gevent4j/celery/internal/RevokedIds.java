package io.gevent4j.celery.internal;

import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The ids a worker was told to revoke, kept as Celery keeps them ({@code worker/state.py}: at most
 * 50,000, for 3 hours). Thread-safe: the pidbox adds, every lane checks.
 */
public final class RevokedIds {
    private final int capacity;
    private final long ttlNanos;
    private final LinkedHashMap<String, Long> revokedAt = new LinkedHashMap<>();

    /**
     * @param capacity the most ids kept (the oldest go first)
     * @param ttl how long an id is kept
     */
    public RevokedIds(int capacity, Duration ttl) {
        this.capacity = capacity;
        this.ttlNanos = ttl.toNanos();
    }

    /** Records a revoked id. */
    public synchronized void add(String id) {
        revokedAt.remove(id);
        revokedAt.put(id, System.nanoTime());
        while (revokedAt.size() > capacity) {
            Iterator<String> oldest = revokedAt.keySet().iterator();
            oldest.next();
            oldest.remove();
        }
    }

    /** Whether {@code id} was revoked (and not forgotten yet). */
    public synchronized boolean contains(String id) {
        Long at = revokedAt.get(id);
        if (at == null) {
            return false;
        }
        if (System.nanoTime() - at > ttlNanos) {
            revokedAt.remove(id);
            return false;
        }
        return true;
    }

    /** How many ids are kept. */
    public synchronized int size() {
        return revokedAt.size();
    }

    /** A copy of the kept ids in revoke order. */
    public synchronized Map<String, Long> snapshot() {
        return new LinkedHashMap<>(revokedAt);
    }
}
