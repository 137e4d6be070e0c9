package io.gevent4j.monkey;

import io.gevent4j.monkey.programs.PatchReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Installing the agent: options, the self-test's failure path, double installs, Monkey.patchAll(). */
@Timeout(120)
class InstallIT {
    private static final List<String> DEFAULTS = List.of("sleep", "socket", "hubpoller", "selector", "file", "process", "dns", "threadscope", "main");

    /** Two runs that switch off complementary sets, so each option is seen to remove its patch and no other. */
    @ParameterizedTest
    @ValueSource(strings = {"nosleep,nofile,noprocess,nomain", "threads,nosocket,nohubpoller,noselector,nodns,nothreadscope"})
    void eachPatchCanBeSwitchedOff(String options) throws Exception {
        ChildJvm.Result r = ChildJvm.agent(options).run(PatchReport.class).ok();

        List<String> given = List.of(options.split(","));
        for (String name : Monkey.PATCH_NAMES) {
            boolean expected = given.contains(name) || (DEFAULTS.contains(name) && !given.contains("no" + name));
            assertEquals(String.valueOf(expected), r.value("isPatched." + name), name + " with " + options + "\n" + r);
        }
        assertEquals(String.valueOf(!given.contains("nomain")), r.value("mainIsVirtual"), r.toString());
        assertEquals("true", r.value("httpServerOpen"), "whatever the patches\n" + r);
    }

    /**
     * The sentence is built the same way for every patch but for {@code threads}, which is switched off
     * differently; the self-test of each patch is run (and passes) in every other test here.
     */
    @ParameterizedTest
    @ValueSource(strings = {"file", "threads"})
    void aPatchWhoseSelfTestFailsStopsStartUpWithOneSentence(String patch) throws Exception {
        ChildJvm.Result r = ChildJvm.agent("threads,forcefail=" + patch).run(PatchReport.class);

        assertEquals(1, r.exitCode(), r.toString());
        assertEquals(List.of(), r.stdout(), "main must not run when a patch did not take\n" + r);
        assertEquals(1, r.stderr().size(), "the failure is one line\n" + r);
        String sentence = r.firstErrLine();
        String describe = patch.equals("file") ? "file, pipe and System.in I/O" : "Thread.start-as-greenlet (threads)";
        assertTrue(sentence.startsWith("gevent4j: the " + describe + " patch did not take on JDK " + Runtime.version()),
                sentence);
        assertTrue(sentence.contains("forcefail=" + patch), sentence);
        String fix = patch.equals("threads") ? "without the threads option" : "-javaagent:gevent4j-agent.jar=no" + patch;
        assertTrue(sentence.contains(fix), "the sentence does not say what to do: " + sentence);
        assertTrue(sentence.endsWith("."), sentence);
    }

    @Test
    void anUnknownOptionStopsStartUpNamingIt() throws Exception {
        ChildJvm.Result r = ChildJvm.agent("nosleep,bogus").run(PatchReport.class);

        assertEquals(1, r.exitCode(), r.toString());
        assertEquals(List.of(), r.stdout(), r.toString());
        assertEquals(1, r.stderr().size(), r.toString());
        assertTrue(r.firstErrLine().startsWith("gevent4j: unknown agent option 'bogus'"), r.toString());
        assertTrue(r.firstErrLine().contains("nosleep, nosocket, nohubpoller, noselector, nofile, noprocess, nodns, nothreadscope, nomain, threads"), r.toString());
    }

    @Test
    void theAgentGivenTwiceInstallsOnce() throws Exception {
        ChildJvm.Result r = ChildJvm.agent("verbose").secondAgent("verbose,threads").run(PatchReport.class).ok();

        assertEquals(String.join(",", DEFAULTS), r.value("patched"), "the second agent's options were applied\n" + r);
        assertEquals(1, r.stderr().stream().filter(l -> l.startsWith("gevent4j agent: installed ")).count(), r.toString());
        assertEquals(1, r.stderr().stream().filter(l -> l.startsWith("gevent4j agent: already installed")
                && l.endsWith("this second install is ignored")).count(), r.toString());
        assertEquals(1, r.stdout().stream().filter("main-ran"::equals).count(), "main ran more than once\n" + r);
        assertEquals("true", r.value("mainIsVirtual"), r.toString());
    }

    @Test
    void theDefaultPatchesAreReportedAndMonkeyPatchAllAfterTheAgentIsANoOp() throws Exception {
        ChildJvm.Result r = ChildJvm.agent().run(PatchReport.class, "patchAll").ok();

        assertEquals(String.join(",", DEFAULTS), r.value("before"), r.toString());
        assertEquals("returned", r.value("patchAll"), r.toString());
        assertEquals("unchanged", r.value("second"), r.toString());
        assertEquals(String.join(",", DEFAULTS), r.value("patched"), r.toString());
        for (String name : Monkey.PATCH_NAMES) {
            assertEquals(String.valueOf(DEFAULTS.contains(name)), r.value("isPatched." + name), name + "\n" + r);
        }
        assertEquals("true", r.value("mainIsVirtual"), r.toString());
        assertEquals(List.of(), r.stderr(), "the agent must not print anything by default\n" + r);
    }

    @Test
    void monkeyPatchAllWithoutTheAgentInstallsEverythingButMain() throws Exception {
        ChildJvm.Result r = ChildJvm.noAgent().run(PatchReport.class, "patchAll").ok();

        assertEquals("", r.value("before"), r.toString());
        assertEquals("true", r.value("httpServerOpen"), "patchAll opens it as the agent does\n" + r);
        assertEquals("returned", r.value("patchAll"), r.toString());
        assertEquals("unchanged", r.value("second"), r.toString());
        assertEquals("sleep,socket,hubpoller,selector,file,process,dns,threadscope", r.value("patched"), r.toString());
        assertEquals("false", r.value("isPatched.main"), r.toString());
        assertEquals("false", r.value("mainIsVirtual"), r.toString());
    }

    @Test
    void monkeyPatchAllSaysWhichFlagForbidsAttaching() throws Exception {
        ChildJvm.Result r = ChildJvm.noAgent().flag("-XX:+DisableAttachMechanism").run(PatchReport.class, "patchAll").ok();

        String message = r.value("patchAll");
        assertTrue(message.startsWith("gevent4j: Monkey.patchAll() could not attach"), r.toString());
        assertTrue(message.contains("-XX:+DisableAttachMechanism") && message.contains("-javaagent:"), r.toString());
        assertEquals("", r.value("patched"), r.toString());
        assertFalse(r.value("isPatched.sleep").equals("true"), r.toString());
    }

    @Test
    void theMaxBlockingTimeOptionStartsTheBlockingDetector() throws Exception {
        ChildJvm.Result on = ChildJvm.agent("maxblockingtime=100ms").run(io.gevent4j.monkey.programs.HogTheHub.class).ok();
        assertEquals("true", on.value("done"), on.toString());
        assertTrue(on.err().contains("has not turned for"), "no blocking report\n" + on);
        assertTrue(on.err().contains("HogTheHub.spin"), "the report does not show the hog's stack\n" + on);

        ChildJvm.Result off = ChildJvm.agent().run(io.gevent4j.monkey.programs.HogTheHub.class).ok();
        assertFalse(off.err().contains("has not turned for"), "the detector is off by default\n" + off);
    }
}
