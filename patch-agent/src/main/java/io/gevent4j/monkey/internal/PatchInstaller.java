package io.gevent4j.monkey.internal;

import io.gevent4j.Hub;
import io.gevent4j.core.Strand;
import io.gevent4j.monkey.boot.Dispatch;
import io.gevent4j.monkey.internal.Patch.Weave;
import io.gevent4j.spi.AgentSupport;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.agent.builder.ResettableClassFileTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.asm.AsmVisitorWrapper;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.dynamic.loading.ClassInjector;
import net.bytebuddy.utility.JavaModule;

import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.not;

/**
 * The install proper, once the dispatcher is in the bootstrap loader: builds the hooks, weaves the
 * advice with Byte Buddy (retransforming the JDK classes already loaded, and the program's main
 * class when it loads), runs the self-test and records the install.
 */
final class PatchInstaller {
    private PatchInstaller() {
    }

    /** {@return the installed patch names (comma-separated), or {@code null} if not installed} */
    static String installedNames() {
        return Dispatch.installed();
    }

    /**
     * Installs the patches.
     *
     * @param inst the instrumentation
     * @param options what to install (main only at start-up)
     * @param mainThread the thread that will call main
     * @param mainClass the program's main class, or {@code null} without the main patch
     * @return the installed patch names
     * @throws PatchFailure with one sentence if a patch did not take
     */
    static String install(Instrumentation inst, Options options, Thread mainThread, String mainClass) {
        prepareHooksTargets(options);
        // Byte Buddy (relocated in the agent jar) must not use sun.misc.Unsafe: on JDK 25 that prints
        // a deprecation warning on the program's stderr. The property name is relocated with it, so
        // this does not touch an application's own Byte Buddy.
        String safe = ClassInjector.UsingUnsafe.SAFE_PROPERTY;
        if (ClassInjector.class.getName().startsWith("io.gevent4j.") && System.getProperty(safe) == null) {
            System.setProperty(safe, "true");
        }
        CooperativeHooks hooks = new CooperativeHooks(options, inst);
        if (mainClass != null) {
            hooks.main.expect(mainClass, mainThread);
        }
        Plan plan = Plan.of(options.installed(), mainClass);
        Patch firstPatch = options.installed().getFirst();
        Map<String, Throwable> errors = new ConcurrentHashMap<>();
        Dispatch.setHooks(hooks);
        ResettableClassFileTransformer transformer;
        try {
            transformer = agentBuilder(inst, plan.wrappers(), errors, mainClass).installOn(inst);
        } catch (RuntimeException e) {
            Dispatch.setHooks(null);
            throw new PatchFailure(Failure.sentence(plan.firstPatchOf(errors.keySet(), firstPatch),
                    "retransforming the JDK classes failed (" + e + ")"), e);
        }
        String failure = null;
        if (!errors.isEmpty()) {
            String type = errors.keySet().iterator().next();
            failure = Failure.sentence(plan.firstPatchOf(Set.of(type), firstPatch),
                    "Byte Buddy could not weave its advice into " + type + " (" + errors.get(type) + ")");
        } else {
            Map<Patch, String> failed = new SelfTest(hooks, options, false).run();
            if (!failed.isEmpty()) {
                Map.Entry<Patch, String> first = failed.entrySet().iterator().next();
                failure = Failure.sentence(first.getKey(), first.getValue());
            }
        }
        if (failure != null) {
            transformer.reset(inst, AgentBuilder.RedefinitionStrategy.RETRANSFORMATION);
            Dispatch.setHooks(null);
            throw new PatchFailure(failure);
        }
        String names = String.join(",", options.patches());
        Dispatch.setInstalled(names);
        return names;
    }

    /**
     * Installs the hooks of patches already woven into the JDK's classes ahead of time (the patched
     * launch, {@link AheadOfTime}): the same hooks and self-test as {@link #install}, no weaving.
     *
     * @param options what is installed (the cache was woven from the same options)
     * @return the hooks, through which the patched launch runs main
     * @throws PatchFailure with one sentence if a patch did not take
     */
    static CooperativeHooks installWoven(Options options) {
        prepareHooksTargets(options);
        CooperativeHooks hooks = new CooperativeHooks(options, null);
        Dispatch.setHooks(hooks);
        Map<Patch, String> failed = new SelfTest(hooks, options, true).run();
        if (!failed.isEmpty()) {
            Dispatch.setHooks(null);
            Map.Entry<Patch, String> first = failed.entrySet().iterator().next();
            throw new PatchFailure(Failure.sentence(first.getKey(), first.getValue()));
        }
        Dispatch.setInstalled(String.join(",", options.patches()));
        return hooks;
    }

    /** Initializes what the hooks touch before any advice can call them. */
    private static void prepareHooksTargets(Options options) {
        Strand.currentOrNull();
        Hub.currentOrNull();
        AgentSupport.pinnedParkNanos();
        // Loads (and starts the cleaner of) the hub poller here, on a plain platform thread.
        AgentSupport.hubPollerAvailable();
        // The offload pool and the pipe path must be loaded before any advice can need them.
        OffloadPool.shared();
        if (options.has(Patches.FILE)) {
            PipeIo.pollable(java.io.FileDescriptor.in);
        }
    }

