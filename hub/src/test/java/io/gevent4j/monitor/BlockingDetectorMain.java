package io.gevent4j.monitor;

import io.gevent4j.Gevent;

/** Child JVM for {@link BlockingDetectorTest}: one greenlet hogs the hub for 400 ms with a busy loop. */
public final class BlockingDetectorMain {
    private BlockingDetectorMain() {
    }

    /**
     * @param args unused
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        Gevent.spawn(() -> Gevent.sleep(10)).name("victim");
        Gevent.spawn(BlockingDetectorMain::hogTheHub).name("hog").join();
        System.out.println("episodes=" + (BlockingDetector.current() == null ? "off" : BlockingDetector.current().episodes()));
    }

    static void hogTheHub() {
        long end = System.nanoTime() + 400_000_000L;
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }
}
