package io.gevent4j.monkey.boot;

import java.io.FileDescriptor;
import java.io.IOException;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * What the agent's advice calls, found through {@link Dispatch#hooks()}: implemented by the agent (loaded by the
 * application class loader), reached from JDK classes through this interface, which lives in the
 * bootstrap class loader so that {@code java.lang.Thread} and {@code java.io.FileInputStream} can see it.
 *
 * <p>Every method returns "not handled" on a thread that has no hub, so the patched JDK method then
 * runs its original body unchanged.
 */
public interface Hooks {
    /**
     * {@code Thread.sleep} in any form, after the JDK checked its arguments.
     *
     * @param nanos how long
     * @return true if the sleep was done cooperatively (the JDK body is skipped)
     * @throws InterruptedException if interrupted while sleeping
     */
    boolean sleep(long nanos) throws InterruptedException;

    /**
     * {@code Thread.yield()}.
     *
     * @return true if handled (the JDK body is skipped)
     */
    boolean yieldNow();

    /**
     * A blocking JDK call (file, pipe, DNS) that should run on the hub's thread pool.
     *
     * @param id the patched method's id, fixed when the agent wove it
     * @param self the receiver, or {@code null} for a static method
     * @param args the arguments
     * @return {@code null} if not handled (the method's body then runs here); otherwise the call's outcome
     * @throws Throwable what the call threw
     */
    Offloaded offload(int id, Object self, Object[] args) throws Throwable;

    /**
     * {@code Thread.start()} of a platform thread.
     *
     * @param thread the thread being started
     * @return true if it was started as a greenlet instead
     */
    boolean threadStart(Thread thread);

    /**
     * {@code Thread.join(long)}.
     *
     * @param thread the thread joined
     * @param millis the timeout, 0 for none
     * @return true if handled
     * @throws InterruptedException if interrupted while waiting
     */
    boolean threadJoin(Thread thread, long millis) throws InterruptedException;

    /**
     * {@code Thread.join(Duration)}.
     *
     * @param thread the thread joined
     * @param timeout the timeout
     * @return {@code null} if not handled, else the result of the join
     * @throws InterruptedException if interrupted while waiting
     */
    Boolean threadJoin(Thread thread, Duration timeout) throws InterruptedException;

    /**
     * {@code Thread.isAlive()}.
     *
     * @param thread the thread
     * @return {@code null} if not handled, else whether it is alive
     */
    Boolean threadAlive(Thread thread);

    /**
     * {@code Thread.interrupt()}.
     *
     * @param thread the thread
     * @return true if handled
     */
    boolean threadInterrupt(Thread thread);

    /**
     * The program's {@code main} method was entered.
     *
     * @param type the class declaring it
     * @param self the instance for an instance main, else {@code null}
     * @param args the arguments (empty for {@code main()})
     * @return true if main already ran (as the root greenlet); false to run the body here
     * @throws Throwable what main threw
     */
    boolean runMain(Class<?> type, Object self, Object[] args) throws Throwable;

    /**
     * A platform {@code Thread} was constructed. The JDK gives it the daemon status of the thread
     * that constructs it, and a greenlet, being a virtual thread, is always a daemon: so a plain
     * {@code new Thread(r)} in main (the root greenlet) would be a daemon thread that the JVM does not
     * wait for. The agent answers the daemon status of the thread the greenlet stands for.
     *
     * @param created the new thread (not started)
     * @return the daemon status it should have, or {@code null} to leave it
     */
    Boolean newThreadDaemon(Thread created);

    /**
     * {@code sun.nio.ch.Poller.poll(int, int, long, BooleanSupplier)}: a virtual thread waits for a
     * socket to be ready.
     *
     * @param fd the file descriptor
     * @param event {@code Net.POLLIN} (1) or {@code Net.POLLOUT} (4)
     * @param nanos the longest wait, 0 for no limit
     * @param isOpen whether the socket is still open
     * @return true if the wait was done in the greenlet's hub's own epoll (the JDK body is skipped)
     * @throws IOException if registering the fd failed
     */
    boolean poll(int fd, int event, long nanos, BooleanSupplier isOpen) throws IOException;

    /**
     * {@code sun.nio.ch.Poller.pollSelector(int, long)}: a virtual thread in {@code Selector.select}
     * waits for the selector's own epoll descriptor to become readable (a registered channel is ready,
     * or {@code wakeup()} wrote the selector's eventfd).
     *
     * @param fd the selector's epoll file descriptor
     * @param nanos the longest wait, 0 for no limit
     * @return true if the wait was done in the greenlet's hub's own epoll (the JDK body is skipped)
     * @throws IOException if registering the fd failed
     */
    boolean pollSelector(int fd, long nanos) throws IOException;

    /**
     * {@code sun.nio.ch.Poller.stopPoll(int, int)}: a socket is being closed or shut down; wake the
     * greenlets waiting on it in a hub's epoll. The JDK body runs afterwards too.
     *
     * @param fd the file descriptor
     * @param event 1 or 4
     */
    void stopPoll(int fd, int event);

    /**
     * {@code sun.nio.ch.UnixDispatcher.close(FileDescriptor)}: the JDK is about to close a socket's fd
     * (no I/O is in progress on it); hubs that keep the fd registered in their epoll must register a
     * socket that reuses the number afresh. The JDK body runs afterwards.
     *
     * @param fd the socket's file descriptor, still open
     */
    void socketClosing(FileDescriptor fd);

    /**
     * {@code sun.nio.ch.NioSocketImpl.tryRead}, before its syscall: whether the read would find nothing
     * (the hub knows the socket's receive queue is empty and no data came since).
     *
     * @param fd the socket's file descriptor
     * @return true to skip the syscall and report {@code IOStatus.UNAVAILABLE} (the JDK then waits)
     */
    boolean socketReadWouldBlock(FileDescriptor fd);

    /**
     * {@code sun.nio.ch.NioSocketImpl.tryRead} returned.
     *
     * @param fd the socket's file descriptor
     * @param n the bytes read, or the JDK's {@code IOStatus} code
     * @param len the bytes asked for
     */
    void socketReadReturned(FileDescriptor fd, int n, int len);

    /**
     * {@code VirtualThread.parkOnCarrierThread}: the current virtual thread could not unmount to park.
     *
     * @return true if the park was handled (a greenlet pinned while it waits in its hub's epoll waits
     *         there on the hub's thread); the JDK body is then skipped
     */
    boolean parkPinned();

    /**
     * {@code VirtualThread.parkOnCarrierThread}, when {@link #parkPinned} did not handle the park: the
     * current virtual thread could not unmount to park; if it is a greenlet parked until a deadline (a
     * hub sleep), its hub's timer cannot fire while it blocks the hub's thread, so the carrier is parked
     * until the deadline instead.
     *
     * @return the nanoseconds left until the deadline (at least 0), or -1 if the current thread is not a
     *         greenlet parked until a deadline (the park is left as it is)
     */
    long pinnedParkNanos();
}
