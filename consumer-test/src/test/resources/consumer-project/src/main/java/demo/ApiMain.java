package demo;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;

import java.util.ArrayList;
import java.util.List;

/** API mode: spawn greenlets and join them. */
public class ApiMain {
    public static void main(String[] args) throws Exception {
        long start = System.nanoTime();
        List<Greenlet<Integer>> greenlets = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            int n = i;
            greenlets.add(Gevent.spawn(() -> {
                Gevent.sleep(300);
                return n;
            }));
        }
        Gevent.joinAll(greenlets);
        int sum = greenlets.stream().mapToInt(Greenlet::value).sum();
        System.out.println("api mode: sum " + sum + " in " + (System.nanoTime() - start) / 1_000_000 + " ms");
    }
}
