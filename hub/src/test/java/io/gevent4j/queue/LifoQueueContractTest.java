package io.gevent4j.queue;

import java.util.List;

/** The queue contract run against {@link LifoQueue}. */
class LifoQueueContractTest extends AbstractQueueContractTest {
    @Override
    Queue<Integer> bounded() {
        return new LifoQueue<>(MAXSIZE);
    }

    @Override
    Queue<Integer> unbounded() {
        return new LifoQueue<>();
    }

    @Override
    List<Integer> expectedOrder(List<Integer> stored) {
        return stored.reversed();
    }
}
