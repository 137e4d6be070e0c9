package io.gevent4j.monkey.internal;

import io.gevent4j.spi.AgentSupport;

import java.lang.instrument.Instrumentation;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The install sequence shared by the {@code -javaagent} entry points and {@code Monkey.patchAll()}:
 * <ol>
 *   <li>if the agent is already installed in this JVM (by any copy of it), do nothing;</li>
 *   <li>open {@code java.lang} (the greenlet hook), {@code java.io}, {@code java.net} and
 *       {@code sun.nio.ch} to the agent and the application, so no {@code --add-opens} is needed;</li>
 *   <li>define the dispatcher in the bootstrap class loader;</li>
 *   <li>weave the patches, self-test them, record the install ({@link PatchInstaller}).</li>
 * </ol>
 * This class must not mention the bootstrap dispatcher classes (see {@link BootClasses}).
 */
public final class Installer {
    private Installer() {
    }

    /** {@return the names of all patches, in install order (the agent's table of patches)} */
    public static List<String> patchNames() {
        return Patches.names();
    }

    /** {@return true if the agent is installed in this JVM} */
    public static boolean installed() {
        return BootClasses.defined() && PatchInstaller.installedNames() != null;
    }

    /** {@return the names of the installed patches (empty if not installed)} */
    public static Set<String> patchedNames() {
        if (!BootClasses.defined()) {
            return Set.of();
        }
        String names = PatchInstaller.installedNames();
        if (names == null || names.isEmpty()) {
            return Set.of();
        }
        return Collections.unmodifiableSet(new LinkedHashSet<>(Arrays.asList(names.split(","))));
    }

    /**
     * Installs the hooks of the patched launch, whose patches were woven into the JDK's classes ahead
     * of time ({@link AheadOfTime}) and whose JVM options opened {@code java.base}: the same hooks,
     * self-test and blocking detector as {@link #install}, without an {@link Instrumentation}.
     *
     * @param options the options the cache was woven from
     * @return the hooks, through which the patched launch runs main
     * @throws PatchFailure with one sentence if a patch did not take
     */
    static synchronized CooperativeHooks installWoven(Options options) {
        if (installed()) {
            throw new IllegalStateException("gevent4j: the patches are already installed (" + PatchInstaller.installedNames()
                    + "); the patched launch installs them once, before main");
        }
        for (String pkg : AheadOfTime.OPENED_PACKAGES) {
            if (!Object.class.getModule().isOpen(pkg, Installer.class.getModule())) {
                throw new PatchFailure("gevent4j: java.base does not open " + pkg + " to gevent4j, so this JVM was"
                        + " not started with the patched launch's options (" + String.join(" ", AheadOfTime.addOpensArgs())
                        + "); start it with java @<cache>/jvm.args as ./gevent4j does.");
            }
        }
        if (options.has(Patches.HUBPOLLER) && !AgentSupport.hubPollerAvailable()) {
            throw new PatchFailure(Failure.sentence(Patches.HUBPOLLER, "this JDK has no sun.nio.ch.EPoll"));
        }
        if (options.has(Patches.SELECTOR) && !AgentSupport.hubPollerAvailable()) {
            throw new PatchFailure(Failure.sentence(Patches.SELECTOR, "this JDK has no sun.nio.ch.EPoll"));
        }
        CooperativeHooks hooks = PatchInstaller.installWoven(options);
        if (options.maxBlockingTime() != null) {
            io.gevent4j.monitor.BlockingDetector.start(options.maxBlockingTime());
        }
        return hooks;
    }

    /**
     * Installs the agent once at run time, for {@code Monkey.patchAll}: as {@link #install} without the
     * main patch, a failure given to {@code onFailure} (which turns it into the public exception).
     *
     * @param inst the instrumentation
     * @param optionText the options
     * @param onFailure makes the exception to throw from the one-sentence failure and its cause
     * @param <X> that exception's type
     * @throws X if an option is wrong or a patch did not take
     */
    public static <X extends RuntimeException> void installAtRunTime(Instrumentation inst, String optionText,
            java.util.function.BiFunction<String, Throwable, X> onFailure) {
        try {
            install(inst, optionText, false);
        } catch (PatchFailure e) {
            throw onFailure.apply(e.getMessage(), e.getCause() == null ? e : e.getCause());
        }
    }

