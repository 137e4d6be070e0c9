package io.gevent4j.monkey.internal;


import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Properties;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * The main class of the patched launch: a JVM started with a cache's {@code jvm.args} (the JDK
 * classes woven ahead of time by {@link AheadOfTime}, the dispatcher on the boot class path) and
 * no agent. It installs the same hooks as the agent, runs the same self-test (a patch that did not
 * take ends the JVM with one sentence and exit status 1, before main), then runs the program's
 * main as the root greenlet of the main thread's hub, as the agent's main patch does.
 *
 * <p>Usage: {@code java @<cache>/jvm.args -cp <app>:gevent4j-agent.jar
 * io.gevent4j.monkey.internal.PatchedLaunch <main-class> [args]} (or {@code -jar app.jar [args]} in place
 * of the main class, with app.jar on the class path); {@code ./gevent4j} builds the cache and this command
 * line. The agent options ({@code -Dgevent4j.options}) are in {@code jvm.args}: the cache was woven for them.
 */
public final class PatchedLaunch {
    /** The system property holding the agent options ({@code nosleep}, {@code threads}, ...), set in {@code jvm.args}. */
    public static final String OPTIONS_PROPERTY = "gevent4j.options";

    private PatchedLaunch() {
    }

    /**
     * Installs the patches' hooks, then runs {@code args[0]}'s main with the other arguments.
     *
     * @param args the main class, then the program's arguments
     * @throws Throwable what the program's main throws, unchanged
     */
    public static void main(String[] args) throws Throwable {
        if (args.length < 1) {
            System.err.println("usage: java @<cache>/jvm.args -cp <class-path>:gevent4j-agent.jar "
                    + PatchedLaunch.class.getName() + " <main-class> [args]");
            System.exit(2);
        }
        Failure.patchedLaunch = true;
        Options options;
        try {
            options = Options.parse(System.getProperty(OPTIONS_PROPERTY));
        } catch (IllegalArgumentException e) {
            Failure.exitAtStartup(e.getMessage());
            return;
        }
        long start = System.nanoTime();
        CooperativeHooks hooks;
        try {
            checkCache(options);
            hooks = Installer.installWoven(options);
        } catch (PatchFailure e) {
            Failure.exitAtStartup(e.getMessage());
            return;
        }
        if (options.verbose()) {
            System.err.println("gevent4j patched launch: installed " + String.join(",", options.patches()) + " on JDK "
                    + Runtime.version() + " in " + (System.nanoTime() - start) / 1_000_000 + " ms, from "
                    + System.getProperty(AheadOfTime.DIR_PROPERTY));
        }
        String className = args[0];
        String[] programArgs = Arrays.copyOfRange(args, 1, args.length);
        if (className.equals("-jar")) {
            if (args.length < 2) {
                Failure.exitAtStartup("gevent4j: -jar needs a jar file after it");
            }
            className = mainClassOfJar(args[1]);
            programArgs = Arrays.copyOfRange(args, 2, args.length);
        }
        Class<?> type;
        try {
            // initialized here, on the platform thread, as the Java launcher does before main is entered
            type = Class.forName(className, true, ClassLoader.getSystemClassLoader());
        } catch (ClassNotFoundException e) {
            Failure.exitAtStartup("gevent4j: could not find or load main class " + className + " on the class path "
                    + System.getProperty("java.class.path") + "; check the class name and the class path");
            return;
        }
        Method main = findMain(type);
        Object self = Modifier.isStatic(main.getModifiers()) ? null : instantiate(type);
        Object[] mainArgs = main.getParameterCount() == 0 ? new Object[0] : new Object[] {programArgs};
        if (options.has(Patches.MAIN)) {
            hooks.main.expect(className, Thread.currentThread());
            if (hooks.main.run(type, self, mainArgs)) {
                return;
            }
        }
        main.setAccessible(true);
        try {
            main.invoke(self, mainArgs);
        } catch (InvocationTargetException e) {
            Throwable error = e.getCause();
            MainRunner.trim(error, className, Collections.newSetFromMap(new IdentityHashMap<>()));
            throw error;
        }
    }

