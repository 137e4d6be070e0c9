package io.gevent4j.monitor;

import io.gevent4j.Gevent;
import io.gevent4j.core.LoopExit;
import io.gevent4j.event.Event;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordingFile;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Child JVM for {@link JfrEventsTest}: greenlets run and a LoopExit happens before any recording
 * exists (as in a program that is recorded later with {@code jcmd JFR.start}); then a recording starts
 * and the same events must be recorded.
 */
public final class JfrLateRecordingMain {
    private JfrLateRecordingMain() {
    }

    /**
     * @param args unused
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        Gevent.spawn(() -> 1).join();
        try {
            new Event().await();
        } catch (LoopExit expected) {
            System.out.println("LoopExit before the recording");
        }
        Path file = Files.createTempFile("late", ".jfr");
        try (Recording recording = new Recording()) {
            recording.enable("io.gevent4j.LoopExit");
            recording.enable("io.gevent4j.GreenletSpawn");
            recording.start();
            Gevent.spawn(() -> 1).name("late-greenlet").join();
            try {
                new Event().await();
            } catch (LoopExit expected) {
                System.out.println("LoopExit during the recording");
            }
            recording.stop();
            recording.dump(file);
        }
        for (var e : RecordingFile.readAllEvents(file)) {
            if (e.getEventType().getName().startsWith("io.gevent4j.")) {
                System.out.println("recorded " + e.getEventType().getName());
            }
        }
        Files.delete(file);
    }
}
