package io.gevent4j.monkey;

import io.gevent4j.monkey.programs.ExitBehaviour;
import io.gevent4j.monkey.programs.HttpReaders;
import io.gevent4j.monkey.programs.InstanceMain;
import io.gevent4j.monkey.programs.MainSleepTicker;
import io.gevent4j.monkey.programs.MainSocketIo;
import io.gevent4j.monkey.programs.PatchReport;
import io.gevent4j.monkey.programs.PlainThreads;
import io.gevent4j.monkey.programs.Sleepers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The patched launch: the agent's patches woven ahead of time into the JDK's classes (a cache built by
 * the agent jar's weaver), the JVM started with the cache's {@code jvm.args} and no agent; the same
 * patches, self-test and options as {@code -javaagent}.
 */
@Timeout(180)
class PatchedLaunchIT {
    @TempDir
    Path tmp;

    @Test
    void theDefaultPatchesAreInstalledWithoutAnAgentAndMainIsTheRootGreenlet() throws Exception {
        ChildJvm.Result r = ChildJvm.patched("").run(PatchReport.class).ok();

        assertEquals("sleep,socket,hubpoller,selector,file,process,dns,threadscope,main", r.value("patched"), r.toString());
        assertEquals("true", r.value("isPatched.sleep"), r.toString());
        assertEquals("true", r.value("mainIsVirtual"), r.toString());
        assertEquals("true", r.value("httpServerOpen"), r.toString());
        assertTrue(r.command().stream().noneMatch(arg -> arg.startsWith("-javaagent")), r.toString());
    }

    @Test
    void aThousandGreenletsSleepingOneSecondEachTakeAboutOneSecond() throws Exception {
        ChildJvm.Result r = ChildJvm.patched("").run(Sleepers.class, "1000", "1000").ok();

        assertEquals(1000, r.number("finished"), r.toString());
        assertTrue(r.number("minSleptMs") >= 999, "a sleep ended early\n" + r);
        assertTrue(r.number("elapsedMs") < 5000, "1,000 sleeps of 1 s took " + r.number("elapsedMs") + " ms\n" + r);
    }

    @Test
    void mainsSleepLetsSpawnedGreenletsRun() throws Exception {
        ChildJvm.Result r = ChildJvm.patched("").run(MainSleepTicker.class, "500").ok();

        assertEquals("true", r.value("mainIsVirtual"), r.toString());
        assertTrue(r.number("ticksWhileMainSlept") >= 10, r.toString());
    }

    @Test
    void socketsCooperateInGreenletsAndInMain() throws Exception {
        ChildJvm.Result readers = ChildJvm.patched("").run(HttpReaders.class, "200", "500").ok();
        ChildJvm.Result main = ChildJvm.patched("").run(MainSocketIo.class, "10000").ok();

        assertEquals(200, readers.number("correct"), readers.toString());
        assertTrue(readers.number("elapsedMs") < 5000, "200 reads took " + readers.number("elapsedMs") + " ms\n" + readers);
        assertEquals("42", main.value("reply"), main.toString());
        assertTrue(main.number("ticksWhileMainRead") >= 5, main.toString());
    }

    @Test
    void optionsSwitchPatchesOffAndTheOptInOneOn() throws Exception {
        ChildJvm.Result off = ChildJvm.patched("nosleep,nomain").run(PatchReport.class).ok();
        ChildJvm.Result mainOff = ChildJvm.patched("nosleep,nomain").run(MainSleepTicker.class, "300").ok();
        ChildJvm.Result threads = ChildJvm.patched("threads").run(PlainThreads.class, "200", "1000").ok();

        assertEquals("socket,hubpoller,selector,file,process,dns,threadscope", off.value("patched"), off.toString());
        assertEquals("false", off.value("mainIsVirtual"), off.toString());
        // main is a plain thread and its Thread.sleep the JDK's: nothing else runs while it sleeps
        assertEquals("false", mainOff.value("mainIsVirtual"), mainOff.toString());
        assertEquals(0, mainOff.number("ticksWhileMainSlept"), mainOff.toString());
        // threads: 200 plain Thread.start()s became greenlets, whose 1 s sleeps overlap
        assertEquals(200, threads.number("virtual"), threads.toString());
        assertTrue(threads.number("elapsedMs") < 5000, threads.toString());
        assertEquals("done", threads.value("late"), threads.toString());
    }

    @Test
    void aPatchWhoseSelfTestFailsEndsTheJvmBeforeMainWithOneSentence() throws Exception {
        ChildJvm.Result r = ChildJvm.patched("forcefail=sleep").run(PatchReport.class);

        assertEquals(1, r.exitCode(), r.toString());
        assertEquals(List.of(), r.stdout(), "main ran\n" + r);
        assertEquals(1, r.stderr().size(), r.toString());
        assertTrue(r.firstErrLine().startsWith("gevent4j: the Thread.sleep/Thread.yield patch did not take"), r.toString());
        assertTrue(r.firstErrLine().contains("GEVENT4J_OPTIONS=nosleep"), r.toString());
    }

    @ParameterizedTest
    @CsvSource({"return,0", "exit,3", "throw,1", "throwChecked,1", "exitInGreenlet,5", "plainThread,0",
        "throwWithPlainThread,1"})
    void theProgramEndsExactlyAsWithoutPatches(String mode, int exitCode) throws Exception {
        ChildJvm.Result with = ChildJvm.patched("").run(ExitBehaviour.class, mode);
        ChildJvm.Result without = ChildJvm.noAgent().run(ExitBehaviour.class, mode);

        assertEquals(exitCode, without.exitCode(), without.toString());
        assertEquals(exitCode, with.exitCode(), with.toString());
        assertEquals(without.err(), with.err(), with + "\n\n" + without);
        assertEquals(without.out(), with.out(), with + "\n\n" + without);
    }

    @Test
    void anInstanceMainRunsAsTheRootGreenlet() throws Exception {
        ChildJvm.Result r = ChildJvm.patched("").run(InstanceMain.class).ok();

        assertEquals("true", r.value("mainIsVirtual"), r.toString());
        assertEquals("main", r.value("threadName"), r.toString());
    }

    @Test
    void theCacheRecordsTheJdkBuildAndAWeaveOfAnIntactCacheKeepsIt() throws Exception {
        Path cache = ChildJvm.patchedCache("");
        Properties recorded = record(cache);
        long woven = Files.getLastModifiedTime(cache.resolve("SHA256SUMS")).toMillis();

        ChildJvm.weave(cache, "").ok();

        assertEquals(System.getProperty("java.runtime.version"), recorded.getProperty("java.runtime.version"));
        assertEquals("sleep,socket,hubpoller,selector,file,process,dns,threadscope,main", recorded.getProperty("patches"));
        assertTrue(recorded.getProperty("classes").contains("java.lang.Thread"), recorded.toString());
        assertEquals(woven, Files.getLastModifiedTime(cache.resolve("SHA256SUMS")).toMillis(), "an intact cache was rewoven");
    }

    @Test
    void aDamagedCacheIsWovenAnew() throws Exception {
        Path cache = tmp.resolve("cache");
        ChildJvm.weave(cache, "").ok();
        Path thread = cache.resolve("modules/java.base/java/lang/Thread.class");
        Files.write(thread, new byte[] {1, 2, 3});

        ChildJvm.weave(cache, "").ok();

        assertTrue(Files.size(thread) > 1000, "Thread.class was not woven anew");
        ChildJvm.Result r = launchFrom(cache).ok();
        assertEquals("true", r.value("mainIsVirtual"), r.toString());
    }

    /**
     * A cache whose {@code Thread} is the JDK's own (the sleep advice is missing): the self-test sees
     * that the patch did not take and ends the JVM before main.
     */
    @Test
    void aPatchThatDidNotTakeInTheCacheFailsTheSelfTestLoudly() throws Exception {
        Path cache = tmp.resolve("unwoven-thread");
        ChildJvm.weave(cache, "").ok();
        try (InputStream original = ClassLoader.getSystemResourceAsStream("java/lang/Thread.class")) {
            Files.write(cache.resolve("modules/java.base/java/lang/Thread.class"), original.readAllBytes());
        }

        ChildJvm.Result r = launchFrom(cache);

        assertEquals(1, r.exitCode(), r.toString());
        assertEquals(List.of(), r.stdout(), "main ran\n" + r);
        assertTrue(r.firstErrLine().startsWith("gevent4j: the Thread.sleep/Thread.yield patch did not take"), r.toString());
        assertTrue(r.firstErrLine().contains("did not go through the hub"), r.toString());
    }

    /**
     * A cache recorded as woven on another JDK build (its classes are that build's) or by another build
     * of the agent (its advice would call hooks that do not match) is refused, before main.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "java.runtime.version | 25.0.0+1-other | was woven for JDK 25.0.0+1-other but this JVM is ",
        "agent.fingerprint    | 0000           | was woven by another build of gevent4j-agent.jar"})
    void aCacheOfAnotherJdkBuildOrAgentBuildIsRefusedWithWhatToDo(String key, String value, String message)
            throws Exception {
        Path cache = tmp.resolve("other-" + key);
        ChildJvm.weave(cache, "").ok();
        Path properties = cache.resolve("gevent4j-aot.properties");
        Files.writeString(properties, Files.readString(properties).replaceAll("(?m)^" + Pattern.quote(key) + "=.*$",
                key + "=" + value));

        ChildJvm.Result r = launchFrom(cache);

        assertEquals(1, r.exitCode(), r.toString());
        assertEquals(List.of(), r.stdout(), r.toString());
        assertTrue(r.firstErrLine().contains(message.strip()), r.toString());
    }

    @Test
    void thePatchedLaunchMainWithoutTheCachesOptionsSaysHowToStart() throws Exception {
        ChildJvm.Result r = ChildJvm.noAgent().start(List.of(ChildJvm.java().toString(), "-cp",
                ChildJvm.testClasses() + java.io.File.pathSeparator + ChildJvm.agentJar(), ChildJvm.PATCHED_LAUNCH,
                PatchReport.class.getName())).finish();

        assertEquals(1, r.exitCode(), r.toString());
        assertFalse(r.out().contains("mainIsVirtual"), r.toString());
        assertTrue(r.firstErrLine().contains("java @<cache>/jvm.args"), r.toString());
    }

    /** {@code PatchReport} in a JVM started from the cache's {@code jvm.args}, as ./gevent4j starts one. */
    private static ChildJvm.Result launchFrom(Path cache) throws Exception {
        ChildJvm.Running running = ChildJvm.noAgent().start(List.of(ChildJvm.java().toString(),
                "@" + cache.resolve("jvm.args"), "-cp", ChildJvm.testClasses() + java.io.File.pathSeparator
                        + ChildJvm.agentJar(), ChildJvm.PATCHED_LAUNCH, PatchReport.class.getName()));
        running.stdin().close();
        return running.finish();
    }

    private static Properties record(Path cache) throws Exception {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(cache.resolve("gevent4j-aot.properties"))) {
            p.load(in);
        }
        return p;
    }
}
