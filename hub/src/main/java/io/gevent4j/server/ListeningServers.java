package io.gevent4j.server;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The servers of this process whose socket is open (started and not yet stopped), for leak checks
 * such as {@code io.gevent4j.testing.GeventLeakCheck}. Kept apart from the servers: a server only adds
 * itself when it binds and removes itself when its socket closes. Any thread.
 */
public final class ListeningServers {
    private static final Set<BaseServer<?>> OPEN = ConcurrentHashMap.newKeySet();

    private ListeningServers() {
    }

    /**
     * The servers whose socket is open now.
     *
     * @return a snapshot
     */
    public static List<BaseServer<?>> snapshot() {
        return List.copyOf(OPEN);
    }

    static void add(BaseServer<?> server) {
        OPEN.add(server);
    }

    static void remove(BaseServer<?> server) {
        OPEN.remove(server);
    }
}
