package io.gevent4j.monkey.internal;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.Hub;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.channels.Selector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Checks at install that each patch took: it runs the patched calls in greenlets on a hub of its own
 * thread and checks that they went the cooperative way (BlockHound's {@code testInstrumentation}).
 * Each check either passes or gives the reason, which becomes part of the one-sentence start-up
 * failure.
 */
final class SelfTest {
    private static final Duration LIMIT = Duration.ofSeconds(30);

    private final CooperativeHooks hooks;
    private final Options options;
    /** The patched launch: main is run as the root greenlet by the launcher, not by advice on main. */
    private final boolean aheadOfTime;

    SelfTest(CooperativeHooks hooks, Options options, boolean aheadOfTime) {
        this.hooks = hooks;
        this.options = options;
        this.aheadOfTime = aheadOfTime;
    }

    /**
     * Runs the checks of every installed patch on a new platform thread.
     *
     * @return patch to failure reason, in install order; empty if every patch took
     */
    Map<Patch, String> run() {
        Map<Patch, String> failures = new LinkedHashMap<>();
        AtomicReference<Throwable> crash = new AtomicReference<>();
        Thread thread = Thread.ofPlatform().daemon(true).name("gevent4j-agent-selftest").unstarted(() -> {
            try {
                runAll(failures);
            } catch (Throwable t) {
                crash.set(t);
            }
        });
        thread.start();
        try {
            if (!thread.join(LIMIT)) {
                synchronized (failures) {
                    for (Patch patch : options.installed()) {
                        failures.putIfAbsent(patch, "its self-test did not finish within " + LIMIT.toSeconds() + " s");
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failures.put(options.installed().getFirst(), "the self-test was interrupted");
        }
        if (crash.get() != null) {
            failures.putIfAbsent(options.installed().getFirst(), "the self-test crashed with " + crash.get());
        }
        synchronized (failures) {
            return new LinkedHashMap<>(failures);
        }
    }

    private void runAll(Map<Patch, String> failures) throws Exception {
        Hub hub = Hub.current();
        try {
            for (Patch patch : options.installed()) {
                String failure;
                if (options.forceFail().contains(patch.name())) {
                    failure = "its self-test was made to fail on purpose (agent option forcefail=" + patch.name() + ")";
                } else {
                    try {
                        failure = patch.selfTest().run(this);
                    } catch (Exception | Error e) {
                        failure = "its self-test failed with " + e;
                    }
                }
                if (failure != null) {
                    synchronized (failures) {
                        failures.put(patch, failure);
                    }
                }
            }
        } finally {
            hub.close();
        }
    }

    String checkSleep() throws Exception {
        // A greenlet pinned in a sleep relies on the advice on parkOnCarrierThread (else its hub would hang).
        try {
            Class.forName("java.lang.VirtualThread", false, null)
                    .getDeclaredMethod("parkOnCarrierThread", boolean.class, long.class);
        } catch (NoSuchMethodException e) {
            return "this JDK has no method " + e.getMessage() + ", which the patch relies on";
        }
        long[] seen = new long[4];
        long start = Patches.SLEEP.counter().sum();
        Gevent.run(() -> {
            Thread.sleep(1);
            seen[0] = Patches.SLEEP.counter().sum() - start;
            Thread.sleep(0, 1);
            seen[1] = Patches.SLEEP.counter().sum() - start;
            Thread.sleep(Duration.ofNanos(1));
            seen[2] = Patches.SLEEP.counter().sum() - start;
            return null;
        });
        Thread.yield(); // on the hub's own thread, outside the loop: one turn of the loop
        seen[3] = Patches.SLEEP.counter().sum() - start;
        String[] calls = {"Thread.sleep(long) in a greenlet", "Thread.sleep(long, int) in a greenlet",
            "Thread.sleep(Duration) in a greenlet", "Thread.yield() on a hub thread"};
        for (int i = 0; i < seen.length; i++) {
            if (seen[i] != i + 1) {
                return calls[i] + " did not go through the hub";
            }
        }
        return null;
    }

    String checkSocket() throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (ServerSocket server = new ServerSocket(0, 1, loopback)) {
            server.setSoTimeout(5000);
            // The reader blocks in accept() first; the writer can only run if that parked the greenlet.
            Greenlet<Integer> reader = Gevent.spawn(() -> {
                try (Socket accepted = server.accept(); InputStream in = accepted.getInputStream()) {
                    accepted.setSoTimeout(5000);
                    return in.read();
                }
            });
            Greenlet<Void> writer = Gevent.spawn(() -> {
                try (Socket client = new Socket(loopback, server.getLocalPort()); OutputStream out = client.getOutputStream()) {
                    out.write(42);
                }
            });
            Gevent.joinAll(List.of(reader, writer), Duration.ofSeconds(10));
            if (!reader.dead() || !writer.dead()) {
                return "a loopback accept/connect/read between two greenlets did not finish within 10 s";
            }
            if (reader.exception() != null || writer.exception() != null) {
                return "a greenlet blocked in a loopback socket accept/read stopped the other greenlet ("
                        + (reader.exception() != null ? reader.exception() : writer.exception()) + ")";
            }
            return reader.value() == 42 ? null : "a loopback socket read returned " + reader.value() + " instead of 42";
        }
    }

    /**
     * A greenlet reads from a loopback connection whose peer writes only later (so the read must wait
     * for readiness), and the wait must have been counted by the hub's own epoll.
     */
    String checkHubPoller() throws Exception {
        // Advice on a method that is not there weaves nothing and says nothing: check they exist.
        try {
            Class.forName(Patches.POLLER, false, null).getDeclaredMethod("stopPoll", int.class, int.class);
            Class.forName(Patches.SOCKET_CLOSER, false, null).getDeclaredMethod("close", java.io.FileDescriptor.class);
            Class.forName(Patches.SOCKET_IMPL, false, null)
                    .getDeclaredMethod("tryRead", java.io.FileDescriptor.class, byte[].class, int.class, int.class);
            Class.forName("java.lang.VirtualThread", false, null)
                    .getDeclaredMethod("parkOnCarrierThread", boolean.class, long.class);
        } catch (NoSuchMethodException e) {
            return "this JDK has no method " + e.getMessage() + ", which the patch relies on";
        }
        InetAddress loopback = InetAddress.getLoopbackAddress();
        long before = Patches.HUBPOLLER.counter().sum();
        try (ServerSocket server = new ServerSocket(0, 1, loopback);
             Socket client = new Socket(loopback, server.getLocalPort());
             Socket accepted = server.accept()) {
            accepted.setSoTimeout(5000);
            Greenlet<Integer> reader = Gevent.spawn(() -> accepted.getInputStream().read());
            Greenlet<Void> writer = Gevent.spawn(() -> {
                Gevent.sleep(0); // the reader waits first
                client.getOutputStream().write(7);
            });
            Gevent.joinAll(List.of(reader, writer), Duration.ofSeconds(10));
            if (!reader.dead() || !writer.dead()) {
                return "a loopback socket read in a greenlet did not finish within 10 s";
            }
            if (reader.exception() != null || writer.exception() != null) {
                return "a loopback socket read in a greenlet failed ("
                        + (reader.exception() != null ? reader.exception() : writer.exception()) + ")";
            }
            if (reader.value() != 7) {
                return "a loopback socket read returned " + reader.value() + " instead of 7";
            }
        }
        return Patches.HUBPOLLER.counter().sum() > before ? null : "a greenlet's socket read did not wait in the hub's own epoll"
                + " (sun.nio.ch.Poller.poll was not routed to the hub)";
    }

    /**
     * A greenlet blocks in {@code Selector.select} until another greenlet calls {@code wakeup()}: the
     * second can run only if the select parked the first, and the wait must have been counted by the
     * hub's own epoll.
     */
    String checkSelector() throws Exception {
        try {
            Class.forName(Patches.POLLER, false, null).getDeclaredMethod("pollSelector", int.class, long.class);
        } catch (NoSuchMethodException e) {
            return "this JDK has no method " + e.getMessage() + ", which the patch relies on";
        }
        long before = Patches.SELECTOR.counter().sum();
        try (Selector selector = Selector.open()) {
            Greenlet<Integer> selecting = Gevent.spawn(() -> selector.select(10_000));
            Greenlet<Void> waking = Gevent.spawn(() -> {
                Gevent.sleep(0); // the selecting greenlet waits first
                selector.wakeup();
            });
            Gevent.joinAll(List.of(selecting, waking), Duration.ofSeconds(10));
            if (!selecting.dead() || !waking.dead()) {
                return "a Selector.select in a greenlet was not woken by wakeup() from another greenlet within 10 s";
            }
            if (selecting.exception() != null || waking.exception() != null) {
                return "a Selector.select in a greenlet failed ("
                        + (selecting.exception() != null ? selecting.exception() : waking.exception()) + ")";
            }
        }
        return Patches.SELECTOR.counter().sum() > before ? null : "a greenlet's Selector.select did not wait in the hub's"
                + " own epoll (sun.nio.ch.Poller.pollSelector was not routed to the hub)";
    }

    String checkFile() throws Exception {
        Path file = Files.createTempFile("gevent4j-selftest", ".bin");
        try {
            Map<String, Long> before = hooks.offload.hitsByClass();
            long opensBefore = hooks.offload.hitsOf("java.io.FileInputStream", "open", "(Ljava/lang/String;)V");
            Gevent.run(() -> {
                try (FileOutputStream out = new FileOutputStream(file.toFile())) {
                    out.write(new byte[] {1, 2, 3});
                }
                try (FileInputStream in = new FileInputStream(file.toFile())) {
                    expect(in.read(new byte[3]) == 3, "FileInputStream.read");
                }
                try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
                    expect(raf.read() == 1, "RandomAccessFile.read");
                }
                try (FileChannel channel = FileChannel.open(file)) {
                    expect(channel.read(ByteBuffer.allocate(3)) == 3, "FileChannel.read");
                }
                expect(Files.size(file) == 3, "Files.size");
                return null;
            });
            Map<String, Long> after = hooks.offload.hitsByClass();
            for (String type : List.of("java.io.FileOutputStream", "java.io.FileInputStream", "java.io.RandomAccessFile",
                    "sun.nio.ch.FileChannelImpl", "sun.nio.fs.UnixNativeDispatcher")) {
                if (after.getOrDefault(type, 0L) <= before.getOrDefault(type, 0L)) {
                    return "a " + type + " call in a greenlet was not run on the offload pool";
                }
            }
            if (hooks.offload.hitsOf("java.io.FileInputStream", "open", "(Ljava/lang/String;)V") <= opensBefore) {
                return "new FileInputStream(path) in a greenlet did not open the file on the offload pool";
            }
            return checkPipe();
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /**
     * A FileInputStream on the read end of a pipe, read in a greenlet before the writer greenlet writes:
     * the read must wait in the hub's epoll (not on an offload thread) and return the byte.
     */
    private String checkPipe() throws Exception {
        if (!options.has(Patches.HUBPOLLER)) {
            return null; // without the hub's epoll pipes stay on the offload pool
        }
        Pipe pipe = Pipe.open();
        try (Pipe.SourceChannel sourceChannel = pipe.source(); Pipe.SinkChannel sinkChannel = pipe.sink()) {
            // No close: the pipe's channels own the descriptors; these streams only borrow them.
            FileInputStream in = new FileInputStream(channelFd(sourceChannel));
            FileOutputStream out = new FileOutputStream(channelFd(sinkChannel));
            long before = hooks.offload.pipeWaits();
            Greenlet<Integer> reader = Gevent.spawn(() -> in.read());
            Greenlet<Void> writer = Gevent.spawn(() -> {
                Gevent.sleep(0); // the reader waits first
                out.write(9);
            });
            Gevent.joinAll(List.of(reader, writer), Duration.ofSeconds(10));
            if (!reader.dead() || !writer.dead()) {
                return "a pipe read in a greenlet did not finish within 10 s";
            }
            if (reader.exception() != null || writer.exception() != null) {
                return "a pipe read or write in a greenlet failed ("
                        + (reader.exception() != null ? reader.exception() : writer.exception()) + ")";
            }
            if (reader.value() != 9) {
                return "a pipe read returned " + reader.value() + " instead of 9";
            }
            return hooks.offload.pipeWaits() >= before + 2 ? null
                    : "a FileInputStream/FileOutputStream on a pipe in a greenlet did not wait in the hub's epoll";
        }
    }

    private static FileDescriptor channelFd(Object channel) throws ReflectiveOperationException {
        java.lang.reflect.Method getFd = Class.forName("sun.nio.ch.SelChImpl", false, null).getMethod("getFD");
        getFd.setAccessible(true);
        return (FileDescriptor) getFd.invoke(channel);
    }

    /**
     * Starting a program that does not exist in a greenlet: the start (forkAndExec) must run on the
     * offload pool, and its IOException must come back to the greenlet.
     */
    String checkProcess() throws Exception {
        long before = Patches.PROCESS.counter().sum();
        String failure = Gevent.run(() -> {
            try {
                Process p = new ProcessBuilder("/nonexistent/gevent4j-selftest-no-such-program").start();
                p.destroyForcibly();
                return "starting a program that does not exist did not fail";
            } catch (java.io.IOException expected) {
                return null;
            }
        });
        if (failure == null && Patches.PROCESS.counter().sum() == before) {
            return "ProcessBuilder.start() in a greenlet did not run on the offload pool";
        }
        return failure;
    }

    private static void expect(boolean condition, String what) {
        if (!condition) {
            throw new IllegalStateException(what + " returned a wrong result when offloaded");
        }
    }

    String checkDns() throws Exception {
        // The name-service call itself, not InetAddress.getByName, whose cache may already hold the name.
        MethodHandle lookup = MethodHandles.privateLookupIn(InetAddress.class, MethodHandles.lookup())
                .findStatic(InetAddress.class, "getAddressesFromNameService",
                        MethodType.methodType(InetAddress[].class, String.class));
        long before = Patches.DNS.counter().sum();
        Gevent.run(() -> {
            try {
                return (InetAddress[]) lookup.invokeExact("localhost");
            } catch (UnknownHostException noLocalhost) {
                // a machine without a 'localhost' entry: the look-up still went through the patch
                return new InetAddress[0];
            } catch (Exception | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException("the DNS look-up failed", t);
            }
        });
        return Patches.DNS.counter().sum() > before ? null
                : "an InetAddress name-service look-up in a greenlet was not run on the hub's thread pool";
    }

    /**
     * The NewThread advice (installed with main and threads) targets the private constructor every
     * platform Thread goes through; without it a thread created in a greenlet silently becomes a daemon.
     */
    private static String checkThreadConstructor() {
        try {
            Thread.class.getDeclaredConstructor(ThreadGroup.class, String.class, int.class, Runnable.class, long.class);
            return null;
        } catch (NoSuchMethodException e) {
            return "this JDK has no constructor Thread(ThreadGroup, String, int, Runnable, long), which the patch relies on";
        }
    }

    /** A thread started inside {@code Gevent.startThreadsAsGreenlets} runs as a greenlet of the hub and is handed back. */
    String checkThreadScope() throws Exception {
        long before = Patches.THREADSCOPE.counter().sum();
        return Gevent.run(() -> {
            boolean[] inGreenlet = new boolean[1];
            List<Greenlet<?>> started = Gevent.startThreadsAsGreenlets(
                    () -> new Thread(() -> inGreenlet[0] = Greenlet.current() != null).start());
            if (started.size() != 1) {
                return "Gevent.startThreadsAsGreenlets handed back " + started.size() + " greenlets for one Thread.start()";
            }
            started.getFirst().join(LIMIT);
            if (!inGreenlet[0]) {
                return "a thread started in Gevent.startThreadsAsGreenlets did not run as a greenlet";
            }
            return Patches.THREADSCOPE.counter().sum() > before ? null
                    : "Thread.start() in Gevent.startThreadsAsGreenlets did not go through the patch";
        });
    }

    String checkThreads() throws Exception {
        String constructor = checkThreadConstructor();
        if (constructor != null) {
            return constructor;
        }
        long before = Patches.THREADS.counter().sum();
        String failure = Gevent.run(() -> {
            boolean[] virtual = new boolean[1];
            Thread thread = new Thread(() -> virtual[0] = Thread.currentThread().isVirtual());
            thread.start();
            thread.join();
            if (!virtual[0]) {
                return "new Thread(r).start() in a greenlet started a platform thread";
            }
            return thread.isAlive() ? "Thread.isAlive() of a finished thread-greenlet is true" : null;
        });
        if (failure == null && Patches.THREADS.counter().sum() == before) {
            return "Thread.start() in a greenlet did not go through the patch";
        }
        return failure;
    }

    String checkMain() {
        String constructor = checkThreadConstructor();
        if (constructor != null) {
            return constructor;
        }
        hooks.main.expect(MainProbe.class.getName(), Thread.currentThread());
        MainProbe.ranInGreenlet = false;
        callProbe(new String[0]);
        if (!MainProbe.ranInGreenlet) {
            return "a main method did not run inside a greenlet";
        }
        hooks.main.expect(MainProbe.class.getName(), Thread.currentThread());
        try {
            callProbe(new String[] {"fail"});
            return "an exception thrown by main in its greenlet did not reach the caller";
        } catch (IllegalStateException expected) {
            if (!expected.getMessage().startsWith("gevent4j main-patch self-test")) {
                throw expected;
            }
            StackTraceElement[] frames = expected.getStackTrace();
            StackTraceElement last = frames.length == 0 ? null : frames[frames.length - 1];
            if (last == null || !last.getClassName().equals(MainProbe.class.getName()) || !last.getMethodName().equals("main")) {
                return "the stack trace of an exception thrown by main still ends in " + last
                        + " instead of main, so the JVM would print it differently";
            }
            return null;
        }
    }

    /**
     * Calls the probe's main as the patched launch or the program's own launcher would: with the
     * agent, through the advice woven into {@link MainProbe}; in the patched launch, through the
     * same {@link MainRunner} that {@link PatchedLaunch} runs the program's main with.
     */
    private void callProbe(String[] args) {
        if (!aheadOfTime) {
            MainProbe.main(args);
            return;
        }
        try {
            if (!hooks.main.run(MainProbe.class, null, new Object[] {args})) {
                MainProbe.main(args);
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("gevent4j: the main probe ended with " + e, e);
        }
    }
}
