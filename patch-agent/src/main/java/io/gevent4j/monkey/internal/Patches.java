package io.gevent4j.monkey.internal;

import io.gevent4j.monkey.internal.Patch.OffloadedCall;
import io.gevent4j.monkey.internal.Patch.Weave;

import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.matcher.ElementMatcher;

import java.io.FileDescriptor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;

import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.isPrivate;
import static net.bytebuddy.matcher.ElementMatchers.isStatic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;
import static net.bytebuddy.matcher.ElementMatchers.takesNoArguments;

/**
 * The table of the agent's patches, in install order: the one place that says which patches exist,
 * what each weaves, how it is checked and what it counts (see {@link Patch} and
 * docs/how-the-agent-works.md). Adding a patch is adding a row here, its advice in {@link Advices}, its
 * behaviour in {@link CooperativeHooks} and its check in {@link SelfTest}.
 */
final class Patches {
    /** The class whose static park path every blocking socket of a virtual thread goes through. */
    static final String POLLER = "sun.nio.ch.Poller";

    /** Where the JDK closes the fd of every socket and NIO pipe ({@code SocketDispatcher}, {@code DatagramDispatcher}). */
    static final String SOCKET_CLOSER = "sun.nio.ch.UnixDispatcher";

    /** The JDK's {@code java.net.Socket} implementation. */
    static final String SOCKET_IMPL = "sun.nio.ch.NioSocketImpl";

    /** The main methods the launcher may pick (JEP 512): static or instance, with or without String[]. */
    static final ElementMatcher.Junction<MethodDescription> MAIN_METHOD = named("main").and(returns(void.class))
            .and(not(isPrivate())).and(takesNoArguments().or(takesArguments(String[].class)));

    /** By name: loading {@code MainProbe} before the transformer is installed would leave it unwoven. */
    static final String MAIN_PROBE = "io.gevent4j.monkey.internal.MainProbe";

    /**
     * {@code VirtualThread.parkOnCarrierThread(boolean, long)}: where a pinned greenlet parks its hub's
     * thread. Both a pinned sleep and a pinned socket wait are finished there.
     */
    private static final Weave PINNED_PARK = Weave.of("java.lang.VirtualThread", Advices.PinnedPark.class,
            named("parkOnCarrierThread").and(takesArguments(boolean.class, long.class)));

    /** {@code Thread}'s platform constructor: a thread created in a greenlet gets the daemon status of the thread that greenlet stands for. */
    private static final Weave NEW_THREAD = Weave.of("java.lang.Thread", Advices.NewThread.class, isConstructor()
            .and(takesArguments(ThreadGroup.class, String.class, int.class, Runnable.class, long.class)));

    static final Patch SLEEP = new Patch("sleep", "Thread.sleep/Thread.yield", true, List.of(
            Weave.of("java.lang.Thread", Advices.Sleep.class,
                    named("sleepNanos").and(isStatic()).and(takesArguments(long.class))),
            Weave.of("java.lang.Thread", Advices.Yield.class, named("yield").and(isStatic()).and(takesNoArguments())),
            PINNED_PARK),
            SelfTest::checkSleep, new LongAdder());

    static final Patch SOCKET = new Patch("socket", "socket", true, List.of(), SelfTest::checkSocket, null);

    static final Patch HUBPOLLER = new Patch("hubpoller", "hub-owned socket readiness (sun.nio.ch.Poller)", true, List.of(
            Weave.of(POLLER, Advices.PollerPoll.class, named("poll").and(isStatic())
                    .and(takesArguments(int.class, int.class, long.class, BooleanSupplier.class))),
            // stopPoll(int) calls stopPoll(int, int) for each event, so this one covers both.
            Weave.of(POLLER, Advices.PollerStopPoll.class, named("stopPoll").and(isStatic())
                    .and(takesArguments(int.class, int.class))),
            // the hubs keep socket fds registered between waits: they must hear of every close
            Weave.of(SOCKET_CLOSER, Advices.SocketClose.class, named("close").and(takesArguments(FileDescriptor.class))),
            // a read the hub knows would find nothing goes straight to its wait
            Weave.of(SOCKET_IMPL, Advices.SocketTryRead.class, named("tryRead")
                    .and(takesArguments(FileDescriptor.class, byte[].class, int.class, int.class))),
            PINNED_PARK),
            SelfTest::checkHubPoller, new LongAdder());