    /**
     * Installs the agent once.
     *
     * @param inst the instrumentation
     * @param optionText the options (see {@link Options})
     * @param atStartup true before the program's main runs (premain, Launcher-Agent-Class): only then
     *                  is the main patch installed
     * @return true if installed by this call, false if it was already installed
     * @throws PatchFailure with one sentence if an option is wrong or a patch did not take
     */
    static synchronized boolean install(Instrumentation inst, String optionText, boolean atStartup) {
        Options options;
        try {
            options = Options.parse(optionText);
        } catch (IllegalArgumentException e) {
            throw new PatchFailure(e.getMessage(), e);
        }
        if (installed()) {
            if (options.verbose()) {
                System.err.println("gevent4j agent: already installed (" + PatchInstaller.installedNames()
                        + "); this second install is ignored");
            }
            return false;
        }
        if (!atStartup) {
            options = options.without(Patches.MAIN);
        }
        long start = System.nanoTime();
        String mainClass = null;
        if (options.has(Patches.MAIN)) {
            mainClass = MainRunner.mainClassName();
            if (mainClass == null) {
                throw new PatchFailure(Failure.sentence(Patches.MAIN, "the Java launcher did not name the"
                        + " program's main class (the system property sun.java.command is unset)"));
            }
        }
        if (!inst.isRetransformClassesSupported()) {
            throw new PatchFailure("gevent4j: this JVM does not let agents retransform classes (JDK "
                    + Runtime.version() + "); use an agent jar whose manifest says Can-Retransform-Classes: true"
                    + " (gevent4j-agent.jar does) on a HotSpot JDK 25.");
        }
        Set<Module> openTo = new LinkedHashSet<>();
        openTo.add(Installer.class.getModule());
        openTo.addAll(AgentSupport.modulesUsingJdkInternals());
        openTo.add(ClassLoader.getSystemClassLoader().getUnnamedModule());
        try {
            BootClasses.defineAndOpen(inst, openTo);
        } catch (RuntimeException e) {
            throw new PatchFailure(Failure.sentence(options.installed().getFirst(),
                    "the agent could not open java.base or define its dispatcher (" + e + ")"), e);
        }
        if (options.has(Patches.HUBPOLLER) && !AgentSupport.hubPollerAvailable()) {
            // Not an error: without the JDK's epoll classes (a JDK on another OS) the JDK's pollers serve.
            options = options.without(Patches.HUBPOLLER);
            if (options.verbose()) {
                System.err.println("gevent4j agent: this JDK has no sun.nio.ch.EPoll, so greenlets' socket waits stay"
                        + " with the JDK's pollers (patch hubpoller not installed)");
            }
        }
        if (options.has(Patches.SELECTOR) && !AgentSupport.hubPollerAvailable()) {
            // the same: a greenlet's Selector.select then parks through the JDK's pollers, as plain virtual threads do
            options = options.without(Patches.SELECTOR);
            if (options.verbose()) {
                System.err.println("gevent4j agent: this JDK has no sun.nio.ch.EPoll, so greenlets' Selector.select"
                        + " waits stay with the JDK's pollers (patch selector not installed)");
            }
        }
        String names = PatchInstaller.install(inst, options, Thread.currentThread(), mainClass);
        if (options.maxBlockingTime() != null) {
            io.gevent4j.monitor.BlockingDetector.start(options.maxBlockingTime());
        }
        if (options.verbose()) {
            System.err.println("gevent4j agent: installed " + names + " on JDK " + Runtime.version() + " in "
                    + (System.nanoTime() - start) / 1_000_000 + " ms");
        }
        return true;
    }
}
