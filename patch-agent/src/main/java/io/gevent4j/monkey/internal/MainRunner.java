package io.gevent4j.monkey.internal;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.Hub;
import io.gevent4j.core.Strand;

import java.io.IOException;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.jar.Attributes;
import java.util.jar.JarFile;

/**
 * The "main" patch: the program's {@code main} runs as the root greenlet of the main thread's hub
 * ({@code Gevent.run}), so that everything main does (sockets, sleeps, joins) lets the spawned
 * greenlets run.
 *
 * <p>The advice on {@code main} calls {@link #run} when main is entered. The first entry on the
 * program's main thread re-invokes the same method inside a greenlet named like the main thread
 * (where the advice lets the body run) and skips the original body; every other entry runs the body
 * as usual. What main returns or throws comes back unchanged: an exception is rethrown on the main
 * thread with the greenlet's frames below {@code main} removed from its stack trace (and its causes'),
 * so the JVM prints exactly what it prints without the agent and exits with status 1;
 * {@code System.exit} ends the JVM from the greenlet as from the thread.
 */
final class MainRunner {
    /** Where main is expected: a class name and the platform thread that will call it. */
    private record Expected(Thread thread, AtomicBoolean started) {
    }

    private final Map<String, Expected> expected = new ConcurrentHashMap<>();
    /** The root greenlet's own (virtual) thread -> the platform thread main was called on, while main runs. */
    private final Map<Thread, Thread> running = new ConcurrentHashMap<>();
    private final Instrumentation inst;
    private final ThreadPatch threads;
    private final LongAdder hits;

    MainRunner(Instrumentation inst, ThreadPatch threads, LongAdder hits) {
        this.inst = inst;
        this.threads = threads;
        this.hits = hits;
    }

    /**
     * Expects {@code className.main} to be called on {@code thread}; its first call there runs as a
     * greenlet.
     *
     * @param className the class
     * @param thread the thread
     */
    void expect(String className, Thread thread) {
        expected.put(className, new Expected(thread, new AtomicBoolean()));
    }

    /**
     * Finds the program's main class from the launcher's {@code sun.java.command}: a class name, a
     * {@code module/class}, or a jar whose manifest names it.
     *
     * @return the class name, or {@code null} if the launcher did not say
     */
    static String mainClassName() {
        String command = System.getProperty("sun.java.command");
        if (command == null || command.isBlank()) {
            return null;
        }
        String first = command.strip().split("\\s+", 2)[0];
        if (first.endsWith(".jar")) {
            try (JarFile jar = new JarFile(first)) {
                return jar.getManifest() == null ? null : jar.getManifest().getMainAttributes().getValue(Attributes.Name.MAIN_CLASS);
            } catch (IOException e) {
                return null;
            }
        }
        int slash = first.indexOf('/');
        return slash >= 0 ? first.substring(slash + 1) : first;
    }

    boolean run(Class<?> type, Object self, Object[] args) throws Throwable {
        Expected where = expected.get(type.getName());
        if (where == null || Thread.currentThread() != where.thread() || Greenlet.current() != null
                || !where.started().compareAndSet(false, true)) {
            return false;
        }
        hits.increment();
        Method main = args.length == 0 ? type.getDeclaredMethod("main") : type.getDeclaredMethod("main", String[].class);
        openToAgent(type);
        main.setAccessible(true);
        String threadName = Thread.currentThread().getName();
        try {
            Thread caller = Thread.currentThread();
            Gevent.run(() -> {
                Greenlet.current().name(threadName);
                running.put(Thread.currentThread(), caller);
                try {
                    main.invoke(self, args);
                } catch (InvocationTargetException e) {
                    throw Strand.<Exception>sneakyThrow(e.getCause());
                } finally {
                    running.remove(Thread.currentThread());
                }
                return null;
            });
        } catch (Throwable error) {
            trim(error, type.getName(), Collections.newSetFromMap(new IdentityHashMap<>()));
            Hub hub = Hub.currentOrNull();
            if (hub != null && threads.hasNonDaemon(hub)) {
                // As the JVM does: report main's exception now, let the non-daemon threads finish, exit 1.
                Thread me = Thread.currentThread();
                me.getUncaughtExceptionHandler().uncaughtException(me, error);
                threads.awaitNonDaemon(hub);
                me.setUncaughtExceptionHandler((t, e) -> { });
            }
            throw error;
        }
        Hub hub = Hub.currentOrNull();
        if (hub != null) {
            threads.awaitNonDaemon(hub);
        }
        return true;
    }

    /**
     * @param greenletThread the current thread of a greenlet
     * @return the platform thread whose main that greenlet runs, or {@code null}
     */
    Thread platformThreadOf(Thread greenletThread) {
        return running.get(greenletThread);
    }

    private void openToAgent(Class<?> type) {
        Module module = type.getModule();
        Module agent = MainRunner.class.getModule();
        String pkg = type.getPackageName();
        // inst is null in the patched launch, which runs class-path programs only (unnamed modules)
        if (inst != null && module.isNamed() && !module.isOpen(pkg, agent)) {
            inst.redefineModule(module, Set.of(), Map.of(), Map.of(pkg, Set.of(agent)), Set.of(), Map.of());
        }
    }

    /**
     * Cuts every frame below the outermost {@code className.main} frame from the stack traces of
     * {@code error}, its causes and suppressed exceptions.
     */
    static void trim(Throwable error, String className, Set<Throwable> seen) {
        if (error == null || !seen.add(error)) {
            return;
        }
        StackTraceElement[] frames = error.getStackTrace();
        for (int i = frames.length - 1; i >= 0; i--) {
            if (frames[i].getClassName().equals(className) && frames[i].getMethodName().equals("main")) {
                if (i < frames.length - 1) {
                    error.setStackTrace(Arrays.copyOf(frames, i + 1));
                }
                break;
            }
        }
        trim(error.getCause(), className, seen);
        for (Throwable suppressed : error.getSuppressed()) {
            trim(suppressed, className, seen);
        }
    }
}