    /**
     * {@code Selector.select} in a greenlet: the JDK parks a virtual thread in a select through
     * {@code Poller.pollSelector}, until the selector's epoll fd is readable; this waits for it in the
     * hub's own epoll instead of the JDK's poller threads.
     */
    static final Patch SELECTOR = new Patch("selector", "Selector.select in the hub's epoll (sun.nio.ch.Poller.pollSelector)",
            true, List.of(
            Weave.of(POLLER, Advices.PollerPollSelector.class, named("pollSelector").and(isStatic())
                    .and(takesArguments(int.class, long.class))),
            PINNED_PARK),
            SelfTest::checkSelector, new LongAdder());

    static final Patch FILE = new Patch("file", "file, pipe and System.in I/O", true, withOpensAndMetadata(List.of(
            Weave.offload("java.io.FileInputStream", "read", "()I"),
            Weave.offload("java.io.FileInputStream", "read", "([B)I"),
            Weave.offload("java.io.FileInputStream", "read", "([BII)I"),
            Weave.offload("java.io.FileInputStream", "skip", "(J)J"),
            Weave.offload("java.io.FileOutputStream", "write", "(I)V"),
            Weave.offload("java.io.FileOutputStream", "write", "([B)V"),
            Weave.offload("java.io.FileOutputStream", "write", "([BII)V"),
            Weave.offload("java.io.RandomAccessFile", "read", "()I"),
            Weave.offload("java.io.RandomAccessFile", "read", "([B)I"),
            Weave.offload("java.io.RandomAccessFile", "read", "([BII)I"),
            Weave.offload("java.io.RandomAccessFile", "write", "(I)V"),
            Weave.offload("java.io.RandomAccessFile", "write", "([B)V"),
            Weave.offload("java.io.RandomAccessFile", "write", "([BII)V"),
            Weave.offload("sun.nio.ch.FileChannelImpl", "read", "(Ljava/nio/ByteBuffer;)I"),
            Weave.offload("sun.nio.ch.FileChannelImpl", "read", "([Ljava/nio/ByteBuffer;II)J"),
            Weave.offload("sun.nio.ch.FileChannelImpl", "read", "(Ljava/nio/ByteBuffer;J)I"),
            Weave.offload("sun.nio.ch.FileChannelImpl", "write", "(Ljava/nio/ByteBuffer;)I"),
            Weave.offload("sun.nio.ch.FileChannelImpl", "write", "([Ljava/nio/ByteBuffer;II)J"),
            Weave.offload("sun.nio.ch.FileChannelImpl", "write", "(Ljava/nio/ByteBuffer;J)I"),
            Weave.offload("sun.nio.ch.FileChannelImpl", "transferTo", "(JJLjava/nio/channels/WritableByteChannel;)J"),
            Weave.offload("sun.nio.ch.FileChannelImpl", "transferFrom", "(Ljava/nio/channels/ReadableByteChannel;JJ)J"),
            Weave.offload("sun.nio.ch.FileChannelImpl", "force", "(Z)V"))),
            SelfTest::checkFile, new LongAdder());

    /** {@code ProcessBuilder.start()}: forkAndExec on the offload pool (issue 18). */
    static final Patch PROCESS = new Patch("process", "process start (ProcessBuilder.start)", true,
            OffloadTables.processWeaves(), SelfTest::checkProcess, new LongAdder());

