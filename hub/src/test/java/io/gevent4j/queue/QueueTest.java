package io.gevent4j.queue;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.core.LoopExit;
import io.gevent4j.testsupport.FreshHub;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
@ExtendWith(FreshHub.class)
class QueueTest {

    @Test
    void maxsizeZeroOrLessMeansUnboundedAsInPython() throws Exception {
        assertEquals(Integer.MAX_VALUE, new Queue<Integer>().maxsize());
        assertEquals(Integer.MAX_VALUE, new Queue<Integer>(0).maxsize());
        assertEquals(Integer.MAX_VALUE, new Queue<Integer>(-1).maxsize());
        Queue<Integer> q = new Queue<>(0);
        for (int i = 0; i < 10_000; i++) {
            q.putNowait(i);
        }
        assertEquals(10_000, q.qsize());
        assertFalse(q.full());
        assertEquals(0, q.getNowait());
    }

    @Test
    void lifoQueueReturnsTheNewestItemFirst() throws Exception {
        LifoQueue<String> q = new LifoQueue<>();
        q.put("a");
        q.put("b");
        q.put("c");
        assertEquals("c", q.peek());
        assertEquals(List.of("c", "b", "a"), List.of(q.get(), q.get(), q.get()));
    }

    @Test
    void priorityQueueReturnsTheSmallestFirst() throws Exception {
        PriorityQueue<String> byLength = new PriorityQueue<>(Comparator.comparingInt(String::length));
        for (String s : List.of("ccc", "a", "dddd", "bb")) {
            byLength.put(s);
        }
        List<String> out = new ArrayList<>();
        while (!byLength.empty()) {
            out.add(byLength.get());
        }
        assertEquals(List.of("a", "bb", "ccc", "dddd"), out);

        PriorityQueue<Integer> natural = new PriorityQueue<>();
        natural.put(3);
        natural.put(1);
        natural.put(2);
        assertEquals(1, natural.peekNowait());
        assertEquals(1, natural.get());
    }

    @Test
    void priorityQueueWithoutAComparatorRejectsItemsItCannotOrder() {
        PriorityQueue<Object> q = new PriorityQueue<>();
        ClassCastException e = assertThrows(ClassCastException.class, () -> q.put(new Object()));
        assertTrue(e.getMessage().contains("Comparator"), e.getMessage());
    }

    @Test
    void aBoundedPriorityQueueLetsTheWaitingPutterInOnAGet() throws Exception {
        PriorityQueue<Integer> q = new PriorityQueue<>(2, null);
        q.put(5);
        q.put(9);
        Greenlet<Void> putter = Gevent.spawn(() -> q.put(1));
        FreshHub.runUntilWaiting(putter);
        assertEquals(5, q.get());
        putter.join();
        assertEquals(1, q.get(), "the waiting putter's item entered the queue in priority order");
        assertEquals(9, q.get());
    }

    @Test
    void waitingForAQueueNothingCanFillRaisesLoopExitNamingTheQueue() throws Exception {
        Queue<Integer> q = new Queue<>();
        assertThrows(LoopExit.class, q::get);
        Greenlet<Integer> getter = Gevent.spawn(() -> q.get());
        LoopExit e = assertThrows(LoopExit.class, getter::join);
        assertTrue(e.getMessage().contains("waits on Queue[0 items, 1 getter(s) waiting]"),
                "the message names what the greenlet waits on: " + e.getMessage());
        getter.kill();
    }

    @Test
    void toStringDescribesTheState() throws Exception {
        Queue<Integer> q = new Queue<>(4);
        q.put(1);
        assertEquals("Queue[1 of 4 items]", q.toString());
        Channel<Integer> ch = new Channel<>();
        assertEquals("Channel[nobody waiting]", ch.toString());
        Greenlet<Integer> getter = Gevent.spawn(() -> ch.get());
        FreshHub.runUntilWaiting(getter);
        assertEquals("Channel[1 getter(s) waiting]", ch.toString());
        ch.shutdown();
        getter.join();
        assertEquals("Channel[nobody waiting, shut down]", ch.toString());
    }
}
