package io.gevent4j.monkey;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.internal.loop.FdPoller;
import io.gevent4j.internal.loop.Loop;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * The child program of {@link SelectorPatchIT}: {@code Selector.select} in greenlets, run under the
 * agent with and without {@code noselector}. Each scenario prints one {@code RESULT <name> key=value ...}
 * line (or {@code FAIL <name> ...}). Main runs as the root greenlet (the agent's main patch), so main's
 * own waits let the other greenlets run. In every scenario a ticker greenlet counts the turns the hub
 * made while a greenlet was selecting: a select that blocked the hub's thread would leave it at 0.
 */
public final class SelectorScenarios {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final Duration LIMIT = Duration.ofSeconds(30);

    private SelectorScenarios() {
    }


    /**
     * Runs the scenarios named in {@code args} (all when none is given).
     *
     * @param args scenario names
     * @throws Exception never on purpose: each scenario reports its own failure
     */
    public static void main(String[] args) throws Exception {
        Map<String, ChildScenarios.Scenario> scenarios = new LinkedHashMap<>();
        scenarios.put("ready", SelectorScenarios::wakesOnReadiness);
        scenarios.put("wakeupGreenlet", SelectorScenarios::wakeupFromAGreenlet);
        scenarios.put("wakeupThread", SelectorScenarios::wakeupFromAThread);
        scenarios.put("timeout", SelectorScenarios::timesOut);
        scenarios.put("close", SelectorScenarios::closeWhileSelecting);
        scenarios.put("interrupt", SelectorScenarios::interruptWhileSelecting);
        scenarios.put("many", SelectorScenarios::manySelectorsOnOneHub);
        ChildScenarios.run("selector", args, scenarios);
    }

    private static int hubWaiting() {
        FdPoller p = Loop.current().pollerOrNull();
        return p == null ? 0 : p.waiting();
    }

    /** Lets the other greenlets run until {@code condition} holds (bounded by {@link #LIMIT}). */
    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("gave up waiting until " + what);
            }
            Gevent.sleep(1);
        }
    }

    /** Counts hub turns (1 ms sleeps) until killed. */
    private static Greenlet<Void> ticker(AtomicInteger ticks) {
        return Gevent.spawn(() -> {
            while (true) {
                Gevent.sleep(1);
                ticks.incrementAndGet();
            }
        });
    }

    /** A connected pair of channels: [client, accepted]; the accepted one non-blocking. */
    private static SocketChannel[] pair() throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress(LOOPBACK, 0))) {
            SocketChannel client = SocketChannel.open(server.getLocalAddress());
            SocketChannel accepted = server.accept();
            accepted.configureBlocking(false);
            return new SocketChannel[] {client, accepted};
        }
    }

    /** A greenlet selects on a channel with no data; the hub runs on; data arrives; select returns it. */
    private static String wakesOnReadiness() throws Exception {
        SocketChannel[] p = pair();
        AtomicInteger ticks = new AtomicInteger();
        try (SocketChannel client = p[0]; SocketChannel accepted = p[1]; Selector selector = Selector.open()) {
            SelectionKey key = accepted.register(selector, SelectionKey.OP_READ);
            Greenlet<Void> ticking = ticker(ticks);
            Greenlet<Integer> selecting = Gevent.spawn(() -> selector.select(LIMIT.toMillis()));
            await(() -> ticks.get() >= 5 && (hubWaiting() > 0 || !Monkey.isPatched("selector")), "the hub ticks while a greenlet selects");
            String where = "hubWaiting=" + hubWaiting();
            int ticksWhileSelecting = ticks.get();
            client.write(ByteBuffer.wrap(new byte[] {1}));
            int selected = selecting.get(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
            boolean readable = selector.selectedKeys().contains(key) && key.isReadable();
            ticking.kill();
            return where + " ticks=" + ticksWhileSelecting + " selected=" + selected + " readable=" + readable
                    + " hubWaitingAfter=" + hubWaiting();
        }
    }

    /** {@code wakeup()} from another greenlet of the same hub. */
    private static String wakeupFromAGreenlet() throws Exception {
        AtomicInteger ticks = new AtomicInteger();
        try (Selector selector = Selector.open()) {
            Greenlet<Void> ticking = ticker(ticks);
            long start = System.nanoTime();
            Greenlet<Integer> selecting = Gevent.spawn(() -> selector.select());
            Greenlet<Void> waking = Gevent.spawn(() -> {
                await(() -> ticks.get() >= 5, "the hub ticks");
                selector.wakeup();
            });
            int selected = selecting.get(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
            long ms = (System.nanoTime() - start) / 1_000_000;
            waking.join(LIMIT);
            ticking.kill();
            return "selected=" + selected + " ticks=" + ticks.get() + " ms=" + ms + " hubWaitingAfter=" + hubWaiting();
        }
    }

    /** {@code wakeup()} from a platform thread, after the greenlet is selecting (with no timeout). */
    private static String wakeupFromAThread() throws Exception {
        AtomicInteger ticks = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        try (Selector selector = Selector.open()) {
            Thread waker = Thread.ofPlatform().start(() -> {
                try {
                    if (go.await(LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
                        selector.wakeup();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            Greenlet<Void> ticking = ticker(ticks);
            Greenlet<Integer> selecting = Gevent.spawn(() -> selector.select());
            await(() -> ticks.get() >= 5, "the hub ticks while a greenlet selects");
            go.countDown();
            int selected = selecting.get(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
            waker.join(LIMIT);
            ticking.kill();
            return "selected=" + selected + " ticks=" + ticks.get() + " hubWaitingAfter=" + hubWaiting();
        }
    }

    /** {@code select(300)} with nothing ready returns 0 after about 300 ms; the hub runs meanwhile. */
    private static String timesOut() throws Exception {
        AtomicInteger ticks = new AtomicInteger();
        try (Selector selector = Selector.open()) {
            Greenlet<Void> ticking = ticker(ticks);
            long start = System.nanoTime();
            int selected = Gevent.spawn(() -> selector.select(300)).get(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
            long ms = (System.nanoTime() - start) / 1_000_000;
            ticking.kill();
            return "selected=" + selected + " ms=" + ms + " ticks=" + ticks.get() + " hubWaitingAfter=" + hubWaiting();
        }
    }

    /** Another greenlet closes the selector while one selects: the select returns, the selector is closed. */
    private static String closeWhileSelecting() throws Exception {
        AtomicInteger ticks = new AtomicInteger();
        Selector selector = Selector.open();
        Greenlet<Void> ticking = ticker(ticks);
        Greenlet<Integer> selecting = Gevent.spawn(() -> selector.select());
        await(() -> ticks.get() >= 5, "the hub ticks while a greenlet selects");
        Gevent.spawn(() -> selector.close()).get(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        selecting.join(LIMIT);
        ticking.kill();
        return "dead=" + selecting.dead() + " value=" + selecting.value() + " exception=" + selecting.exception()
                + " open=" + selector.isOpen() + " hubWaitingAfter=" + hubWaiting();
    }

    /** An interrupt ends a select (as {@code wakeup()} would) and leaves the interrupt status set. */
    private static String interruptWhileSelecting() throws Exception {
        AtomicInteger ticks = new AtomicInteger();
        try (Selector selector = Selector.open()) {
            Greenlet<Void> ticking = ticker(ticks);
            Thread[] selectingThread = new Thread[1];
            Greenlet<String> selecting = Gevent.spawn(() -> {
                selectingThread[0] = Thread.currentThread();
                int n = selector.select();
                return n + "/" + Thread.currentThread().isInterrupted();
            });
            await(() -> ticks.get() >= 5, "the hub ticks while a greenlet selects");
            selectingThread[0].interrupt();
            String outcome = selecting.get(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
            ticking.kill();
            return "outcome=" + outcome + " open=" + selector.isOpen() + " hubWaitingAfter=" + hubWaiting();
        }
    }

    /** 50 greenlets each select on their own selector; each is woken by its own channel's data. */
    private static String manySelectorsOnOneHub() throws Exception {
        int n = 50;
        SocketChannel[][] pairs = new SocketChannel[n][];
        Selector[] selectors = new Selector[n];
        try {
            for (int i = 0; i < n; i++) {
                pairs[i] = pair();
                selectors[i] = Selector.open();
                pairs[i][1].register(selectors[i], SelectionKey.OP_READ);
            }
            AtomicInteger woken = new AtomicInteger();
            List<Greenlet<Void>> selecting = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) {
                Selector s = selectors[i];
                selecting.add(Gevent.spawn(() -> {
                    if (s.select(LIMIT.toMillis()) == 1) {
                        woken.incrementAndGet();
                    }
                }));
            }
            Gevent.sleep(0);
            for (int i = 0; i < n; i++) {
                pairs[i][0].write(ByteBuffer.wrap(new byte[] {(byte) i}));
            }
            Gevent.joinAll(selecting, LIMIT);
            return "woken=" + woken.get() + " hubWaitingAfter=" + hubWaiting();
        } finally {
            for (int i = 0; i < n; i++) {
                if (selectors[i] != null) {
                    selectors[i].close();
                }
                if (pairs[i] != null) {
                    pairs[i][0].close();
                    pairs[i][1].close();
                }
            }
        }
    }
}
