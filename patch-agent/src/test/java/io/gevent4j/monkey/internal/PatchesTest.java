package io.gevent4j.monkey.internal;

import io.gevent4j.monkey.Monkey;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The table of patches, and what is derived from it. */
class PatchesTest {
    @Test
    void theNamesAndDefaultsComeFromTheTableInInstallOrder() {
        List<String> names = List.of("sleep", "socket", "hubpoller", "selector", "file", "process", "dns", "threadscope", "threads", "main");
        assertEquals(names, Patches.names());
        assertEquals(names, Monkey.PATCH_NAMES);
        assertEquals(names, Options.ALL);
        assertEquals(List.of("sleep", "socket", "hubpoller", "selector", "file", "process", "dns", "threadscope", "main"), Options.DEFAULTS);
        assertEquals(List.of(Patches.SOCKET, Patches.DNS),
                Options.parse("nosleep,nohubpoller,noselector,nofile,noprocess,nothreadscope,nomain").installed());
        assertSame(Patches.FILE, Patches.byName("file"));
        assertThrows(IllegalArgumentException.class, () -> Patches.byName("fil"));
    }

    @Test
    void everyPatchThatRunsCodePerCallHasACounterAndEveryOneASelfTest() {
        for (Patch patch : Patches.ALL) {
            assertNotNull(patch.selfTest(), patch.name());
            if (patch.weaves().isEmpty()) {
                assertNull(patch.counter(), patch.name() + " runs no agent code, so it counts nothing");
            } else {
                assertNotNull(patch.counter(), patch.name());
            }
        }
    }

    @Test
    void offloadedMethodsHaveDistinctIdsAndTheirAdviceFollowsTheirReturnType() {
        assertEquals(Patches.OFFLOADED.size(), new HashSet<>(Patches.OFFLOADED).size());
        // 22 file and stream methods, 3 opens, 14 sun.nio.fs and 9 java.io.File calls, 1 process start,
        // 2 name-service calls
        assertEquals(51, Patches.OFFLOADED.size());
        for (Patch patch : Patches.ALL) {
            for (Patch.Weave weave : patch.weaves()) {
                if (weave.offloaded() != null) {
                    assertEquals(weave.offloaded().isVoid() ? Advices.OffloadVoid.class : Advices.OffloadValue.class,
                            weave.advice(), weave.offloaded().signature());
                }
            }
        }
    }

    @Test
    void aWeaveTwoPatchesShareIsWovenOnceAndCountsAsTheFirstPatchs() {
        PatchInstaller.Plan both = PatchInstaller.Plan.of(List.of(Patches.SLEEP, Patches.HUBPOLLER), null);
        assertEquals(1, both.wrappers().get("java.lang.VirtualThread").size());
        assertSame(Patches.SLEEP, both.patchOfType().get("java.lang.VirtualThread"));
        PatchInstaller.Plan pollerOnly = PatchInstaller.Plan.of(List.of(Patches.HUBPOLLER), null);
        assertSame(Patches.HUBPOLLER, pollerOnly.patchOfType().get("java.lang.VirtualThread"));
    }

    @Test
    void theMainPatchWeavesTheProgramsMainClassOnlyWhenItIsKnown() {
        Set<String> without = PatchInstaller.Plan.of(List.of(Patches.MAIN), null).wrappers().keySet();
        assertEquals(Set.of(Patches.MAIN_PROBE, "java.lang.Thread"), without);
        Set<String> with = PatchInstaller.Plan.of(List.of(Patches.MAIN), "com.example.App").wrappers().keySet();
        assertTrue(with.contains("com.example.App"), with.toString());
        assertSame(Patches.MAIN, PatchInstaller.Plan.of(List.of(Patches.MAIN), "com.example.App").patchOfType()
                .get("com.example.App"));
    }
}
