package io.gevent4j;

import io.gevent4j.event.Event;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;

/** spawn, start, join, joinAll (gevent's test__greenlet.py TestBasic/TestStuff and test__joinall.py). */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SpawnJoinTest extends HubTestSupport {

    @Test
    void spawnedGreenletRunsOnlyWhenTheCallerBlocks() throws Exception {
        List<String> log = new ArrayList<>();
        Greenlet<Void> g = Gevent.spawn(() -> {
            log.add("ran");
        });
        assertTrue(g.started());
        assertFalse(g.ready());
        assertEquals(List.of(), log, "a spawned greenlet must not run before the spawner blocks");
        g.join();
        assertEquals(List.of("ran"), log);
        assertTrue(g.dead());
        assertTrue(g.ready());
        assertTrue(g.successful());
        assertFalse(g.killed());
    }

    @Test
    void greenletsRunInSpawnOrder() throws Exception {
        List<Integer> order = new ArrayList<>();
        List<Greenlet<Void>> all = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            int n = i;
            all.add(Gevent.spawn(() -> {
                order.add(n);
            }));
        }
        Gevent.joinAll(all);
        assertEquals(IntStream.range(0, 50).boxed().toList(), order);
    }

    @Test
    void greenletsSpawnedByAGreenletRunAfterThoseAlreadyReady() throws Exception {
        List<String> order = new ArrayList<>();
        List<Greenlet<?>> children = new ArrayList<>();
        Greenlet<Void> parent = Gevent.spawn(() -> {
            order.add("parent");
            children.add(Gevent.spawn(() -> {
                order.add("child");
            }));
        });
        Greenlet<Void> sibling = Gevent.spawn(() -> {
            order.add("sibling");
        });
        Gevent.joinAll(List.of(parent, sibling));
        Gevent.joinAll(children);
        assertEquals(List.of("parent", "sibling", "child"), order);
    }

    @Test
    void valueNameAndState() throws Exception {
        Greenlet<Integer> g = Gevent.spawn(() -> 42);
        assertTrue(g.name().startsWith("Greenlet-"), g.name());
        assertNull(g.value());
        g.name("answer");
        assertEquals("answer", g.name());
        assertEquals(42, g.get());
        assertEquals(42, g.value());
        assertNull(g.exception());
        assertTrue(g.toString().contains("answer"), g.toString());
        assertTrue(g.toString().contains("finished"), g.toString());
        assertNull(g.thread(), "a dead greenlet lets its thread go");
        Greenlet<String> named = Gevent.spawn(() -> Thread.currentThread().getName());
        named.name("named-before-it-ran");
        assertEquals("named-before-it-ran", named.get(), "the greenlet's thread carries its name for thread dumps");
        Event renamed = new Event();
        Greenlet<String> running = Gevent.spawn(() -> {
            renamed.await();
            return Thread.currentThread().getName();
        });
        Gevent.sleep(0);
        running.name("renamed-while-running");
        renamed.set();
        assertEquals("renamed-while-running", running.get());
    }

    @Test
    void createdGreenletRunsOnlyOnceStarted() throws Exception {
        List<String> log = new ArrayList<>();
        Greenlet<String> g = Greenlet.create(() -> {
            log.add("ran");
            return "done";
        });
        assertFalse(g.started());
        turn();
        assertEquals(List.of(), log);
        assertSame(g, g.start());
        g.start(); // starting twice runs it once
        assertEquals("done", g.get());
        g.start(); // and starting a dead one does nothing
        turn();
        assertEquals(List.of("ran"), log);
    }

    @Test
    void spawnOfATaskThatThrowsACheckedException() throws Exception {
        Greenlet<Void> g = Gevent.spawn(() -> {
            throw new IOException("disk on fire");
        });
        g.join();
        assertFalse(g.successful());
        assertInstanceOf(IOException.class, g.exception());
        assertNull(g.value());
    }

    @Test
    void getCurrentInsideAndOutsideGreenlets() throws Exception {
        assertNull(Gevent.getCurrent());
        List<Greenlet<?>> seen = new ArrayList<>();
        Greenlet<Void> g = Gevent.spawn(() -> {
            seen.add(Gevent.getCurrent());
        });
        g.join();
        assertEquals(List.of(g), seen);
        assertSame(Hub.current(), g.hub());
    }

    @Test
    void joinWithTimeoutReturnsFalseWhileRunning() throws Exception {
        Event go = new Event();
        Greenlet<String> g = Gevent.spawn(() -> {
            go.await();
            return "done";
        });
        assertFalse(g.join(Duration.ofMillis(20)));
        assertFalse(g.ready());
        go.set();
        assertTrue(g.join(Duration.ofSeconds(10)));
        assertEquals("done", g.value());
    }

    @Test
    void joinOfADeadGreenletReturnsAtOnce() throws Exception {
        Greenlet<Integer> g = Gevent.spawn(() -> 1);
        g.join();
        assertTrue(g.join(Duration.ZERO));
        g.join();
    }

    @Test
    void aGreenletCannotJoinItself() throws Exception {
        Greenlet<?>[] self = new Greenlet<?>[1];
        Greenlet<Void> g = Gevent.spawn(() -> {
            self[0].join();
        });
        self[0] = g;
        g.join();
        assertInstanceOf(IllegalStateException.class, g.exception());
        assertTrue(g.exception().getMessage().contains("cannot join itself"), g.exception().getMessage());
    }

    @Test
    void joinAllReturnsThemInTheOrderTheyFinished() throws Exception {
        Event first = new Event();
        Event second = new Event();
        Greenlet<String> a = Gevent.spawn(() -> {
            second.await();
            return "a";
        });
        Greenlet<String> b = Gevent.spawn(() -> {
            first.await();
            second.set();
            return "b";
        });
        Greenlet<String> c = Gevent.spawn(() -> {
            first.set();
            return "c";
        });
        List<Greenlet<String>> done = Gevent.joinAll(List.of(a, b, c));
        assertEquals(List.of(c, b, a), done);
    }

    @Test
    void joinAllWithATimeoutReturnsTheFinishedSubset() throws Exception {
        Event never = new Event();
        Greenlet<Integer> quick = Gevent.spawn(() -> 1);
        Greenlet<Integer> slow = Gevent.spawn(() -> {
            never.await();
            return 2;
        });
        Greenlet<Integer> alsoQuick = Gevent.spawn(() -> 3);
        List<Greenlet<Integer>> done = Gevent.joinAll(List.of(quick, slow, alsoQuick), Duration.ofMillis(50));
        assertEquals(List.of(quick, alsoQuick), done);
        assertFalse(slow.ready());
        slow.kill();
        assertTrue(slow.dead());
    }

    @Test
    void joinAllWithZeroTimeoutDoesNotWait() throws Exception {
        Event never = new Event();
        Greenlet<Void> g = Gevent.spawn(() -> {
            never.await();
        });
        assertEquals(List.of(), Gevent.joinAll(List.of(g), Duration.ZERO));
        g.kill();
    }

    @Test
    void joinAllAcceptsTheSameGreenletTwice() throws Exception {
        // gevent's test__joinall.py
        Greenlet<Integer> a = Gevent.spawn(() -> 1);
        Greenlet<Integer> b = Gevent.spawn(() -> 2);
        Gevent.joinAll(List.of(a, b, a));
        assertTrue(a.dead());
        assertTrue(b.dead());
    }

    @Test
    void joinAllOfNothingAndOfDeadGreenlets() throws Exception {
        assertEquals(List.of(), Gevent.joinAll(List.<Greenlet<?>>of()));
        Greenlet<Integer> a = Gevent.spawn(() -> 1);
        a.join();
        assertEquals(List.of(a), Gevent.joinAll(List.of(a)));
    }

    @Test
    void joinAllWithoutErrorsGivesEveryValue() throws Exception {
        Greenlet<Integer> x = Gevent.spawn(() -> 1);
        Greenlet<Integer> y = Gevent.spawn(() -> 2);
        Greenlet<Integer> z = Gevent.spawn(() -> 3);
        Gevent.joinAll(List.of(x, y, z), null, true, 3);
        assertEquals(List.of(1, 2, 3), List.of(x.value(), y.value(), z.value()));
    }

    @Test
    void joinAllRaiseErrorRaisesTheFirstFailure() throws Exception {
        // gevent's test_joinall_exception_order: the earliest failure is raised
        Event later = new Event();
        Greenlet<Void> late = Gevent.spawn(() -> {
            later.await();
            throw new IllegalStateException("first spawned, fails second");
        });
        Greenlet<Void> early = Gevent.spawn(() -> {
            throw new IllegalArgumentException("second spawned, fails first");
        });
        IllegalArgumentException raised = assertThrows(IllegalArgumentException.class,
                () -> Gevent.joinAll(List.of(late, early), null, true, 2));
        assertSame(early.exception(), raised);
        assertFalse(late.ready(), "joinAll(raiseError) returns at the first failure");
        // a failure already there is raised at once
        assertThrows(IllegalArgumentException.class, () -> Gevent.joinAll(List.of(early), null, true, 1));
        later.set();
        assertThrows(IllegalStateException.class, () -> Gevent.joinAll(List.of(late), null, true, 1));
    }

    @Test
    void joinAllRaiseErrorWrapsACheckedFailure() throws Exception {
        Greenlet<Void> g = Gevent.spawn(() -> {
            throw new IOException("checked");
        });
        CompletionException raised = assertThrows(CompletionException.class,
                () -> Gevent.joinAll(List.of(g), null, true, 1));
        assertInstanceOf(IOException.class, raised.getCause());
    }

    @Test
    void joinAllCountReturnsOnceThatManyFinished() throws Exception {
        // gevent's test_joinall_count_raise_error
        Event never = new Event();
        Greenlet<Void> sleeper = Gevent.spawn(() -> {
            never.await();
        });
        Greenlet<Void> raiser = Gevent.spawn(() -> {
            throw new IllegalStateException("count");
        });
        String err = captureStderr(() -> {
            assertEquals(List.of(raiser), Gevent.joinAll(List.of(sleeper, raiser), null, false, 1));
            assertTrue(raiser.ready());
            assertFalse(sleeper.ready());
            sleeper.kill();
            assertTrue(sleeper.ready());
            turn();
        });
        assertEquals(1, reports(err, "IllegalStateException: count"), "a plain joinAll does not observe failures: " + err);
    }

    @Test
    void waitWithCountReturnsTheFirstOnesToFinish() throws Exception {
        Event go = new Event();
        Event never = new Event();
        Greenlet<String> a = Gevent.spawn(() -> {
            go.await();
            return "a";
        });
        Greenlet<String> b = Gevent.spawn(() -> "b");
        Greenlet<String> c = Gevent.spawn(() -> {
            never.await();
            return "c";
        });
        Greenlet<Void> setter = Gevent.spawn(() -> {
            go.set();
        });
        List<Greenlet<String>> ready = Gevent.wait(List.of(a, b, c), null, 2);
        assertEquals(List.of(b, a), ready);
        assertFalse(c.ready());
        setter.join();
        c.kill();
    }

    @Test
    void waitLeavesNoCallbackOnTheObjectsItDidNotWaitFor() throws Exception {
        Event set = new Event();
        Event unset = new Event();
        set.set();
        assertEquals(List.of(set), Gevent.wait(List.of(set, unset), null, 1));
        assertTrue(unset.toString().contains("0 waiting"), unset.toString());
        assertEquals(List.of(), Gevent.wait(List.of(unset), Duration.ZERO, 1));
        assertTrue(unset.toString().contains("0 waiting"), unset.toString());
    }

    @Test
    void waitWithATimeoutReturnsWhatIsReady() throws Exception {
        Event set = new Event();
        Event unset = new Event();
        set.set();
        assertEquals(List.of(set), Gevent.wait(List.of(set, unset), Duration.ofMillis(20), 2));
    }

    @Test
    void iwaitYieldsInCompletionOrder() throws Exception {
        Event e1 = new Event();
        Event e2 = new Event();
        Event e3 = new Event();
        Greenlet<Void> setter = Gevent.spawn(() -> {
            e3.set();
            Gevent.sleep(0);
            e1.set();
            Gevent.sleep(0);
            e2.set();
        });
        List<Event> order = new ArrayList<>();
        for (Event e : Gevent.iwait(List.of(e1, e2, e3), null)) {
            order.add(e);
        }
        assertEquals(List.of(e3, e1, e2), order);
        setter.join();
    }

    @Test
    void iwaitOfGreenletsInCompletionOrder() throws Exception {
        Event middleDone = new Event();
        Greenlet<Integer> slow = Gevent.spawn(() -> {
            middleDone.await();
            Gevent.sleep(5);
            return 3;
        });
        Greenlet<Integer> middle = Gevent.spawn(() -> {
            Gevent.sleep(0);
            Gevent.sleep(0);
            middleDone.set();
            return 2;
        });
        Greenlet<Integer> fast = Gevent.spawn(() -> 1);
        List<Integer> values = new ArrayList<>();
        for (Greenlet<Integer> g : Gevent.iwait(List.of(slow, middle, fast), null)) {
            values.add(g.value());
        }
        assertEquals(List.of(1, 2, 3), values);
    }

    @Test
    void iwaitStopsAtItsTimeout() throws Exception {
        Event set = new Event();
        Event never = new Event();
        Greenlet<Void> setter = Gevent.spawn(() -> {
            set.set();
        });
        List<Event> got = new ArrayList<>();
        for (Event e : Gevent.iwait(List.of(never, set), Duration.ofMillis(30))) {
            got.add(e);
        }
        assertEquals(List.of(set), got);
        setter.join();
    }

    @Test
    void threadLocalsArePerGreenlet() throws Exception {
        ThreadLocal<String> local = new ThreadLocal<>();
        local.set("root");
        List<String> seen = new ArrayList<>();
        List<Greenlet<Void>> all = new ArrayList<>();
        for (String name : List.of("a", "b")) {
            all.add(Gevent.spawn(() -> {
                seen.add(name + " starts with " + local.get());
                local.set(name);
                Gevent.sleep(0);
                seen.add(name + " still has " + local.get());
            }));
        }
        Gevent.joinAll(all);
        assertEquals(List.of("a starts with null", "b starts with null", "a still has a", "b still has b"), seen);
        assertEquals("root", local.get());
    }

    @Test
    void inheritableThreadLocalsAreCopiedFromTheSpawner() throws Exception {
        InheritableThreadLocal<String> context = new InheritableThreadLocal<>();
        context.set("request-42");
        Greenlet<String> child = Gevent.spawn(() -> {
            String seen = context.get();
            context.set("changed by the child");
            return seen;
        });
        assertEquals("request-42", child.get());
        assertEquals("request-42", context.get(), "the child's change stays in the child");
    }

    @Test
    void aGreenletSpawnedByAGreenletInheritsFromThatGreenlet() throws Exception {
        // the greenlet's thread may be made later on the hub's thread (see Greenlet.start): it must still
        // inherit what its spawner would have given it, never the hub thread's values
        InheritableThreadLocal<String> context = new InheritableThreadLocal<>();
        ClassLoader loader = new ClassLoader(Thread.currentThread().getContextClassLoader()) {
        };
        Greenlet<List<Object>> parent = Gevent.spawn(() -> {
            context.set("set in the parent");
            Thread.currentThread().setContextClassLoader(loader);
            return Gevent.spawn(() -> List.<Object>of(String.valueOf(context.get()),
                    Thread.currentThread().getContextClassLoader())).get();
        });
        assertEquals(List.of("set in the parent", loader), parent.get());
        assertNull(context.get(), "the hub's own thread never saw the parent's value");
    }

    @Test
    void aGreenletSpawnedWithAnotherContextClassLoaderGetsIt() throws Exception {
        ClassLoader original = Thread.currentThread().getContextClassLoader();
        ClassLoader loader = new ClassLoader(original) {
        };
        Greenlet<ClassLoader> child;
        Thread.currentThread().setContextClassLoader(loader);
        try {
            child = Gevent.spawn(() -> Thread.currentThread().getContextClassLoader());
        } finally {
            Thread.currentThread().setContextClassLoader(original);
        }
        assertSame(loader, child.get());
    }

    @Test
    void aNameGivenBeforeStartIsTheThreadsName() throws Exception {
        Greenlet<String> g = Greenlet.create(() -> Thread.currentThread().getName()).name("named-early");
        g.start();
        assertEquals("named-early", g.get());
    }
}
