package io.gevent4j.monkey.internal;

import io.gevent4j.Hub;
import io.gevent4j.core.Strand;
import io.gevent4j.monkey.boot.Dispatch;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.LongAdder;

/**
 * The "file" and "dns" patches: blocking JDK methods that the JDK does not make cooperative on a
 * custom virtual-thread scheduler. Called in a greenlet, such a method runs on the agent's
 * {@link OffloadPool} while the greenlet parks (a read or write of a pipe, FIFO or terminal through a
 * java.io stream waits in the hub's epoll instead, see {@link PipeIo}); the pool's worker has no hub, so there the patched method runs its
 * original body. The greenlet waits for the worker's result with a plain
 * {@code CompletableFuture.get()}: the worker's completion wakes it directly, so a greenlet that cannot
 * unmount (in a class initializer or under a native frame) just blocks its hub for the duration of the
 * call, as without the agent, instead of waiting for a hub that it blocks.
 *
 * <p>The call runs inline (unchanged) when:
 * <ul>
 *   <li>the caller is not a greenlet (a plain thread, a pool worker, or a hub's own thread, whose
 *       loop must never park inside a callback);</li>
 *   <li>the call is made by this class's own offload path (a nested patched call, see {@link #IN_CALL});</li>
 *   <li>a class loader is near the top of the stack ({@link ClassLoading#inProgress}): class files read
 *       from a {@code target/classes} directory go through {@code FileInputStream.read}, and class
 *       loading must never wait for the thread pool, which may itself need classes from the same
 *       loader;</li>
 *   <li>the caller holds the receiver's monitor (the JDK's {@code ZipFile} reads its jar through a
 *       {@code RandomAccessFile} under {@code synchronized (file)} while loading classes; parking
 *       there could leave the hub's own thread blocked on that monitor);</li>
 *   <li>it writes to {@code FileDescriptor.out} or {@code FileDescriptor.err}: the console streams are
 *       shared with the hub's own error reports, and a greenlet parked mid-{@code println} would hold
 *       the {@code PrintStream}'s lock that the hub thread then waits for.</li>
 * </ul>
 */
final class Offload {
    /** One patched method. */
    record Target(String family, String className, String name, String descriptor, boolean isVoid,
                  MethodHandle handle, LongAdder hits, LongAdder own) {
        String signature() {
            return className + "." + name + descriptor;
        }
    }

    /**
     * Set while this thread is inside {@link #call}: a patched call made by the offload path itself
     * (e.g. reading the class file of {@code ThreadPool} from a {@code target/classes} directory the
     * first time a hub needs its pool) runs inline instead of recursing into another offload.
     */
    private static final ThreadLocal<Boolean> IN_CALL = new ThreadLocal<>();

    private final Map<String, Target> targets = new HashMap<>();

    /**
     * Builds the targets of the enabled families.
     *
     * @param file whether the file patch is on
     * @param dns whether the dns patch is on
     * @param fileHits counter of offloaded file calls
     * @param dnsHits counter of offloaded DNS calls
     */
    Offload(boolean file, boolean dns, LongAdder fileHits, LongAdder dnsHits) {
        this(file, dns, false, fileHits, dnsHits, new LongAdder());
    }

    /**
     * Builds the targets of the enabled families.
     *
     * @param file whether the file patch is on (reads, writes, opens, metadata; pipes in the hub's epoll)
     * @param dns whether the dns patch is on
     * @param process whether the process patch is on
     * @param fileHits counter of offloaded file calls
     * @param dnsHits counter of offloaded DNS calls
     * @param processHits counter of offloaded process starts
     */
    Offload(boolean file, boolean dns, boolean process, LongAdder fileHits, LongAdder dnsHits, LongAdder processHits) {
        if (file) {
            for (String[] t : FILE_METHODS) {
                add(Options.FILE, t[0], t[1], t[2], fileHits);
            }
            for (String[] t : OffloadTables.OPEN_AND_METADATA_METHODS) {
                add(Options.FILE, t[0], t[1], t[2], fileHits);
            }
            pipes = new PipeIo(handleOf("java.io.FileInputStream.read([BII)I"), handleOf("java.io.FileInputStream.read()I"),
                    handleOf("java.io.FileOutputStream.write([BII)V"));
        } else {
            pipes = null;
        }
        if (dns) {
            for (String[] t : DNS_METHODS) {
                add(Options.DNS, t[0], t[1], t[2], dnsHits);
            }
        }
        if (process) {
            for (String[] t : OffloadTables.PROCESS_METHODS) {
                add(Options.PROCESS, t[0], t[1], t[2], processHits);
            }
        }
    }

    private MethodHandle handleOf(String signature) {
        return targets.get(signature).handle();
    }

    /** Pipes, FIFOs and terminals read or written through java.io streams wait in the hub's epoll; null without the file patch. */
    private final PipeIo pipes;
    /** Calls that waited in the hub's epoll instead of being offloaded (pipes, FIFOs, terminals). */
    private final LongAdder pipeWaits = new LongAdder();

