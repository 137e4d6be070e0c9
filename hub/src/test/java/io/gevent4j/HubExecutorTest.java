package io.gevent4j;

import java.util.Set;
import java.util.concurrent.ExecutorService;

/** The executor contract for {@link Hub#executor()}: every task on the one hub. */
class HubExecutorTest extends AbstractGreenletExecutorContractTest {
    @Override
    HubGroup newGroup() {
        return HubGroup.of(1);
    }

    @Override
    ExecutorService newExecutor(HubGroup group) {
        return group.hubs().get(0).executor();
    }

    @Override
    Set<Hub> expectedHubs(HubGroup group) {
        return Set.of(group.hubs().get(0));
    }
}
