package io.gevent4j.queue;

import java.util.List;

/** The queue contract run against {@link PriorityQueue}. */
class PriorityQueueContractTest extends AbstractQueueContractTest {
    @Override
    Queue<Integer> bounded() {
        return new PriorityQueue<>(MAXSIZE, null);
    }

    @Override
    Queue<Integer> unbounded() {
        return new PriorityQueue<>();
    }

    @Override
    List<Integer> expectedOrder(List<Integer> stored) {
        return stored.stream().sorted().toList();
    }
}
