package io.gevent4j.queue;

import java.util.List;

/** The queue contract run against {@link Queue}. */
class QueueContractTest extends AbstractQueueContractTest {
    @Override
    Queue<Integer> bounded() {
        return new Queue<>(MAXSIZE);
    }

    @Override
    Queue<Integer> unbounded() {
        return new Queue<>();
    }

    @Override
    List<Integer> expectedOrder(List<Integer> stored) {
        return stored;
    }
}
