package io.gevent4j.monkey.internal;

import net.bytebuddy.ByteBuddy;
import net.bytebuddy.asm.AsmVisitorWrapper;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.dynamic.VisibilityBridgeStrategy;
import net.bytebuddy.dynamic.scaffold.InstrumentedType;
import net.bytebuddy.dynamic.scaffold.TypeValidation;
import net.bytebuddy.implementation.Implementation;
import net.bytebuddy.pool.TypePool;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The ahead-of-time weaver of the patched launch: weaves the agent's advice into the running JDK's
 * own class files (read from the {@code jrt:} image through the bootstrap loader, never loaded)
 * without an agent, and writes them with everything the JVM needs to start patched into one cache
 * directory:
 * <pre>
 *   &lt;dir&gt;/modules/java.base/java/lang/Thread.class ...   the woven JDK classes, one tree per module (--patch-module)
 *   &lt;dir&gt;/modules/java.base/io/gevent4j/monkey/boot/Dispatch.class   the dispatcher, a new package of java.base
 *   &lt;dir&gt;/jvm.args                                        the JVM options, as a java @argfile
 *   &lt;dir&gt;/gevent4j-aot.properties                         what was woven, for what JDK build
 *   &lt;dir&gt;/SHA256SUMS                                      every file above, for sha256sum -c
 * </pre>
 * The plan (which advice goes into which class) is the agent's own ({@link PatchInstaller#plan}),
 * so both launch modes apply the same patches; only the program's main class is not woven: the
 * patched launch runs main as the root greenlet itself ({@link PatchedLaunch}).
 *
 * <p>The directory is built under a temporary name and renamed into place, so a JVM never sees half
 * a cache, and two launchers weaving at once both end with one complete copy.
 *
 * <p>Usage (what {@code ./gevent4j} runs once per JDK build, agent jar and option set):
 * {@code java -cp gevent4j-agent.jar io.gevent4j.monkey.internal.AheadOfTime <dir> [options]}, then
 * {@code java @<dir>/jvm.args -cp <app>:gevent4j-agent.jar io.gevent4j.monkey.internal.PatchedLaunch <main> [args]}.
 */
public final class AheadOfTime {
    /** The properties file that records what a cache holds. */
    static final String PROPERTIES = "gevent4j-aot.properties";
    /** The JVM options file (a java launcher @argfile). */
    static final String JVM_ARGS = "jvm.args";
    /** The checksums of every file of the cache, in sha256sum's format. */
    static final String SUMS = "SHA256SUMS";
    /** The system property, set by {@link #JVM_ARGS}, that names the cache a patched JVM started from. */
    static final String DIR_PROPERTY = "gevent4j.aot.dir";
    private static final String JAVA_BASE = "java.base";
    private static final String BOOT_PACKAGE = BootClasses.DISPATCH.substring(0, BootClasses.DISPATCH.lastIndexOf('.'));
    /** Bumped when the layout of a cache changes, so that an old one is never read. */
    static final String FORMAT = "1";

    /** The packages of java.base that the hub, the greenlet core and the agent reach into. */
    static final List<String> OPENED_PACKAGES = java.util.stream.Stream.concat(
            BootClasses.OPENED_TO_PROGRAM.stream(), BootClasses.OPENED_TO_AGENT.stream()).toList();

    private AheadOfTime() {
    }

