package io.gevent4j.monitor;

import io.gevent4j.Gevent;
import io.gevent4j.Hub;
import io.gevent4j.event.Event;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * Child JVM for {@link RunInfoDumpTest}: two named greenlets wait, the main thread runs its hub, prints
 * "ready pid=N" and stops when a line arrives on stdin.
 */
public final class RunInfoDumpMain {
    private RunInfoDumpMain() {
    }

    /**
     * @param args unused
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        Hub hub = Hub.current();
        Event never = new Event();
        Gevent.spawn(() -> Gevent.sleep(600_000)).name("dump-sleeper");
        Gevent.spawn(() -> {
            never.await();
            return null;
        }).name("dump-waiter");
        Gevent.sleep(0); // let both start and park
        Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                in.readLine();
            } catch (java.io.IOException e) {
                e.printStackTrace();
            }
            hub.stop();
        });
        System.out.println("ready pid=" + ProcessHandle.current().pid());
        System.out.flush();
        hub.run();
        System.out.println("stopped");
        System.exit(0);
    }
}