    /** class, method, descriptor of every file/pipe method offloaded. */
    static final String[][] FILE_METHODS = {
        {"java.io.FileInputStream", "read", "()I"},
        {"java.io.FileInputStream", "read", "([B)I"},
        {"java.io.FileInputStream", "read", "([BII)I"},
        {"java.io.FileInputStream", "skip", "(J)J"},
        {"java.io.FileOutputStream", "write", "(I)V"},
        {"java.io.FileOutputStream", "write", "([B)V"},
        {"java.io.FileOutputStream", "write", "([BII)V"},
        {"java.io.RandomAccessFile", "read", "()I"},
        {"java.io.RandomAccessFile", "read", "([B)I"},
        {"java.io.RandomAccessFile", "read", "([BII)I"},
        {"java.io.RandomAccessFile", "write", "(I)V"},
        {"java.io.RandomAccessFile", "write", "([B)V"},
        {"java.io.RandomAccessFile", "write", "([BII)V"},
        {"sun.nio.ch.FileChannelImpl", "read", "(Ljava/nio/ByteBuffer;)I"},
        {"sun.nio.ch.FileChannelImpl", "read", "([Ljava/nio/ByteBuffer;II)J"},
        {"sun.nio.ch.FileChannelImpl", "read", "(Ljava/nio/ByteBuffer;J)I"},
        {"sun.nio.ch.FileChannelImpl", "write", "(Ljava/nio/ByteBuffer;)I"},
        {"sun.nio.ch.FileChannelImpl", "write", "([Ljava/nio/ByteBuffer;II)J"},
        {"sun.nio.ch.FileChannelImpl", "write", "(Ljava/nio/ByteBuffer;J)I"},
        {"sun.nio.ch.FileChannelImpl", "transferTo", "(JJLjava/nio/channels/WritableByteChannel;)J"},
        {"sun.nio.ch.FileChannelImpl", "transferFrom", "(Ljava/nio/channels/ReadableByteChannel;JJ)J"},
        {"sun.nio.ch.FileChannelImpl", "force", "(Z)V"},
    };

    /** class, method, descriptor of every DNS method offloaded (the name-service calls, after the cache). */
    static final String[][] DNS_METHODS = {
        {"java.net.InetAddress", "getAddressesFromNameService", "(Ljava/lang/String;)[Ljava/net/InetAddress;"},
        {"java.net.InetAddress", "getHostFromNameService", "(Ljava/net/InetAddress;)Ljava/lang/String;"},
    };

    private void add(String family, String className, String name, String descriptor, LongAdder hits) {
        try {
            Class<?> type = Class.forName(className, false, null);
            MethodType methodType = MethodType.fromMethodDescriptorString(descriptor, null);
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(type, MethodHandles.lookup());
            boolean isStatic = Modifier.isStatic(type.getDeclaredMethod(name, methodType.parameterArray()).getModifiers());
            MethodHandle handle;
            if (isStatic) {
                handle = lookup.findStatic(type, name, methodType);
            } else {
                // invokespecial: exactly this class's body, not a subclass override that called super
                handle = lookup.findSpecial(type, name, methodType, type);
            }
            int arity = methodType.parameterCount();
            MethodHandle generic = handle.asType(handle.type().generic()).asSpreader(Object[].class, arity);
            if (isStatic) {
                generic = MethodHandles.dropArguments(generic, 0, Object.class);
            }
            Target target = new Target(family, className, name, descriptor, methodType.returnType() == void.class,
                    generic, hits, new LongAdder());
            targets.put(target.signature(), target);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("gevent4j: cannot find " + className + "." + name + descriptor + " on JDK "
                    + Runtime.version() + ": " + e, e);
        }
    }

    /** {@return the classes whose methods are patched, by name} */
    List<String> classNames() {
        List<String> names = new ArrayList<>();
        for (Target t : targets.values()) {
            if (!names.contains(t.className())) {
                names.add(t.className());
            }
        }
        return names;
    }

    /** {@return offloaded calls so far, per patched class} */
    Map<String, Long> hitsByClass() {
        Map<String, Long> out = new HashMap<>();
        for (Target t : targets.values()) {
            out.merge(t.className(), t.own().sum(), Long::sum);
        }
        return out;
    }

    /** {@return the patched methods} */
    List<Target> targets() {
        return new ArrayList<>(targets.values());
    }

    /**
     * Runs a patched call on the offload pool (or, for a pipe, waits in the hub's epoll) if the caller is a greenlet.
     *
     * @param signature the patched method
     * @param self the receiver or {@code null}
     * @param args the arguments
     * @return {@code null} if the call should run inline; otherwise its result or a {@link Dispatch} marker
     * @throws Throwable what the call threw
     */
    Object call(String signature, Object self, Object[] args) throws Throwable {
        Strand strand = Strand.currentOrNull();
        if (strand == null || strand.isRoot() || IN_CALL.get() != null) {
            return null;
        }
        IN_CALL.set(Boolean.TRUE);
        try {
            Target target = targets.get(signature);
            if (target == null || (self != null && Thread.holdsLock(self)) || isConsole(self)) {
                return null;
            }
            Hub hub = Hub.currentOrNull();
            if (hub == null || ClassLoading.inProgress()) {
                return null;
            }
            if (pipes != null && self != null && PipeIo.isPollableStream(self) && io.gevent4j.HubIo.isActive()) {
                Object piped = pipeCall(target, self, args);
                if (piped != null) {
                    target.hits().increment();
                    pipeWaits.increment();
                    return piped;
                }
            }
            target.hits().increment();
            target.own().increment();
            Object result = runOnPool(hub, target, self, args);
            if (target.isVoid()) {
                return Dispatch.VOID;
            }
            return result == null ? Dispatch.NULL : result;
        } finally {
            IN_CALL.remove();
        }
    }

