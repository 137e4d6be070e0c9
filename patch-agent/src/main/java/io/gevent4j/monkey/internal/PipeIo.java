package io.gevent4j.monkey.internal;

import io.gevent4j.spi.AgentSupport;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Pipes, FIFOs, terminals and sockets read or written through {@code FileInputStream} /
 * {@code FileOutputStream} ({@code Process} streams, {@code System.in}, a FIFO once open): the greenlet
 * waits for readiness in its hub's own epoll, as a socket does, instead of holding an offload thread
 * until the peer writes. 200 children's pipes then need no thread each.
 *
 * <p>The descriptor stays in blocking mode, as the JDK and other processes sharing it (a terminal, the
 * shell's stdin) expect: {@code O_NONBLOCK} is a flag of the open file description, shared with every
 * process holding it, so setting it would break them. Instead each call is <em>poll, then a read that
 * cannot block</em>:
 * <ul>
 *   <li>read: {@code poll(fd, POLLIN, 0)}; if not ready, wait in the hub's epoll and poll again (a
 *       readiness event may be stale by the time the greenlet runs, so it is never trusted on its
 *       own). Once ready, read at most {@code available()} bytes ({@code FIONREAD}), which the kernel
 *       has already: the read returns at once. Ready with nothing available is end of file (all
 *       writers gone, or ^D on a terminal): the read returns at once too.</li>
 *   <li>write: {@code poll(fd, POLLOUT, 0)}, else wait in epoll; then write at most
 *       {@value #PIPE_BUF} bytes (Linux reports a pipe writable when it has room for at least that
 *       much, and writes of up to {@code PIPE_BUF} are atomic), and repeat until all is written.</li>
 * </ul>
 * What is left: another process consuming the same pipe between the poll and the read (two readers of
 * one shared stdin) can make the read block; so can a writer's peer that shrinks the pipe meanwhile.
 * A wait in epoll is at most {@link #SLICE_NANOS} long, then the descriptor's validity is re-checked,
 * so a {@code close()} by another greenlet (which epoll does not report) is seen within that time.
 * Interrupts do not end the wait, as they do not end the JDK's blocking read; the status is kept.
 */
final class PipeIo {
    /** Linux's {@code PIPE_BUF}: a pipe reported writable has room for at least this many bytes. */
    static final int PIPE_BUF = 4096;
    static final long SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    private static final int EPOLLIN = 1;
    private static final int EPOLLOUT = 4;
    private static final int S_IFMT = 0170000;
    private static final int S_IFIFO = 0010000;
    private static final int S_IFCHR = 0020000;
    private static final int S_IFSOCK = 0140000;

    private static final VarHandle FD;
    private static final MethodHandle POLL;
    private static final MethodHandle FSTAT;
    private static final MethodHandle MODE;
    private static final MethodHandle RDEV;
    private static final short POLLIN;
    private static final short POLLOUT;

    static {
        try {
            FD = MethodHandles.privateLookupIn(FileDescriptor.class, MethodHandles.lookup())
                    .findVarHandle(FileDescriptor.class, "fd", int.class);
            Class<?> net = Class.forName("sun.nio.ch.Net", false, null);
            MethodHandles.Lookup netLookup = MethodHandles.privateLookupIn(net, MethodHandles.lookup());
            POLL = netLookup.findStatic(net, "poll", MethodType.methodType(int.class, FileDescriptor.class, int.class, long.class));
            POLLIN = (short) netLookup.findStaticGetter(net, "POLLIN", short.class).invokeExact();
            POLLOUT = (short) netLookup.findStaticGetter(net, "POLLOUT", short.class).invokeExact();
            Class<?> attrs = Class.forName("sun.nio.fs.UnixFileAttributes", false, null);
            MethodHandles.Lookup attrsLookup = MethodHandles.privateLookupIn(attrs, MethodHandles.lookup());
            FSTAT = attrsLookup.findStatic(attrs, "get", MethodType.methodType(attrs, int.class))
                    .asType(MethodType.methodType(Object.class, int.class));
            MODE = attrsLookup.findVirtual(attrs, "mode", MethodType.methodType(int.class))
                    .asType(MethodType.methodType(int.class, Object.class));
            RDEV = attrsLookup.findVirtual(attrs, "rdev", MethodType.methodType(long.class))
                    .asType(MethodType.methodType(long.class, Object.class));
        } catch (Throwable t) {
            throw new ExceptionInInitializerError("gevent4j: the file patch cannot reach sun.nio.ch.Net.poll or"
                    + " sun.nio.fs.UnixFileAttributes on JDK " + Runtime.version() + ": " + t);
        }
    }

    /** Whether a descriptor can wait in epoll; weak keys, identity of the {@code FileDescriptor} object. */
    private static final Map<FileDescriptor, Boolean> POLLABLE = Collections.synchronizedMap(new WeakHashMap<>());

    private final MethodHandle readRange;
    private final MethodHandle readOne;
    private final MethodHandle writeRange;

    /**
     * @param readRange the original {@code FileInputStream.read(byte[], int, int)} as (self, Object[])
     * @param readOne the original {@code FileInputStream.read()}
     * @param writeRange the original {@code FileOutputStream.write(byte[], int, int)}
     */
    PipeIo(MethodHandle readRange, MethodHandle readOne, MethodHandle writeRange) {
        this.readRange = readRange;
        this.readOne = readOne;
        this.writeRange = writeRange;
    }

    /**
     * Whether {@code fd} is a pipe, a FIFO, a socket or a terminal: kinds that epoll can wait on and
     * whose readiness means a bounded read or write does not block. Regular files (always "ready", yet
     * their reads can stall on a slow disk) and other devices are not.
     */
    static boolean pollable(FileDescriptor fd) {
        Boolean known = POLLABLE.get(fd);
        if (known != null) {
            return known;
        }
        boolean pollable;
        try {
            Object attrs = FSTAT.invokeExact((int) FD.get(fd));
            int kind = (int) MODE.invokeExact(attrs) & S_IFMT;
            pollable = kind == S_IFIFO || kind == S_IFSOCK || (kind == S_IFCHR && isTerminal((long) RDEV.invokeExact(attrs)));
        } catch (Throwable notOpen) {
            return false; // closed or invalid: the original body reports it
        }
        POLLABLE.put(fd, pollable);
        return pollable;
    }

    /** Linux terminal majors: 4 (virtual consoles, serial), 5 (/dev/tty, /dev/console, /dev/ptmx), 136–143 (pseudo-terminals). */
    private static boolean isTerminal(long rdev) {
        long major = ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL);
        return major == 4 || major == 5 || (major >= 136 && major <= 143);
    }

    /**
     * A patched {@code FileInputStream.read} in a greenlet on a pollable descriptor.
     *
     * @param in the stream
     * @param descriptor the patched method's descriptor: {@code ()I}, {@code ([B)I} or {@code ([BII)I}
     * @param args its arguments
     * @return the read's result; {@code null} if it cannot wait in the hub's epoll (the caller offloads)
     */
    Object read(FileInputStream in, String descriptor, Object[] args) throws Throwable {
        FileDescriptor fd = in.getFD();
        byte[] b = null;
        int off = 0;
        int len = 1;
        if (!descriptor.equals("()I")) {
            b = Objects.requireNonNull((byte[]) args[0]);
            if (args.length == 3) {
                off = (Integer) args[1];
                len = (Integer) args[2];
                Objects.checkFromIndexSize(off, len, b.length);
            } else {
                len = b.length;
            }
            if (len == 0) {
                return 0;
            }
        }
        if (!awaitReady(fd, POLLIN, EPOLLIN)) {
            return null;
        }
        if (b == null) {
            return (Object) readOne.invokeExact((Object) in, new Object[0]);
        }
        int available = Math.max(1, in.available()); // 0 while ready: end of file, the read returns at once
        return (Object) readRange.invokeExact((Object) in, new Object[] {b, off, Math.min(len, available)});
    }

    /**
     * A patched {@code FileOutputStream.write} in a greenlet on a pollable descriptor.
     *
     * @param out the stream
     * @param descriptor {@code (I)V}, {@code ([B)V} or {@code ([BII)V}
     * @param args its arguments
     * @return true if written; false if it cannot wait in the hub's epoll (the caller offloads; nothing was written)
     */
    boolean write(FileOutputStream out, String descriptor, Object[] args) throws Throwable {
        FileDescriptor fd = out.getFD();
        byte[] b;
        int off = 0;
        int len;
        if (descriptor.equals("(I)V")) {
            b = new byte[] {(byte) (int) (Integer) args[0]};
            len = 1;
        } else {
            b = Objects.requireNonNull((byte[]) args[0]);
            len = b.length;
            if (args.length == 3) {
                off = (Integer) args[1];
                len = (Integer) args[2];
                Objects.checkFromIndexSize(off, len, b.length);
            }
        }
        boolean first = true;
        do {
            if (!awaitReady(fd, POLLOUT, EPOLLOUT)) {
                if (first) {
                    return false;
                }
                throw new IllegalStateException("gevent4j: the hub's epoll became unavailable in the middle of a"
                        + " pipe write");
            }
            first = false;
            int chunk = Math.min(len, PIPE_BUF);
            Object unused = (Object) writeRange.invokeExact((Object) out, new Object[] {b, off, chunk});
            off += chunk;
            len -= chunk;
        } while (len > 0);
        return true;
    }

    /**
     * Returns once {@code poll(2)} says {@code fd} is ready (or errored or hung up: the original call
     * then reports it at once), the descriptor is closed (the original call says so), waiting in the
     * hub's epoll meanwhile.
     *
     * @return false if the greenlet cannot wait in its hub's epoll (hub poller off, or another
     *         greenlet of this hub already waits on this descriptor the same way)
     */
    private static boolean awaitReady(FileDescriptor fd, short pollEvent, int epollEvent) throws Throwable {
        boolean interrupted = false;
        try {
            while (fd.valid() && (int) POLL.invokeExact(fd, (int) pollEvent, 0L) == 0) {
                if (Thread.interrupted()) {
                    interrupted = true; // a blocking read goes on when interrupted; so does this wait
                }
                try {
                    if (!AgentSupport.waitForFd((int) FD.get(fd), epollEvent, SLICE_NANOS, fd::valid)) {
                        return false;
                    }
                } catch (IllegalStateException sameFdTwice) {
                    // The hub's epoll holds one reader and one writer per descriptor; a second greenlet
                    // reading the same pipe (two readers of System.in) takes an offload thread instead.
                    return false;
                }
            }
            return true;
        } finally {
            if (interrupted || Thread.interrupted()) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** {@return whether {@code self} is a stream on a pollable descriptor; false if it has none (closed)} */
    static boolean isPollableStream(Object self) {
        try {
            if (self instanceof FileInputStream in) {
                return pollable(in.getFD());
            }
            if (self instanceof FileOutputStream out) {
                return pollable(out.getFD());
            }
        } catch (IOException closed) {
            return false;
        }
        return false;
    }
}
