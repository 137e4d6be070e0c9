package io.gevent4j.celery;

/**
 * SIGTERM and SIGINT (Ctrl-C) as Celery treats them: a warm shutdown, then exit 0. A JVM shutdown
 * hook would be too late (the JVM is already exiting with 143), so the signals are handled directly
 * with {@code sun.misc.Signal} from {@code jdk.unsupported}; a second signal exits at once.
 */
final class Signals {
    private static volatile boolean requested;

    private Signals() {
    }

    @SuppressWarnings("removal")
    static void onTerminate(Runnable warmShutdown) {
        for (String name : new String[] {"TERM", "INT"}) {
            sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> {
                if (requested) {
                    System.err.println("second SIG" + signal.getName() + ": cold shutdown, exiting now");
                    Runtime.getRuntime().halt(1);
                }
                requested = true;
                System.err.println("SIG" + signal.getName() + " received: warm shutdown (stop consuming, finish running tasks, "
                        + "restore the rest); send it again to exit at once");
                warmShutdown.run();
            });
        }
    }
}
