package io.gevent4j.monitor;

import io.gevent4j.Gevent;
import io.gevent4j.Hub;

/** Child JVM for {@link BlockingDetectorTest}: a malformed property fails the first hub only. */
public final class BadPropertyOnceMain {
    private BadPropertyOnceMain() {
    }

    /**
     * @param args unused
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        try {
            Hub.current();
            System.out.println("first: no error");
        } catch (IllegalArgumentException e) {
            System.out.println("first: " + e.getMessage());
        }
        for (int i = 0; i < 3; i++) {
            // a hub on another thread: the property was read once and is not read (nor failed) again
            Thread t = Thread.ofPlatform().start(() -> {
                try {
                    Hub.current();
                    Gevent.sleep(1);
                    Hub.current().close();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (IllegalArgumentException e) {
                    System.out.println("again: " + e.getMessage());
                }
            });
            t.join();
            Hub.current();
            Gevent.sleep(1);
        }
        System.out.println("later: hubs work");
    }
}
