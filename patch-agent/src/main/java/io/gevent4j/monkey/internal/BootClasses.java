package io.gevent4j.monkey.internal;

import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.security.ProtectionDomain;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Puts the dispatcher ({@code io.gevent4j.monkey.boot.Hooks}, {@code Dispatch} and {@code Offloaded}) into the bootstrap
 * class loader, where advice inlined into JDK classes can see it, and lets {@code java.base} read it.
 *
 * <p>The classes are defined directly in the bootstrap loader rather than through
 * {@code Instrumentation.appendToBootstrapClassLoaderSearch}: appending a jar to the bootstrap search
 * path makes HotSpot print "Sharing is only supported for boot loader classes because bootstrap
 * classpath has been appended" on every start, which would change the program's stderr.
 *
 * <p>This class must not mention the boot classes in its code: they must be resolved only after they
 * exist in the bootstrap loader, or the application class loader would load a second copy from the
 * agent jar.
 */
final class BootClasses {
    static final String OFFLOADED = "io.gevent4j.monkey.boot.Offloaded";
    static final String HOOKS = "io.gevent4j.monkey.boot.Hooks";
    static final String DISPATCH = "io.gevent4j.monkey.boot.Dispatch";
    /** The classes put in the bootstrap loader, each before the ones that refer to it. */
    static final List<String> NAMES = List.of(OFFLOADED, HOOKS, DISPATCH);

    private BootClasses() {
    }

    /**
     * The bootstrap loader's copy of a class, if defined.
     *
     * @param name the class name
     * @return the class, or {@code null}
     */
    static Class<?> findDefined(String name) {
        try {
            return Class.forName(name, false, null);
        } catch (ClassNotFoundException notYet) {
            return null;
        }
    }

    /** The java.base packages that greenlets and the hub need opened (the agent opens them to the program). */
    static final java.util.List<String> OPENED_TO_PROGRAM = java.util.List.of("java.lang", "java.io", "java.net", "sun.nio.ch");
    /** The java.base packages only the agent needs: the file patch's opens, metadata calls and fd kinds. */
    static final java.util.List<String> OPENED_TO_AGENT = java.util.List.of("sun.nio.fs");
    /**
     * The package of the JDK's HTTP server (module {@link #HTTP_SERVER_MODULE}) opened to the program: there
     * gevent4j's {@code GeventHttpServer} sets {@code SO_REUSEPORT} on each JDK server's listening channel, so
     * that a hub group runs one JDK server (one dispatcher) per hub on one port.
     */
    static final String HTTP_SERVER_PACKAGE = "sun.net.httpserver";
    static final String HTTP_SERVER_MODULE = "jdk.httpserver";

    /** {@return true once the dispatcher exists in the bootstrap loader} */
    static boolean defined() {
        return findDefined(DISPATCH) != null;
    }

    /**
     * Defines the boot classes (if not yet defined) and opens what the agent and greenlets need.
     *
     * @param inst the instrumentation
     * @param openTo modules that get java.lang, java.io, java.net and sun.nio.ch (and the JDK HTTP server's package) opened to them
     */
    static void defineAndOpen(Instrumentation inst, Set<Module> openTo) {
        Module javaBase = Object.class.getModule();
        Module agent = BootClasses.class.getModule();
        Map<String, Set<Module>> opens = new java.util.HashMap<>();
        OPENED_TO_PROGRAM.forEach(pkg -> opens.put(pkg, openTo));
        OPENED_TO_AGENT.forEach(pkg -> opens.put(pkg, Set.of(agent)));
        inst.redefineModule(javaBase, Set.of(), Map.of("jdk.internal.misc", Set.of(agent)), opens, Set.of(), Map.of());
        for (String name : NAMES) {
            if (findDefined(name) == null) {
                define(name);
            }
        }
        Module bootUnnamed = findDefined(DISPATCH).getModule();
        inst.redefineModule(javaBase, Set.of(bootUnnamed), Map.of(), Map.of(), Set.of(), Map.of());
        // absent only from a JVM started with a smaller module graph (--limit-modules, jlink): nothing to open then
        ModuleLayer.boot().findModule(HTTP_SERVER_MODULE).ifPresent(httpServer -> inst.redefineModule(httpServer,
                Set.of(), Map.of(), Map.of(HTTP_SERVER_PACKAGE, openTo), Set.of(), Map.of()));
    }

    private static void define(String name) {
        byte[] bytes = read(name);
        try {
            Class<?> unsafeClass = Class.forName("jdk.internal.misc.Unsafe");
            Object unsafe = unsafeClass.getMethod("getUnsafe").invoke(null);
            Method defineClass = unsafeClass.getMethod("defineClass", String.class, byte[].class, int.class,
                    int.class, ClassLoader.class, ProtectionDomain.class);
            defineClass.invoke(unsafe, name, bytes, 0, bytes.length, null, null);
        } catch (InvocationTargetException e) {
            throw new IllegalStateException("gevent4j: defining " + name + " in the bootstrap class loader failed", e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("gevent4j: jdk.internal.misc.Unsafe.defineClass is not available on JDK "
                    + Runtime.version() + ", so the agent cannot put its dispatcher in the bootstrap class loader", e);
        }
    }

    /**
     * @param name a boot class
     * @return its class file, from the agent jar
     */
    static byte[] read(String name) {
        String resource = name.replace('.', '/') + ".class";
        ClassLoader loader = BootClasses.class.getClassLoader();
        try (InputStream in = loader == null ? ClassLoader.getSystemResourceAsStream(resource)
                : loader.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("gevent4j: " + resource + " is missing from the agent jar; rebuild it"
                        + " with 'mvn -pl patch-agent -am package'");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("gevent4j: reading " + resource + " from the agent jar failed", e);
        }
    }
}
