package io.gevent4j;

import io.gevent4j.event.AsyncResult;
import io.gevent4j.event.Event;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.*;

/** link, linkValue, linkException, unlink (gevent's test__greenlet.py TestLink, TestUnlink, TestRaise_link...). */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LinkTest extends HubTestSupport {

    @Test
    void linksRunOnTheHubAfterDeathInTheOrderAdded() throws Exception {
        Thread hubThread = Thread.currentThread();
        List<String> log = new ArrayList<>();
        Greenlet<Integer> g = Gevent.spawn(() -> 25);
        g.link(x -> log.add("link " + x.value() + " dead=" + x.dead() + " onHub=" + (Thread.currentThread() == hubThread)
                + " inGreenlet=" + (Gevent.getCurrent() != null)));
        g.linkValue(x -> log.add("linkValue"));
        g.linkException(x -> log.add("linkException"));
        g.link(x -> log.add("link 2"));
        g.join();
        turn();
        assertEquals(List.of("link 25 dead=true onHub=true inGreenlet=false", "linkValue", "link 2"), log);
    }

    @Test
    void linkExceptionRunsOnlyOnFailureAndLinkValueOnlyOnSuccess() throws Exception {
        List<String> log = new ArrayList<>();
        Greenlet<Void> failing = Gevent.spawn(() -> {
            throw new IllegalStateException("expected");
        });
        failing.linkValue(x -> log.add("value"));
        failing.linkException(x -> log.add("exception " + x.exception().getMessage()));
        failing.link(x -> log.add("any"));
        String err = captureStderr(() -> {
            failing.join();
            turn();
        });
        assertEquals(List.of("exception expected", "any"), log);
        assertEquals("", err, "a failure seen by a link is not printed: " + err);
    }

    @Test
    void aKilledGreenletRunsItsLinksButNotItsExceptionLinks() throws Exception {
        Event never = new Event();
        List<String> log = new ArrayList<>();
        Greenlet<Void> g = Gevent.spawn(() -> {
            never.await();
        });
        g.link(x -> log.add("link killed=" + x.killed()));
        g.linkValue(x -> log.add("linkValue"));
        g.linkException(x -> log.add("linkException"));
        turn();
        g.kill();
        turn();
        assertEquals(List.of("link killed=true", "linkValue"), log);
    }

    @Test
    void aLinkAddedAfterDeathStillRunsOnTheHubNotInline() throws Exception {
        Greenlet<Integer> g = Gevent.spawn(() -> 100);
        g.join();
        List<Integer> got = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            g.link(x -> got.add(x.value()));
            assertEquals(i, got.size(), "the link runs from the hub, not inside link()");
            turn();
            assertEquals(i + 1, got.size());
        }
    }

    @Test
    void linkToAnAsyncResult() throws Exception {
        // gevent's test_link_to_asyncresult
        Greenlet<Integer> p = Gevent.spawn(() -> 100);
        AsyncResult<Integer> result = new AsyncResult<>();
        p.link(x -> result.set(x.value()));
        assertEquals(100, result.get());
    }

    @Test
    void unlinkRemovesTheCallback() throws Exception {
        List<String> log = new ArrayList<>();
        Greenlet<Integer> g = Gevent.spawn(() -> 1);
        Consumer<Greenlet<Integer>> a = x -> log.add("a");
        Consumer<Greenlet<Integer>> b = x -> log.add("b");
        Consumer<Greenlet<Integer>> c = x -> log.add("c");
        g.link(a);
        g.linkValue(b);
        g.linkException(c);
        assertTrue(g.unlink(b));
        assertTrue(g.unlink(c));
        assertFalse(g.unlink(c));
        assertFalse(g.unlink(x -> { }));
        g.join();
        turn();
        assertEquals(List.of("a"), log);
    }

    @Test
    void aLinkUnlinkedByAnEarlierLinkDoesNotRun() throws Exception {
        // gevent's test_multiple_listeners_error_unlink: notification stops for a link removed meanwhile
        List<Integer> results = new ArrayList<>();
        Greenlet<Integer> p = Gevent.spawn(() -> 5);
        List<Consumer<Greenlet<Integer>>> listeners = new ArrayList<>();
        listeners.add(x -> {
            x.unlink(listeners.get(1));
            results.add(5);
            throw new IllegalStateException("listener1");
        });
        listeners.add(x -> {
            x.unlink(listeners.get(0));
            results.add(5);
            throw new IllegalStateException("listener2");
        });
        listeners.add(x -> {
            throw new IllegalStateException("listener3");
        });
        listeners.forEach(p::link);
        String err = captureStderr(() -> {
            p.join();
            turn();
        });
        assertEquals(List.of(5), results);
        assertEquals(1, reports(err, "IllegalStateException: listener1"), err);
        assertEquals(0, reports(err, "IllegalStateException: listener2"), err);
        assertEquals(1, reports(err, "IllegalStateException: listener3"), err);
    }

    @Test
    void aFailingLinkDoesNotStopTheOthersNorTheHub() throws Exception {
        // gevent's test_multiple_listeners_error
        for (boolean fail : new boolean[] {false, true}) {
            List<Integer> results = new ArrayList<>();
            Greenlet<Integer> p = Gevent.spawn(() -> {
                if (fail) {
                    throw new IllegalStateException("the greenlet failed");
                }
                return 5;
            });
            p.link(x -> {
                results.add(10);
                throw new IllegalStateException("listener1");
            });
            p.link(x -> {
                results.add(20);
                throw new IllegalStateException("listener2");
            });
            p.link(x -> {
                throw new IllegalStateException("listener3");
            });
            String err = captureStderr(() -> {
                p.join();
                turn();
            });
            assertEquals(List.of(10, 20), results);
            for (String name : List.of("listener1", "listener2", "listener3")) {
                assertEquals(1, reports(err, "IllegalStateException: " + name), err);
            }
            assertTrue(err.contains("link"), err);
            assertEquals(0, reports(err, "IllegalStateException: the greenlet failed"), "the links observed the failure: " + err);
        }
        assertEquals(7, Gevent.spawn(() -> 7).get(), "the hub still runs");
    }

    @Test
    void rawlinkRunsSynchronouslyAtDeath() throws Exception {
        List<String> log = new ArrayList<>();
        Greenlet<Integer> g = Gevent.spawn(() -> {
            log.add("dying");
            return 1;
        });
        g.rawlink(w -> log.add("rawlink ready=" + w.ready()));
        g.link(x -> log.add("link"));
        g.join();
        assertEquals(List.of("dying", "rawlink ready=true"), log);
        turn();
        assertEquals(List.of("dying", "rawlink ready=true", "link"), log);
    }
}
