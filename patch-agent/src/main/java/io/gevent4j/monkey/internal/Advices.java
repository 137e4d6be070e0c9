package io.gevent4j.monkey.internal;

import io.gevent4j.monkey.boot.Dispatch;
import io.gevent4j.monkey.boot.Hooks;
import io.gevent4j.monkey.boot.Offloaded;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

import java.io.FileDescriptor;
import java.io.IOException;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * The advice the agent inlines into JDK methods (and into the program's main). Each advice takes the
 * installed {@link Hooks} from {@link Dispatch} (both bootstrap-loaded: inlined code runs in the JDK
 * class and can see nothing else) and calls its hook, which decides and does the cooperative version:
 * one call from the patched method to the agent's code, which then calls the hub. Without hooks the
 * advice does nothing. An enter advice that returns a non-default value skips the original body.
 */
final class Advices {
    private Advices() {
    }

    /**
     * The id of the offloaded method the advice is woven into (its index in {@link Patches#OFFLOADED}),
     * bound as a constant at weaving: the call finds its method by array index, not by name.
     */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.PARAMETER)
    @interface OffloadId {
    }

    /** {@code Thread.sleepNanos(long)}, the private method every {@code Thread.sleep} overload ends in. */
    static final class Sleep {
        private Sleep() {
        }

        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
        static boolean enter(@Advice.Argument(0) long nanos) throws InterruptedException {
            Hooks hooks = Dispatch.hooks();
            return hooks != null && hooks.sleep(nanos);
        }
    }

    /** {@code Thread.yield()}. */
    static final class Yield {
        private Yield() {
        }

        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
        static boolean enter() {
            Hooks hooks = Dispatch.hooks();
            return hooks != null && hooks.yieldNow();
        }
    }

    /** A blocking method with a result, run on the hub's thread pool when called in a greenlet. */
    static final class OffloadValue {
        private OffloadValue() {
        }

        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
        static Offloaded enter(@OffloadId int id, @Advice.This(optional = true) Object self,
                               @Advice.AllArguments Object[] args) throws Throwable {
            Hooks hooks = Dispatch.hooks();
            return hooks == null ? null : hooks.offload(id, self, args);
        }

        @Advice.OnMethodExit
        static void exit(@Advice.Enter Offloaded outcome,
                         @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC) Object value) {
            if (outcome != null) {
                value = outcome.value();
            }
        }
    }

    /** A blocking void method, run on the hub's thread pool when called in a greenlet. */
    static final class OffloadVoid {
        private OffloadVoid() {
        }

        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
        static boolean enter(@OffloadId int id, @Advice.This(optional = true) Object self,
                             @Advice.AllArguments Object[] args) throws Throwable {
            Hooks hooks = Dispatch.hooks();
            return hooks != null && hooks.offload(id, self, args) != null;
        }
    }

    /** {@code Thread.start()} of a platform thread. */
    static final class ThreadStart {
        private ThreadStart() {
        }

        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
        static boolean enter(@Advice.This Thread self) {
            Hooks hooks = Dispatch.hooks();
            return hooks != null && hooks.threadStart(self);
        }
    }

    /** {@code Thread.join(long)}; {@code join()} and {@code join(long, int)} end here for platform threads. */
    static final class ThreadJoin {
        private ThreadJoin() {
        }

        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
        static boolean enter(@Advice.This Thread self, @Advice.Argument(0) long millis) throws InterruptedException {
            Hooks hooks = Dispatch.hooks();
            return hooks != null && hooks.threadJoin(self, millis);
        }
    }

    /** {@code Thread.join(Duration)}. */
    static final class ThreadJoinDuration {
        private ThreadJoinDuration() {
        }

        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
        static Boolean enter(@Advice.This Thread self, @Advice.Argument(0) Duration timeout) throws InterruptedException {
            Hooks hooks = Dispatch.hooks();
            return hooks == null ? null : hooks.threadJoin(self, timeout);
        }

        @Advice.OnMethodExit
        static void exit(@Advice.Enter Boolean handled, @Advice.Return(readOnly = false) boolean value) {
            if (handled != null) {
                value = handled;
            }
        }
    }

    /** {@code Thread.isAlive()}. */
    static final class ThreadAlive {
        private ThreadAlive() {
        }

        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
        static Boolean enter(@Advice.This Thread self) {
            Hooks hooks = Dispatch.hooks();
            return hooks == null ? null : hooks.threadAlive(self);
        }

        @Advice.OnMethodExit
        static void exit(@Advice.Enter Boolean handled, @Advice.Return(readOnly = false) boolean value) {
            if (handled != null) {
                value = handled;
            }
        }
    }

    /** {@code Thread.interrupt()}. */
    static final class ThreadInterrupt {
        private ThreadInterrupt() {
        }

        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
        static boolean enter(@Advice.This Thread self) {
            Hooks hooks = Dispatch.hooks();
            return hooks != null && hooks.threadInterrupt(self);
        }
    }

    /** The program's {@code main}, static or instance, with or without {@code String[]}. */
    static final class Main {
        private Main() {
        }

        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
        static boolean enter(@Advice.Origin Class<?> type, @Advice.This(optional = true) Object self,
                             @Advice.AllArguments Object[] args) throws Throwable {
            Hooks hooks = Dispatch.hooks();
            return hooks != null && hooks.runMain(type, self, args);
        }
    }

    /** The constructor every platform {@code Thread} goes through: fixes the daemon status it inherited from a greenlet. */
    static final class NewThread {
        private NewThread() {
        }

        @Advice.OnMethodExit
        static void exit(@Advice.This Thread self) {
            Hooks hooks = Dispatch.hooks();
            Boolean daemon = hooks == null ? null : hooks.newThreadDaemon(self);
            if (daemon != null) {
                self.setDaemon(daemon);
            }
        }
    }

    /**
     * {@code sun.nio.ch.Poller.poll(int, int, long, BooleanSupplier)}, where every blocking socket of a
     * virtual thread waits for readiness: in a greenlet, the wait is done in its hub's own epoll.
     */
    static final class PollerPoll {
        private PollerPoll() {
        }

        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
        static boolean enter(@Advice.Argument(0) int fd, @Advice.Argument(1) int event, @Advice.Argument(2) long nanos,
                             @Advice.Argument(3) BooleanSupplier isOpen) throws IOException {
            Hooks hooks = Dispatch.hooks();
            return hooks != null && hooks.poll(fd, event, nanos, isOpen);
        }
    }

    /**
     * {@code sun.nio.ch.Poller.pollSelector(int, long)}, where a virtual thread in
     * {@code Selector.select} parks until the selector's epoll descriptor is readable: in a greenlet,
     * the wait is done in its hub's own epoll.
     */
    static final class PollerPollSelector {
        private PollerPollSelector() {
        }

        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
        static boolean enter(@Advice.Argument(0) int fd, @Advice.Argument(1) long nanos) throws IOException {
            Hooks hooks = Dispatch.hooks();
            return hooks != null && hooks.pollSelector(fd, nanos);
        }
    }

    /** {@code sun.nio.ch.Poller.stopPoll(int, int)}: wake greenlets waiting in a hub's epoll, then the JDK's. */
    static final class PollerStopPoll {
        private PollerStopPoll() {
        }

        @Advice.OnMethodEnter
        static void enter(@Advice.Argument(0) int fd, @Advice.Argument(1) int event) {
            Hooks hooks = Dispatch.hooks();
            if (hooks != null) {
                hooks.stopPoll(fd, event);
            }
        }
    }

    /**
     * {@code sun.nio.ch.UnixDispatcher.close(FileDescriptor)}, where the JDK closes every socket and NIO
     * pipe fd: tell the hubs, which keep such fds registered in their epoll between waits, before the fd
     * number can be reused.
     */
    static final class SocketClose {
        private SocketClose() {
        }

        @Advice.OnMethodEnter
        static void enter(@Advice.Argument(0) FileDescriptor fd) {
            Hooks hooks = Dispatch.hooks();
            if (hooks != null) {
                hooks.socketClosing(fd);
            }
        }
    }

    /**
     * {@code sun.nio.ch.NioSocketImpl.tryRead(FileDescriptor, byte[], int, int)}, the non-blocking read
     * of every {@code java.net.Socket}: in a greenlet whose hub knows the socket has nothing to read,
     * the syscall is skipped and "nothing available" ({@code IOStatus.UNAVAILABLE}, -2) returned, so
     * that the JDK's read goes straight to its wait; every read's result is told to the hub.
     */
    static final class SocketTryRead {
        private SocketTryRead() {
        }

        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
        static boolean enter(@Advice.Argument(0) FileDescriptor fd) {
            Hooks hooks = Dispatch.hooks();
            return hooks != null && hooks.socketReadWouldBlock(fd);
        }

        @Advice.OnMethodExit
        static void exit(@Advice.Enter boolean skipped, @Advice.Argument(0) FileDescriptor fd,
                         @Advice.Argument(3) int len, @Advice.Return(readOnly = false) int n) {
            if (skipped) {
                n = -2; // IOStatus.UNAVAILABLE
                return;
            }
            Hooks hooks = Dispatch.hooks();
            if (hooks != null) {
                hooks.socketReadReturned(fd, n, len);
            }
        }
    }

    /**
     * {@code VirtualThread.parkOnCarrierThread(boolean, long)}, where a pinned virtual thread parks its
     * carrier (the hub's thread, for a greenlet), so that its hub cannot run until it returns: a
     * greenlet pinned while waiting in its hub's epoll waits in that epoll instead (else nobody would
     * poll it), and the park permit is consumed as the skipped body would; a greenlet pinned in a hub
     * sleep parks the carrier only until the sleep's deadline (else its hub's timer, which would end
     * the sleep, could never fire). Only pinned parks come here, so unpinned waits pay nothing.
     */
    static final class PinnedPark {
        private PinnedPark() {
        }

        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
        static boolean enter(@Advice.Argument(value = 0, readOnly = false) boolean timed,
                             @Advice.Argument(value = 1, readOnly = false) long nanos,
                             @Advice.FieldValue(value = "parkPermit", readOnly = false) boolean permit) {
            Hooks hooks = Dispatch.hooks();
            if (hooks == null) {
                return false;
            }
            if (hooks.parkPinned()) {
                permit = false;
                return true;
            }
            long left = hooks.pinnedParkNanos();
            if (left >= 0 && (!timed || left < nanos)) {
                timed = true;
                nanos = left; // 0: the body does not park at all
            }
            return false;
        }
    }
}