    /** The name-service calls behind every look-up, after the JDK's cache. */
    static final Patch DNS = new Patch("dns", "DNS (InetAddress)", true, List.of(
            Weave.offload("java.net.InetAddress", "getAddressesFromNameService",
                    "(Ljava/lang/String;)[Ljava/net/InetAddress;"),
            Weave.offload("java.net.InetAddress", "getHostFromNameService", "(Ljava/net/InetAddress;)Ljava/lang/String;")),
            SelfTest::checkDns, new LongAdder());

    /** {@code Thread.start()}: shared by the {@code threadscope} and {@code threads} patches, woven once. */
    private static final Weave THREAD_START = Weave.of("java.lang.Thread", Advices.ThreadStart.class,
            named("start").and(takesNoArguments()).and(not(isStatic())));

    /**
     * {@code Gevent.startThreadsAsGreenlets(action)}: the platform threads started inside it (by the JDK
     * or a library too) start as greenlets; everywhere else {@code Thread.start} is left alone.
     */
    static final Patch THREADSCOPE = new Patch("threadscope", "Thread.start in Gevent.startThreadsAsGreenlets (threadscope)",
            true, List.of(THREAD_START), SelfTest::checkThreadScope, new LongAdder());

    static final Patch THREADS = new Patch("threads", "Thread.start-as-greenlet (threads)", false, List.of(
            THREAD_START,
            Weave.of("java.lang.Thread", Advices.ThreadJoin.class, named("join").and(takesArguments(long.class))),
            Weave.of("java.lang.Thread", Advices.ThreadJoinDuration.class,
                    named("join").and(takesArguments(Duration.class))),
            Weave.of("java.lang.Thread", Advices.ThreadAlive.class, named("isAlive").and(takesNoArguments())),
            Weave.of("java.lang.Thread", Advices.ThreadInterrupt.class, named("interrupt").and(takesNoArguments())),
            NEW_THREAD),
            SelfTest::checkThreads, new LongAdder());

    static final Patch MAIN = new Patch("main", "main-as-root-greenlet", true, List.of(
            Weave.of(MAIN_PROBE, Advices.Main.class, MAIN_METHOD),
            Weave.of(Weave.PROGRAM_MAIN_CLASS, Advices.Main.class, MAIN_METHOD),
            NEW_THREAD),
            SelfTest::checkMain, new LongAdder());

    /** Every patch, in install order. */
    static final List<Patch> ALL = List.of(SLEEP, SOCKET, HUBPOLLER, SELECTOR, FILE, PROCESS, DNS, THREADSCOPE, THREADS, MAIN);

    /**
     * Every offloaded method of every patch, in table order. A method's position here is its id, bound
     * as a constant into its advice: the same id whichever patches are on, so that an offloaded call
     * finds its method handle by array index.
     */
    static final List<OffloadedCall> OFFLOADED = offloaded();

    private Patches() {
    }

    /** The file patch's reads and writes, then issue 18's opens and metadata calls ({@link OffloadTables}). */
    private static List<Weave> withOpensAndMetadata(List<Weave> readsAndWrites) {
        List<Weave> out = new ArrayList<>(readsAndWrites);
        out.addAll(OffloadTables.openAndMetadataWeaves());
        return out;
    }

    /** {@return the names of all patches, in install order} */
    static List<String> names() {
        return ALL.stream().map(Patch::name).toList();
    }

    /**
     * @param name a patch name
     * @return the patch
     * @throws IllegalArgumentException for an unknown name
     */
    static Patch byName(String name) {
        for (Patch patch : ALL) {
            if (patch.name().equals(name)) {
                return patch;
            }
        }
        throw new IllegalArgumentException("gevent4j: unknown patch '" + name + "'; the patches are " + names());
    }

    private static List<OffloadedCall> offloaded() {
        List<OffloadedCall> calls = new ArrayList<>();
        for (Patch patch : ALL) {
            for (Weave weave : patch.weaves()) {
                if (weave.offloaded() != null) {
                    calls.add(weave.offloaded());
                }
            }
        }
        return List.copyOf(calls);
    }
}
