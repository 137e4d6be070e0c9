package io.gevent4j.monkey.programs;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;

import java.util.List;

/**
 * A greenlet that computes for 600 ms without yielding, so that its hub does not turn meanwhile, and
 * another that would like to run. Prints {@code done=true}. Under the agent option
 * {@code maxblockingtime=100ms} the blocking detector reports the hog on stderr.
 */
public final class HogTheHub {
    private HogTheHub() {
    }

    /**
     * Runs the program.
     *
     * @param args none
     * @throws Exception if a greenlet fails
     */
    public static void main(String[] args) throws Exception {
        Greenlet<Long> hog = Gevent.spawn(HogTheHub::spin);
        Greenlet<Void> other = Gevent.spawn(() -> Thread.sleep(10));
        Gevent.joinAll(List.of(hog, other), null, true, 2);
        System.out.println("done=true");
    }

    private static long spin() {
        long end = System.nanoTime() + 600_000_000L;
        long n = 0;
        while (System.nanoTime() < end) {
            n++;
        }
        return n;
    }
}
