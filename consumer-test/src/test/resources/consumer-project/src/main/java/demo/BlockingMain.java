package demo;

import java.util.ArrayList;
import java.util.List;

/** Agent mode: plain blocking Java, no gevent4j import; run with -javaagent:gevent4j-agent.jar=threads. */
public class BlockingMain {
    public static void main(String[] args) throws Exception {
        long start = System.nanoTime();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            Thread t = new Thread(() -> {
                try {
                    Thread.sleep(300);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join();
        }
        System.out.println("agent mode: 100 threads slept 300 ms in "
                + (System.nanoTime() - start) / 1_000_000 + " ms on " + Thread.currentThread());
    }
}