    /**
     * Weaves a cache directory.
     *
     * @param args the directory to create, then the agent options (optional)
     */
    public static void main(String[] args) {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: java -cp gevent4j-agent.jar " + AheadOfTime.class.getName()
                    + " <cache-dir> [agent-options]");
            System.exit(2);
        }
        Options options;
        try {
            options = Options.parse(args.length > 1 ? args[1] : "");
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        try {
            weave(Path.of(args[0]), options);
        } catch (IllegalStateException | UncheckedIOException e) {
            System.err.println(e.getMessage());
            System.exit(1);
        }
    }

    /** {@return the --add-opens options the hub, the greenlet core, the agent and GeventHttpServer need, ALL-UNNAMED} */
    static List<String> addOpensArgs() {
        List<String> out = new ArrayList<>();
        for (String pkg : OPENED_PACKAGES) {
            out.add("--add-opens=java.base/" + pkg + "=ALL-UNNAMED");
        }
        out.add("--add-opens=" + BootClasses.HTTP_SERVER_MODULE + "/" + BootClasses.HTTP_SERVER_PACKAGE + "=ALL-UNNAMED");
        return out;
    }

    /**
     * Weaves the patches of {@code options} into {@code dir} unless a complete cache is already there.
     *
     * @param dir the cache directory
     * @param options the agent options (only the patch set matters for the weaving)
     * @throws IllegalStateException with one sentence if a class cannot be woven
     */
    static void weave(Path dir, Options options) {
        Path target = dir.toAbsolutePath();
        if (intact(target)) {
            return;
        }
        Path tmp;
        try {
            Files.createDirectories(target.getParent());
            tmp = Files.createTempDirectory(target.getParent(), target.getFileName() + ".tmp-");
        } catch (IOException e) {
            throw new UncheckedIOException("gevent4j: cannot create the patched-launch cache under " + target.getParent()
                    + " (" + e + "); set XDG_CACHE_HOME to a writable directory", e);
        }
        try {
            writeCache(tmp, target, options);
            moveIntoPlace(tmp, target);
        } catch (IOException e) {
            throw new UncheckedIOException("gevent4j: writing the patched-launch cache " + target + " failed (" + e + ")", e);
        } finally {
            deleteTree(tmp);
        }
    }

    private static void writeCache(Path tmp, Path target, Options options) throws IOException {
        // the agent's own plan; without a main class it leaves the program's main out
        Map<String, List<AsmVisitorWrapper>> plan = jdkPart(PatchInstaller.Plan.of(options.installed(), null).wrappers());
        ClassFileLocator jdk = ClassFileLocator.ForClassLoader.ofBootLoader();
        ClassFileLocator locator = new ClassFileLocator.Compound(jdk,
                ClassFileLocator.ForClassLoader.of(AheadOfTime.class.getClassLoader()));
        TypePool pool = TypePool.Default.of(locator);
        ByteBuddy byteBuddy = new ByteBuddy()
                .with(TypeValidation.DISABLED)
                .with(Implementation.Context.Disabled.Factory.INSTANCE)
                .with(InstrumentedType.Factory.Default.FROZEN)
                .with(VisibilityBridgeStrategy.Default.NEVER);
        List<String> modules = new ArrayList<>();
        for (Map.Entry<String, List<AsmVisitorWrapper>> entry : plan.entrySet()) {
            String type = entry.getKey();
            String module = moduleOf(type);
            TypePool.Resolution resolution = pool.describe(type);
            if (!resolution.isResolved()) {
                throw new IllegalStateException("gevent4j: the JDK class " + type + " that a patch changes is missing from "
                        + System.getProperty("java.home"));
            }
            TypeDescription description = resolution.resolve();
            DynamicType.Builder<?> builder = byteBuddy.redefine(description, locator);
            for (AsmVisitorWrapper wrapper : entry.getValue()) {
                builder = builder.visit(wrapper);
            }
            byte[] woven;
            try (DynamicType.Unloaded<?> made = builder.make(pool)) {
                woven = made.getBytes();
            } catch (RuntimeException e) {
                throw new IllegalStateException("gevent4j: Byte Buddy could not weave the advice into " + type + " of JDK "
                        + Runtime.version() + " (" + e + ")", e);
            }
            Path file = tmp.resolve("modules").resolve(module).resolve(type.replace('.', '/') + ".class");
            Files.createDirectories(file.getParent());
            Files.write(file, woven);
            if (!modules.contains(module)) {
                modules.add(module);
            }
        }
        // The dispatcher goes into java.base itself, as a package of its own, not onto -Xbootclasspath/a:
        // the Thread constructor's advice already runs in the VM's first phase of initialization,
        // before the boot class path's appended entries can be loaded from (NoClassDefFoundError).
        for (String boot : BootClasses.NAMES) {
            Path file = tmp.resolve("modules").resolve(JAVA_BASE).resolve(boot.replace('.', '/') + ".class");
            Files.createDirectories(file.getParent());
            Files.write(file, BootClasses.read(boot));
        }
        if (!modules.contains(JAVA_BASE)) {
            modules.add(JAVA_BASE);
        }
        List<String> jvmArgs = new ArrayList<>();
        for (String module : modules) {
            jvmArgs.add("--patch-module=" + module + "=" + target.resolve("modules").resolve(module));
        }
        // the agent's hooks (class path) implement the dispatcher's interface
        jvmArgs.add("--add-exports=" + JAVA_BASE + "/" + BOOT_PACKAGE + "=ALL-UNNAMED");
        for (String module : modules) {
            if (!module.equals(JAVA_BASE)) {
                // advice woven into another JDK module calls the dispatcher in java.base
                jvmArgs.add("--add-exports=" + JAVA_BASE + "/" + BOOT_PACKAGE + "=" + module);
            }
        }
        jvmArgs.addAll(addOpensArgs());
        jvmArgs.add("-D" + DIR_PROPERTY + "=" + target);
        jvmArgs.add("-D" + PatchedLaunch.OPTIONS_PROPERTY + "=" + options.text());
        StringBuilder argFile = new StringBuilder();
        for (String arg : jvmArgs) {
            argFile.append(quoteForArgFile(arg)).append('\n');
        }
        Files.writeString(tmp.resolve(JVM_ARGS), argFile, StandardCharsets.UTF_8);

        Properties recorded = new Properties();
        recorded.setProperty("format", FORMAT);
        recorded.setProperty("java.runtime.version", System.getProperty("java.runtime.version"));
        recorded.setProperty("java.vendor", System.getProperty("java.vendor"));
        recorded.setProperty("java.home", System.getProperty("java.home"));
        recorded.setProperty("patches", String.join(",", options.patches()));
        recorded.setProperty("agent.fingerprint", agentFingerprint());
        recorded.setProperty("options", options.text());
        recorded.setProperty("classes", String.join(",", plan.keySet()));
        try (var out = Files.newBufferedWriter(tmp.resolve(PROPERTIES), StandardCharsets.UTF_8)) {
            recorded.store(out, "gevent4j patched launch: JDK classes woven ahead of time (see docs/how-the-agent-works.md)");
        }
        writeSums(tmp);
    }

    /**
     * What the woven classes depend on in the agent: the SHA-256 of the class files of the dispatcher,
     * the advice and the patch table (offload ids are table positions), as the running class path has
     * them. A cache used with another build of the agent would call hooks that do not match its advice.
     *
     * @return the fingerprint, hex
     */
    static String agentFingerprint() {
        List<String> names = new ArrayList<>(BootClasses.NAMES);
        names.add(Patches.class.getName());
        names.add(Patch.class.getName());
        names.add(Advices.class.getName());
        for (Class<?> advice : Advices.class.getDeclaredClasses()) {
            names.add(advice.getName());
        }
        names.sort(null);
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (String name : names) {
                digest.update(name.getBytes(StandardCharsets.UTF_8));
                digest.update(BootClasses.read(name));
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("gevent4j: this JDK has no SHA-256 (" + e + ")", e);
        }
    }

    /** The JDK classes of a plan (the program's main class and the self-test's probe are not woven ahead of time). */
    private static Map<String, List<AsmVisitorWrapper>> jdkPart(Map<String, List<AsmVisitorWrapper>> plan) {
        Map<String, List<AsmVisitorWrapper>> out = new TreeMap<>();
        for (Map.Entry<String, List<AsmVisitorWrapper>> entry : plan.entrySet()) {
            if (BootClasses.findDefined(entry.getKey()) != null || isPlatformClass(entry.getKey())) {
                out.put(entry.getKey(), entry.getValue());
            }
        }
        return out;
    }

    private static boolean isPlatformClass(String type) {
        try {
            return Class.forName(type, false, ClassLoader.getPlatformClassLoader()).getClassLoader()
                    == ClassLoader.getPlatformClassLoader();
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    private static String moduleOf(String type) {
        try {
            Module module = Class.forName(type, false, ClassLoader.getPlatformClassLoader()).getModule();
            if (!module.isNamed()) {
                throw new IllegalStateException("gevent4j: " + type + " is not in a named JDK module");
            }
            return module.getName();
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("gevent4j: the JDK class " + type + " that a patch changes is missing from "
                    + System.getProperty("java.home"), e);
        }
    }

    /** An argfile token: quoted, with the launcher's escapes for backslash and quote. */
    private static String quoteForArgFile(String arg) {
        return '"' + arg.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    private static void writeSums(Path dir) throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        StringBuilder sums = new StringBuilder();
        for (Path file : files) {
            sums.append(sha256(Files.readAllBytes(file))).append("  ").append(dir.relativize(file).toString()).append('\n');
        }
        Files.writeString(dir.resolve(SUMS), sums, StandardCharsets.UTF_8);
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("gevent4j: this JDK has no SHA-256 (" + e + ")", e);
        }
    }

    /**
     * @param dir a cache directory
     * @return true if it holds a complete cache whose every file matches its checksum (what the
     *         launcher checks with {@code sha256sum -c} before each start)
     */
    static boolean intact(Path dir) {
        Path sums = dir.resolve(SUMS);
        if (!Files.isRegularFile(sums)) {
            return false;
        }
        try {
            List<String> lines = Files.readAllLines(sums, StandardCharsets.UTF_8);
            if (lines.isEmpty()) {
                return false;
            }
            for (String line : lines) {
                int gap = line.indexOf("  ");
                if (gap < 0) {
                    return false;
                }
                Path file = dir.resolve(line.substring(gap + 2));
                if (!Files.isRegularFile(file) || !sha256(Files.readAllBytes(file)).equals(line.substring(0, gap))) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void moveIntoPlace(Path tmp, Path target) throws IOException {
        if (Files.exists(target)) {
            // a damaged or half-deleted cache: set it aside as a whole, then put the new one in its place
            Path aside = Files.createTempDirectory(target.getParent(), target.getFileName() + ".damaged-");
            Files.move(target, aside.resolve("old"), StandardCopyOption.ATOMIC_MOVE);
            deleteTree(aside);
        }
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException | DirectoryNotEmptyException raced) {
            // another launcher finished the same cache first: theirs is as good as ours
            if (!intact(target)) {
                throw raced;
            }
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the file system of " + target.getParent() + " cannot rename a directory atomically", e);
        }
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("gevent4j: cannot delete " + root + " (" + e + "); delete it by hand", e);
        }
    }

    /**
     * Reads a cache's record.
     *
     * @param dir the cache directory
     * @return its properties
     * @throws IOException if unreadable
     */
    static Properties record(Path dir) throws IOException {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(dir.resolve(PROPERTIES))) {
            p.load(in);
        }
        return p;
    }
}