    private static String mainClassOfJar(String jar) {
        try (JarFile file = new JarFile(jar)) {
            Manifest manifest = file.getManifest();
            String main = manifest == null ? null : manifest.getMainAttributes().getValue(Attributes.Name.MAIN_CLASS);
            if (main == null || main.isBlank()) {
                Failure.exitAtStartup("gevent4j: no main manifest attribute, in " + jar + "; name the main class"
                        + " instead: ./gevent4j run <main-class> with the jar on CLASSPATH");
            }
            return main.strip();
        } catch (IOException e) {
            Failure.exitAtStartup("gevent4j: cannot read the jar " + jar + " (" + e + ")");
            throw new IllegalStateException("unreachable: exitAtStartup returned");
        }
    }

    /**
     * Checks that this JVM was started from an intact cache woven for these options on this JDK build.
     */
    private static void checkCache(Options options) {
        String dir = System.getProperty(AheadOfTime.DIR_PROPERTY);
        Class<?> dispatch = BootClasses.findDefined(BootClasses.DISPATCH);
        if (dir == null || dispatch == null) {
            throw new PatchFailure("gevent4j: " + PatchedLaunch.class.getName() + " runs only in a JVM started"
                    + " with the options of a patched-launch cache (java @<cache>/jvm.args, see"
                    + " docs/how-the-agent-works.md); start the program with ./gevent4j run, or with"
                    + " -javaagent:gevent4j-agent.jar and its own main class.");
        }
        Properties recorded;
        try {
            recorded = AheadOfTime.record(Path.of(dir));
        } catch (IOException e) {
            throw new PatchFailure("gevent4j: the patched-launch cache " + dir + " is unreadable (" + e
                    + "); delete that directory and start again (./gevent4j weaves it anew).", e);
        }
        String runtime = System.getProperty("java.runtime.version");
        if (!runtime.equals(recorded.getProperty("java.runtime.version"))
                || !AheadOfTime.FORMAT.equals(recorded.getProperty("format"))) {
            throw new PatchFailure("gevent4j: the patched-launch cache " + dir + " was woven for JDK "
                    + recorded.getProperty("java.runtime.version") + " but this JVM is " + runtime + " ("
                    + System.getProperty("java.home") + "); its classes must not be used on another JDK build:"
                    + " start through ./gevent4j, which keeps one cache per JDK build.");
        }
        if (!AheadOfTime.agentFingerprint().equals(recorded.getProperty("agent.fingerprint"))) {
            throw new PatchFailure("gevent4j: the patched-launch cache " + dir + " was woven by another build of"
                    + " gevent4j-agent.jar than the one on the class path (" + PatchedLaunch.class.getProtectionDomain()
                    .getCodeSource().getLocation() + "); weave one for this jar (java -cp gevent4j-agent.jar "
                    + AheadOfTime.class.getName() + " <dir>), or start through ./gevent4j, which keeps one cache per agent jar.");
        }
        String patches = String.join(",", options.patches());
        if (!patches.equals(recorded.getProperty("patches"))) {
            throw new PatchFailure("gevent4j: the patched-launch cache " + dir + " holds the patches "
                    + recorded.getProperty("patches") + " but the options '" + options.text() + "' ask for " + patches
                    + "; start through ./gevent4j, which keeps one cache per option set.");
        }
    }

    /**
     * The main method the Java launcher would pick (JEP 512): a non-private {@code main(String[])},
     * else {@code main()}, static or instance, declared by the class.
     */
    private static Method findMain(Class<?> type) {
        for (Class<?>[] params : new Class<?>[][] {{String[].class}, {}}) {
            try {
                Method m = type.getDeclaredMethod("main", params);
                if (!Modifier.isPrivate(m.getModifiers()) && m.getReturnType() == void.class) {
                    return m;
                }
            } catch (NoSuchMethodException next) {
                // try the next form
            }
        }
        Failure.exitAtStartup("gevent4j: the main class " + type.getName() + " declares no main method the patched launch"
                + " can run (a non-private void main(String[]) or main(), static or instance); an inherited main is"
                + " not run: declare it in " + type.getSimpleName());
        throw new IllegalStateException("unreachable: exitAtStartup returned");
    }

    private static Object instantiate(Class<?> type) throws Throwable {
        Constructor<?> constructor;
        try {
            constructor = type.getDeclaredConstructor();
        } catch (NoSuchMethodException e) {
            Failure.exitAtStartup("gevent4j: the main class " + type.getName() + " has an instance main method but no"
                    + " constructor without parameters to create it with");
            throw new IllegalStateException("unreachable: exitAtStartup returned");
        }
        constructor.setAccessible(true);
        try {
            return constructor.newInstance();
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
