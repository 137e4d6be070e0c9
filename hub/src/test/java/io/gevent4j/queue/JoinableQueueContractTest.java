package io.gevent4j.queue;

import java.util.List;

/** The queue contract run against {@link JoinableQueue}. */
class JoinableQueueContractTest extends AbstractQueueContractTest {
    @Override
    Queue<Integer> bounded() {
        return new JoinableQueue<>(MAXSIZE);
    }

    @Override
    Queue<Integer> unbounded() {
        return new JoinableQueue<>();
    }

    @Override
    List<Integer> expectedOrder(List<Integer> stored) {
        return stored;
    }
}
