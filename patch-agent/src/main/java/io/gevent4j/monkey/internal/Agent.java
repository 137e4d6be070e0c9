package io.gevent4j.monkey.internal;


import java.lang.instrument.Instrumentation;

/**
 * The entry points named in gevent4j-agent.jar's manifest ({@code Premain-Class}, {@code Agent-Class},
 * {@code Launcher-Agent-Class}).
 *
 * <p>At start-up ({@code -javaagent}, or {@code Launcher-Agent-Class} in an executable jar) a patch
 * that did not take ends the JVM with one sentence on stderr and exit status 1, before main runs.
 * Attached to a running JVM, the failure is thrown to the attacher instead.
 */
public final class Agent {
    private Agent() {
    }

    /**
     * {@code -javaagent:gevent4j-agent.jar[=options]}: installs before main.
     *
     * @param options the agent options (see the docs), or {@code null}
     * @param inst the instrumentation
     */
    public static void premain(String options, Instrumentation inst) {
        atStartup(options, inst);
    }

    /**
     * Attached to a running JVM, or started by {@code Launcher-Agent-Class} before the main of an
     * executable jar.
     *
     * @param options the agent options, or {@code null}
     * @param inst the instrumentation
     */
    public static void agentmain(String options, Instrumentation inst) {
        if (calledByLauncher()) {
            atStartup(options, inst);
        } else {
            Installer.install(inst, options, false);
        }
    }

    private static void atStartup(String options, Instrumentation inst) {
        try {
            Installer.install(inst, options, true);
        } catch (PatchFailure e) {
            Failure.exitAtStartup(e.getMessage());
        } catch (RuntimeException | Error e) {
            // A bug in the agent itself: still one sentence, plus the stack for the bug report.
            e.printStackTrace();
            Failure.exitAtStartup("gevent4j: the agent failed to install on JDK " + Runtime.version() + " ("
                    + System.getProperty("java.vendor") + ") with " + e + "; start the program without"
                    + " -javaagent:gevent4j-agent.jar and report this with the stack trace above.");
        }
    }

    /** True when the Java launcher loads the agent before main (Launcher-Agent-Class). */
    private static boolean calledByLauncher() {
        return StackWalker.getInstance().walk(frames -> frames.anyMatch(
                f -> f.getClassName().equals("sun.launcher.LauncherHelper")));
    }
}
