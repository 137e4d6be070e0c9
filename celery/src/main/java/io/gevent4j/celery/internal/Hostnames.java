package io.gevent4j.celery.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** This machine's name, as Celery's node names use it. */
public final class Hostnames {
    /** The local host name (the environment's HOSTNAME, else the resolver's, else "localhost"). */
    public static final String LOCAL = local();

    private Hostnames() {
    }

    private static String local() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env.trim();
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
