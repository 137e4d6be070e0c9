package io.gevent4j.monkey;

import io.gevent4j.monkey.internal.Installer;
import net.bytebuddy.agent.ByteBuddyAgent;

import java.lang.instrument.Instrumentation;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Set;

/**
 * gevent's {@code gevent.monkey}: makes plain blocking Java cooperative, so that code written for
 * threads runs concurrently as greenlets on a hub.
 *
 * <p>The usual way is the agent, which patches before {@code main} and also runs {@code main} itself
 * as a greenlet:
 * <pre>{@code java -javaagent:gevent4j-agent.jar -cp app.jar com.example.Main}</pre>
 * For programs that cannot add a JVM flag, {@link #patchAll()} installs the same patches (all but
 * the main one) from code, by attaching the agent to the running JVM.
 *
 * <p>The patches, by name: {@code sleep} ({@code Thread.sleep}, {@code Thread.yield}), {@code socket}
 * (blocking sockets, cooperative through the JDK's virtual-thread support), {@code hubpoller} (a
 * greenlet's socket readiness waits go to its hub's own epoll instead of the JDK's poller threads;
 * option {@code nohubpoller} turns it off), {@code selector} (a greenlet in {@code Selector.select}
 * waits for the selector in its hub's own epoll; {@code noselector}), {@code file} (file, pipe,
 * process and {@code System.in} streams and {@code FileChannel}, run on the hub's thread pool),
 * {@code dns} ({@code InetAddress} look-ups, on the thread pool), {@code threadscope} (the threads
 * started inside {@code Gevent.startThreadsAsGreenlets(action)} start as greenlets), {@code threads} (opt-in:
 * {@code new Thread(r).start()} starts a greenlet) and {@code main}. A patch changes nothing on a
 * thread that has no hub. See docs/how-the-agent-works.md.
 */
public final class Monkey {
    /** The names of all patches, for {@link #isPatched(String)}. */
    public static final List<String> PATCH_NAMES = Installer.patchNames();

    private Monkey() {
    }

    /**
     * Installs the default patches at run time (gevent's {@code patch_all()}); does nothing if the
     * agent is already installed (by {@code -javaagent} or an earlier call).
     *
     * @throws MonkeyPatchException if the JVM does not allow attaching the agent, or a patch did not take
     */
    public static void patchAll() {
        patchAll("");
    }

    /**
     * Installs the patches at run time with agent options ({@code "threads"}, {@code "nofile"}, ...);
     * does nothing if the agent is already installed. The main patch does not apply: main is already
     * running.
     *
     * @param options comma-separated agent options, as after {@code -javaagent:gevent4j-agent.jar=}
     * @throws MonkeyPatchException if an option is unknown, the JVM does not allow attaching the
     *                              agent, or a patch did not take
     */
    public static synchronized void patchAll(String options) {
        if (Installer.installed()) {
            return;
        }
        Instrumentation inst;
        try {
            inst = ByteBuddyAgent.install();
        } catch (RuntimeException e) {
            throw new MonkeyPatchException(attachFailure(e), e);
        }
        Installer.installAtRunTime(inst, options, MonkeyPatchException::new);
    }

    /**
     * Whether a patch is installed (gevent's {@code is_module_patched}).
     *
     * @param name one of {@link #PATCH_NAMES}
     * @return true if installed
     * @throws IllegalArgumentException for an unknown name
     */
    public static boolean isPatched(String name) {
        if (!PATCH_NAMES.contains(name)) {
            throw new IllegalArgumentException("gevent4j: unknown patch '" + name + "'; the patches are " + PATCH_NAMES);
        }
        return Installer.patchedNames().contains(name);
    }

    /** {@return the names of the installed patches, in install order (empty if none)} */
    public static Set<String> patchedNames() {
        return Installer.patchedNames();
    }

    private static String attachFailure(RuntimeException e) {
        List<String> flags = ManagementFactory.getRuntimeMXBean().getInputArguments();
        String jar = agentJar();
        String fix;
        if (flags.contains("-XX:+DisableAttachMechanism")) {
            fix = "this JVM was started with -XX:+DisableAttachMechanism, which forbids it; remove that flag or start"
                    + " the JVM with -javaagent:" + jar + " instead of calling Monkey.patchAll()";
        } else if (flags.contains("-XX:-EnableDynamicAgentLoading")) {
            fix = "this JVM was started with -XX:-EnableDynamicAgentLoading, which forbids it; remove that flag or start"
                    + " the JVM with -javaagent:" + jar + " instead of calling Monkey.patchAll()";
        } else {
            fix = "start the JVM with -javaagent:" + jar + " instead, or allow attaching to itself with"
                    + " -Djdk.attach.allowAttachSelf=true (this needs a full JDK with the jdk.attach module)";
        }
        return "gevent4j: Monkey.patchAll() could not attach the gevent4j agent to this JVM (" + e.getMessage() + "); "
                + fix + ".";
    }

    private static String agentJar() {
        try {
            var source = Monkey.class.getProtectionDomain().getCodeSource();
            if (source != null && source.getLocation().getPath().endsWith(".jar")) {
                return source.getLocation().getPath();
            }
        } catch (SecurityException e) {
            return "gevent4j-agent.jar";
        }
        return "gevent4j-agent.jar";
    }
}
