package io.gevent4j.monkey;

import io.gevent4j.monkey.programs.ExitBehaviour;
import io.gevent4j.monkey.programs.InstanceMain;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The {@code main} patch: main runs as the root greenlet, and the program ends exactly as without the
 * agent (exit code, stdout, stderr).
 */
@Timeout(120)
class MainPatchIT {
    @ParameterizedTest
    @CsvSource({"return,0", "exit,3", "throw,1", "throwChecked,1", "exitInGreenlet,5", "plainThread,0",
        "throwWithPlainThread,1"})
    void theProgramEndsExactlyAsWithoutTheAgent(String mode, int exitCode) throws Exception {
        ChildJvm.Result with = ChildJvm.agent().run(ExitBehaviour.class, mode);
        ChildJvm.Result without = ChildJvm.noAgent().run(ExitBehaviour.class, mode);

        assertEquals(exitCode, without.exitCode(), without.toString());
        assertEquals(exitCode, with.exitCode(), with.toString());
        assertEquals(without.firstErrLine(), with.firstErrLine(), with + "\n\n" + without);
        // the whole stack trace too: the greenlet's frames below main are cut
        assertEquals(without.err(), with.err(), with + "\n\n" + without);
        assertEquals(without.out(), with.out(), with + "\n\n" + without);
    }

    @Test
    void anInstanceMainWithoutArgumentsRunsAsAGreenletNamedMain() throws Exception {
        ChildJvm.Result r = ChildJvm.agent().run(InstanceMain.class).ok();

        assertEquals("true", r.value("mainIsVirtual"), r.toString());
        assertEquals("main", r.value("threadName"), r.toString());
    }
}
