package io.gevent4j.queue;

import java.util.List;

/** The queue contract run against {@link Channel}. */
class ChannelContractTest extends AbstractQueueContractTest {
    @Override
    Queue<Integer> bounded() {
        return new Channel<>();
    }

    @Override
    Queue<Integer> unbounded() {
        return new Channel<>();
    }

    @Override
    List<Integer> expectedOrder(List<Integer> stored) {
        return stored;
    }

    @Override
    int room() {
        return 0;
    }
}