    /** {@return how many java.io pipe, FIFO or terminal calls waited in the hub's epoll instead of a thread} */
    long pipeWaits() {
        return pipeWaits.sum();
    }

    /** {@return the calls made so far through exactly this patched method (for the self-test)} */
    long hitsOf(String signature) {
        Target target = targets.get(signature);
        return target == null ? 0 : target.own().sum();
    }

    /** A read or write of a pollable java.io stream, waited for in the hub's epoll; null if it must be offloaded. */
    private Object pipeCall(Target target, Object self, Object[] args) throws Throwable {
        if (self instanceof FileInputStream in && target.name().equals("read")) {
            return pipes.read(in, target.descriptor(), args);
        }
        if (self instanceof FileOutputStream out && target.name().equals("write")) {
            return pipes.write(out, target.descriptor(), args) ? Dispatch.VOID : null;
        }
        return null; // skip, and RandomAccessFile / FileChannel calls: regular files, offloaded
    }

    private static boolean isConsole(Object self) {
        if (self instanceof FileOutputStream out) {
            try {
                FileDescriptor fd = out.getFD();
                return fd == FileDescriptor.out || fd == FileDescriptor.err;
            } catch (IOException closed) {
                return false; // closed: the original body reports it
            }
        }
        return false;
    }

    private static Object runOnPool(Hub hub, Target target, Object self, Object[] args) throws Throwable {
        CompletableFuture<Object> done = new CompletableFuture<>();
        Call call = new Call(target, self, args, done);
        // the hub must not take the parked greenlet for "would block forever" while the worker runs
        hub.carrier().retainExternal();
        try {
            OffloadPool.shared().execute(call);
        } catch (RuntimeException rejected) {
            hub.carrier().releaseExternal();
            throw rejected;
        }
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return done.get();
                } catch (ExecutionException e) {
                    throw withCallerFrames(e.getCause(), target);
                } catch (InterruptedException e) {
                    Strand me = Strand.currentOrNull();
                    if (me != null && me.pendingThrow() != null) {
                        me.throwPending(); // a kill or a Timeout: raise it here, the worker finishes alone
                    }
                    // The JDK's own call would see the interrupt in the thread doing the I/O: a
                    // FileChannel closes and throws ClosedByInterruptException, a stream read goes on.
                    interrupted = true;
                    call.interruptWorker();
                }
            }
        } finally {
            hub.carrier().releaseExternal();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Gives an exception thrown on the worker the greenlet's stack below the patched method, so that it
     * reads as if the call had run in the greenlet.
     */
    private static Throwable withCallerFrames(Throwable failure, Target target) {
        StackTraceElement[] worker = failure.getStackTrace();
        int cut = -1;
        for (int i = 0; i < worker.length; i++) {
            if (worker[i].getClassName().equals(target.className()) && worker[i].getMethodName().equals(target.name())) {
                cut = i;
                break;
            }
        }
        if (cut < 0) {
            return failure;
        }
        StackTraceElement[] here = new Throwable().getStackTrace();
        int from = 0;
        for (int i = 0; i < here.length; i++) {
            if (here[i].getClassName().equals(target.className()) && here[i].getMethodName().equals(target.name())) {
                from = i + 1;
                break;
            }
        }
        StackTraceElement[] joined = Arrays.copyOf(worker, cut + 1 + here.length - from);
        System.arraycopy(here, from, joined, cut + 1, here.length - from);
        failure.setStackTrace(joined);
        return failure;
    }

    /**
     * The call as run by a pool worker: its outcome goes to {@code done}, completed on the worker; the
     * greenlet may interrupt the worker while it runs.
     */
    private static final class Call implements Runnable {
        private final Target target;
        private final Object self;
        private final Object[] args;
        private final CompletableFuture<Object> done;
        private Thread worker;

        Call(Target target, Object self, Object[] args, CompletableFuture<Object> done) {
            this.target = target;
            this.self = self;
            this.args = args;
            this.done = done;
        }

        @Override
        public void run() {
            synchronized (this) {
                worker = Thread.currentThread();
            }
            try {
                done.complete(target.handle().invokeExact(self, args));
            } catch (Throwable t) {
                done.completeExceptionally(t);
            } finally {
                synchronized (this) {
                    worker = null;
                    // an interrupt meant for this call must not leak into the worker's next task
                    Thread.interrupted();
                }
            }
        }

        synchronized void interruptWorker() {
            if (worker != null) {
                worker.interrupt();
            }
        }

        @Override
        public String toString() {
            return "offloaded " + target.signature();
        }
    }
}
