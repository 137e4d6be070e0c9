package io.gevent4j.queue;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.testsupport.FreshHub;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.gevent4j.testsupport.FreshHub.runUntilWaiting;
import static org.junit.jupiter.api.Assertions.*;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
@ExtendWith(FreshHub.class)
class JoinableQueueTest {

    @Test
    void joinReturnsOnceEveryItemIsMarkedDone() throws Exception {
        JoinableQueue<Integer> q = new JoinableQueue<>();
        List<Integer> handled = new ArrayList<>();
        List<Greenlet<Void>> workers = new ArrayList<>();
        for (int w = 0; w < 3; w++) {
            workers.add(Gevent.spawn(() -> {
                for (int item : q) {
                    Gevent.sleep(0);
                    handled.add(item);
                    q.taskDone();
                }
            }));
        }
        for (int i = 0; i < 20; i++) {
            q.put(i);
        }
        assertTrue(q.unfinishedTasks() > 0);
        q.join();
        assertEquals(0, q.unfinishedTasks());
        assertEquals(20, handled.size(), "join returned before every item was handled");
        q.shutdown();
        Gevent.joinAll(workers);
        assertTrue(workers.stream().allMatch(Greenlet::successful));
    }

    @Test
    void joinWaitsForTaskDoneNotForGet() throws Exception {
        JoinableQueue<String> q = new JoinableQueue<>();
        q.put("job");
        assertEquals("job", q.get());
        assertEquals(1, q.unfinishedTasks(), "taken but not done");
        assertFalse(q.join(Duration.ofMillis(30)));
        Greenlet<Boolean> joiner = Gevent.spawn(() -> q.join(Duration.ofSeconds(10)));
        runUntilWaiting(joiner);
        q.taskDone();
        assertTrue(joiner.get());
    }

    @Test
    void joinOnAQueueWithNothingUnfinishedReturnsAtOnce() throws Exception {
        JoinableQueue<Integer> q = new JoinableQueue<>(2);
        q.join();
        assertTrue(q.join(Duration.ZERO));
    }

    @Test
    void taskDoneMoreTimesThanItemsFails() throws Exception {
        JoinableQueue<Integer> q = new JoinableQueue<>();
        q.put(1);
        q.get();
        q.taskDone();
        IllegalStateException e = assertThrows(IllegalStateException.class, q::taskDone);
        assertTrue(e.getMessage().contains("more times"), e.getMessage());
    }

    @Test
    void itemsHandedStraightToAGetterCountToo() throws Exception {
        JoinableQueue<Integer> q = new JoinableQueue<>();
        Greenlet<Integer> getter = Gevent.spawn(() -> q.get());
        runUntilWaiting(getter);
        q.put(9);
        assertEquals(1, q.unfinishedTasks());
        assertEquals(9, getter.get());
        q.taskDone();
        assertTrue(q.join(Duration.ZERO));
    }

    @Test
    void immediateShutdownCountsDiscardedItemsAsDoneAndWakesJoin() throws Exception {
        JoinableQueue<Integer> q = new JoinableQueue<>();
        for (int i = 0; i < 5; i++) {
            q.put(i);
        }
        Greenlet<Void> joiner = Gevent.spawn(() -> q.join());
        runUntilWaiting(joiner);
        q.shutdown(true);
        joiner.join();
        assertTrue(joiner.successful());
        assertEquals(0, q.unfinishedTasks());
    }
}
