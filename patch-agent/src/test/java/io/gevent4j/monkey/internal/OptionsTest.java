package io.gevent4j.monkey.internal;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Parsing of the agent options ({@code -javaagent:gevent4j-agent.jar=...}). */
class OptionsTest {
    @Test
    void noOptionsMeanTheDefaultsInInstallOrder() {
        for (String text : new String[] {null, "", " , "}) {
            Options options = Options.parse(text);
            assertEquals(List.copyOf(Options.DEFAULTS), List.copyOf(options.patches()));
            assertFalse(options.verbose());
            assertEquals(Set.of(), options.forceFail());
        }
    }

    @Test
    void noPrefixesRemoveAndThreadsAddsKeepingInstallOrder() {
        Options options = Options.parse("threads, NOSLEEP,nodns,verbose");
        assertEquals(List.of("socket", "hubpoller", "selector", "file", "process", "threadscope", "threads", "main"), List.copyOf(options.patches()));
        assertTrue(options.verbose());
        assertFalse(options.has("sleep"));
        assertTrue(options.has("threads"));
    }

    @Test
    void forcefailNamesAPatch() {
        assertEquals(Set.of("file", "main"), Options.parse("forcefail=file,forcefail=main").forceFail());
    }

    @Test
    void withoutRemovesOnePatch() {
        assertEquals(List.of("sleep", "socket", "hubpoller", "selector", "file", "process", "dns", "threadscope"), List.copyOf(Options.parse("").without("main").patches()));
    }

    @Test
    void anUnknownOptionIsNamedWithTheValidOnes() {
        for (String bad : new String[] {"bogus", "forcefail=nothing", "nothreadz"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Options.parse("nosleep," + bad));
            assertTrue(e.getMessage().startsWith("gevent4j: unknown agent option '" + bad + "' in 'nosleep," + bad + "'"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("nosleep, nosocket, nohubpoller, noselector, nofile, noprocess, nodns, nothreadscope, nomain, threads, verbose,"
                    + " maxblockingtime=<duration> and forcefail=<patch>"), e.getMessage());
        }
    }

    @Test
    void maxBlockingTimeTakesADuration() {
        assertEquals(java.time.Duration.ofMillis(100), Options.parse("nodns,maxBlockingTime=100ms").maxBlockingTime());
        assertEquals(null, Options.parse("nodns").maxBlockingTime());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Options.parse("maxblockingtime=soon"));
        assertTrue(e.getMessage().startsWith("gevent4j: agent option 'maxblockingtime=soon' is not valid: "), e.getMessage());
    }
}
