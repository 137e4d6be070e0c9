package io.gevent4j.monkey.internal;

import io.gevent4j.Hub;
import io.gevent4j.core.Strand;
import io.gevent4j.monkey.boot.Offloaded;
import io.gevent4j.monkey.internal.Patch.OffloadedCall;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Modifier;
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
    /**
     * One offloaded method of an installed patch.
     *
     * @param call the method
     * @param handle its original body, as {@code (Object self, Object[] args) -> Object}
     * @param hits the patch's counter
     * @param own calls of this method alone
     */
    record Target(OffloadedCall call, MethodHandle handle, LongAdder hits, LongAdder own) {
    }

    /**
     * Set while this thread is inside {@link #call}: a patched call made by the offload path itself
     * (e.g. reading the class file of {@code ThreadPool} from a {@code target/classes} directory the
     * first time a hub needs its pool) runs inline instead of recursing into another offload.
     */
    private static final ThreadLocal<Boolean> IN_CALL = new ThreadLocal<>();

    /** Indexed by the id of {@link Patches#OFFLOADED}; {@code null} where the method's patch is off. */
    private final Target[] targets = new Target[Patches.OFFLOADED.size()];

    /**
     * Finds the original bodies of the offloaded methods of the installed patches.
     *
     * @param patches the installed patches
     * @throws PatchFailure naming the patch if this JDK lacks one of its methods
     */
    Offload(List<Patch> patches) {
        for (Patch patch : patches) {
            for (Patch.Weave weave : patch.weaves()) {
                if (weave.offloaded() != null) {
                    try {
                        targets[Patches.OFFLOADED.indexOf(weave.offloaded())] = target(weave.offloaded(), patch.counter());
                    } catch (IllegalStateException e) {
                        throw new PatchFailure(Failure.sentence(patch, e.getMessage()), e);
                    }
                }
            }
        }
        if (patches.contains(Patches.FILE) && patches.contains(Patches.HUBPOLLER)) {
            // without the hub's epoll (nohubpoller, or a JDK without sun.nio.ch.EPoll) pipes stay on the pool
            pipes = new PipeIo(handleOf("java.io.FileInputStream", "read", "([BII)I"),
                    handleOf("java.io.FileInputStream", "read", "()I"),
                    handleOf("java.io.FileOutputStream", "write", "([BII)V"));
        } else {
            pipes = null;
        }
    }

    /** Pipes, FIFOs and terminals read or written through java.io streams wait in the hub's epoll; null without the file and hubpoller patches. */
    private final PipeIo pipes;
    /** Calls that waited in the hub's epoll instead of being offloaded (pipes, FIFOs, terminals). */
    private final LongAdder pipeWaits = new LongAdder();

    private Target targetOf(String type, String name, String descriptor) {
        for (Target t : targets) {
            if (t != null && t.call().type().equals(type) && t.call().name().equals(name)
                    && t.call().descriptor().equals(descriptor)) {
                return t;
            }
        }
        return null;
    }

    private MethodHandle handleOf(String type, String name, String descriptor) {
        return targetOf(type, name, descriptor).handle();
    }

    /** {@return how many java.io pipe, FIFO or terminal calls waited in the hub's epoll instead of a thread} */
    long pipeWaits() {
        return pipeWaits.sum();
    }

    /**
     * @param type the declaring class
     * @param name the method
     * @param descriptor its descriptor
     * @return the calls made so far through exactly that offloaded method (for the self-test)
     */
    long hitsOf(String type, String name, String descriptor) {
        Target target = targetOf(type, name, descriptor);
        return target == null ? 0 : target.own().sum();
    }

    /** A read or write of a pollable java.io stream, waited for in the hub's epoll; null if it must be offloaded. */
    private Offloaded pipeCall(Target target, Object self, Object[] args) throws Throwable {
        OffloadedCall call = target.call();
        if (self instanceof java.io.FileInputStream in && call.name().equals("read")) {
            Object result = pipes.read(in, call.descriptor(), args);
            return result == null ? null : new Offloaded(result);
        }
        if (self instanceof FileOutputStream out && call.name().equals("write")) {
            return pipes.write(out, call.descriptor(), args) ? new Offloaded(null) : null;
        }
        return null; // skip, and RandomAccessFile / FileChannel calls: regular files, offloaded
    }

    private static Target target(OffloadedCall call, LongAdder hits) {
        try {
            Class<?> type = Class.forName(call.type(), false, null);
            MethodType methodType = MethodType.fromMethodDescriptorString(call.descriptor(), null);
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(type, MethodHandles.lookup());
            boolean isStatic = Modifier.isStatic(type.getDeclaredMethod(call.name(), methodType.parameterArray()).getModifiers());
            MethodHandle handle;
            if (isStatic) {
                handle = lookup.findStatic(type, call.name(), methodType);
            } else {
                // invokespecial: exactly this class's body, not a subclass override that called super
                handle = lookup.findSpecial(type, call.name(), methodType, type);
            }
            int arity = methodType.parameterCount();
            MethodHandle generic = handle.asType(handle.type().generic()).asSpreader(Object[].class, arity);
            if (isStatic) {
                generic = MethodHandles.dropArguments(generic, 0, Object.class);
            }
            return new Target(call, generic, hits, new LongAdder());
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("the JDK has no method " + call.signature() + " (" + e + ")", e);
        }
    }

    /** {@return offloaded calls so far, per patched class} */
    Map<String, Long> hitsByClass() {
        Map<String, Long> out = new HashMap<>();
        for (Target t : targets) {
            if (t != null) {
                out.merge(t.call().type(), t.own().sum(), Long::sum);
            }
        }
        return out;
    }

    /**
     * Runs a patched call on the offload pool (or, for a pipe, waits in the hub's epoll) if the caller is a greenlet.
     *
     * @param id the method's id, its index in {@link Patches#OFFLOADED}
     * @param self the receiver or {@code null}
     * @param args the arguments
     * @return {@code null} if the call should run inline; otherwise its outcome
     * @throws Throwable what the call threw
     */
    Offloaded call(int id, Object self, Object[] args) throws Throwable {
        Strand strand = Strand.currentOrNull();
        if (strand == null || strand.isRoot() || IN_CALL.get() != null) {
            return null;
        }
        IN_CALL.set(Boolean.TRUE);
        try {
            Target target = targets[id];
            if (target == null || (self != null && Thread.holdsLock(self)) || isConsole(self)) {
                return null;
            }
            Hub hub = Hub.currentOrNull();
            if (hub == null || ClassLoading.inProgress()) {
                return null;
            }
            if (pipes != null && self != null && PipeIo.isPollableStream(self)) {
                Offloaded piped = pipeCall(target, self, args);
                if (piped != null) {
                    target.hits().increment();
                    pipeWaits.increment();
                    return piped;
                }
            }
            target.hits().increment();
            target.own().increment();
            return new Offloaded(runOnPool(target, self, args));
        } finally {
            IN_CALL.remove();
        }
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

    private static Object runOnPool(Target target, Object self, Object[] args) throws Throwable {
        CompletableFuture<Object> done = new CompletableFuture<>();
        Call call = new Call(target, self, args, done);
        // No retainExternal: the greenlet parks in the JDK (CompletableFuture.get), not in its hub, so
        // the hub never takes it for "would block forever"; the worker's completion unparks it.
        OffloadPool.shared().execute(call);
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
            if (worker[i].getClassName().equals(target.call().type()) && worker[i].getMethodName().equals(target.call().name())) {
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
            if (here[i].getClassName().equals(target.call().type()) && here[i].getMethodName().equals(target.call().name())) {
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
            return "offloaded " + target.call().signature();
        }
    }
}