    /**
     * Which advice goes into which class, read from the weaves of the installed patches; a weave that
     * two patches share is woven once, and the class counts as the first such patch's (for messages).
     *
     * @param wrappers class name to its advice, in table order
     * @param patchOfType class name to the first installed patch that weaves into it
     */
    record Plan(Map<String, List<AsmVisitorWrapper>> wrappers, Map<String, Patch> patchOfType) {
        static Plan of(List<Patch> patches, String mainClass) {
            Map<String, List<AsmVisitorWrapper>> wrappers = new LinkedHashMap<>();
            Map<String, Patch> patchOfType = new LinkedHashMap<>();
            Set<Weave> woven = Collections.newSetFromMap(new IdentityHashMap<>());
            for (Patch patch : patches) {
                for (Weave weave : patch.weaves()) {
                    String type = weave.type().equals(Weave.PROGRAM_MAIN_CLASS) ? mainClass : weave.type();
                    if (type == null || !woven.add(weave)) {
                        continue;
                    }
                    patchOfType.putIfAbsent(type, patch);
                    wrappers.computeIfAbsent(type, k -> new ArrayList<>()).add(advice(weave).on(weave.method()));
                }
            }
            return new Plan(wrappers, patchOfType);
        }

        /** The advice of a weave; an offload advice gets its method's id as a constant. */
        private static Advice advice(Weave weave) {
            if (weave.offloaded() == null) {
                return Advice.to(weave.advice());
            }
            return Advice.withCustomMapping()
                    .bind(Advices.OffloadId.class, Patches.OFFLOADED.indexOf(weave.offloaded()))
                    .to(weave.advice());
        }

        /** The patch of the first of these classes that one weaves into, else {@code fallback}. */
        Patch firstPatchOf(Set<String> types, Patch fallback) {
            for (String type : types) {
                if (patchOfType.containsKey(type)) {
                    return patchOfType.get(type);
                }
            }
            return fallback;
        }
    }

    private static AgentBuilder agentBuilder(Instrumentation inst, Map<String, List<AsmVisitorWrapper>> plan,
                                             Map<String, Throwable> errors, String mainClass) {
        List<Class<?>> loaded = new ArrayList<>();
        for (String type : plan.keySet()) {
            if (type.startsWith("java.") || type.startsWith("sun.")) {
                loaded.add(BootClasses.findDefined(type));
            }
        }
        AgentBuilder builder = new AgentBuilder.Default()
                .disableClassFormatChanges()
                .with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION)
                .with(new AgentBuilder.RedefinitionStrategy.DiscoveryStrategy.Explicit(loaded.toArray(new Class<?>[0])))
                .with(AgentBuilder.RedefinitionStrategy.Listener.ErrorEscalating.FAIL_LAST)
                .with(new ErrorListener(errors, mainClass))
                .ignore(not(namedOneOf(plan.keySet().toArray(new String[0]))))
                .assureReadEdgeTo(inst, BootClasses.findDefined(BootClasses.DISPATCH));
        for (Map.Entry<String, List<AsmVisitorWrapper>> entry : plan.entrySet()) {
            List<AsmVisitorWrapper> wrappers = entry.getValue();
            builder = builder.type(named(entry.getKey())).transform(
                    (DynamicType.Builder<?> b, TypeDescription type, ClassLoader loader, JavaModule module,
                     java.security.ProtectionDomain domain) -> {
                        DynamicType.Builder<?> out = b;
                        for (AsmVisitorWrapper wrapper : wrappers) {
                            out = out.visit(wrapper);
                        }
                        return out;
                    });
        }
        return builder;
    }

    /**
     * Records weaving errors, and fails start-up when the program's main class loads without a main
     * method the agent can wrap.
     */
    private static final class ErrorListener extends AgentBuilder.Listener.Adapter {
        private final Map<String, Throwable> errors;
        private final String mainClass;

        ErrorListener(Map<String, Throwable> errors, String mainClass) {
            this.errors = errors;
            this.mainClass = mainClass;
        }

        @Override
        public void onTransformation(TypeDescription type, ClassLoader loader, JavaModule module, boolean loaded,
                                     DynamicType dynamicType) {
            if (type.getName().equals(mainClass) && type.getDeclaredMethods().filter(Patches.MAIN_METHOD).isEmpty()) {
                Failure.exitAtStartup(Failure.sentence(Patches.MAIN, "the main class " + mainClass
                        + " declares no main method the agent can wrap (an inherited main is not wrapped)"));
            }
        }

        @Override
        public void onError(String typeName, ClassLoader loader, JavaModule module, boolean loaded, Throwable error) {
            errors.putIfAbsent(typeName, error);
            if (typeName.equals(mainClass)) {
                Failure.exitAtStartup(Failure.sentence(Patches.MAIN, "Byte Buddy could not weave its advice into the"
                        + " main class " + mainClass + " (" + error + ")"));
            }
        }
    }
}
