package io.gevent4j;

import java.util.concurrent.ExecutionException;

/**
 * Run in a child JVM by {@link ErrorReportingTest}: a greenlet fails, the main thread joins it and
 * exits at once, before the hub turns again. With the argument {@code observe} it also calls get().
 */
final class UnobservedAtExitMain {
    private UnobservedAtExitMain() {
    }

    public static void main(String[] args) throws Exception {
        Greenlet<Void> g = Gevent.spawn(() -> {
            throw new IllegalStateException("failure right before exit");
        });
        g.name("exit-victim");
        g.join();
        if (args.length > 0 && args[0].equals("observe")) {
            try {
                g.get();
            } catch (ExecutionException expected) {
                System.out.println("observed: " + expected.getCause().getMessage());
            }
        }
    }
}
