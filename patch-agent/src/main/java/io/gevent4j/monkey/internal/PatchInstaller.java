package io.gevent4j.monkey.internal;

import io.gevent4j.Hub;
import io.gevent4j.core.Strand;
import io.gevent4j.monkey.MonkeyPatchException;
import io.gevent4j.monkey.boot.Dispatch;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.agent.builder.ResettableClassFileTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.asm.AsmVisitorWrapper;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.dynamic.loading.ClassInjector;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.utility.JavaModule;

import java.lang.instrument.Instrumentation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

import static net.bytebuddy.matcher.ElementMatchers.hasDescriptor;
import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.isPrivate;
import static net.bytebuddy.matcher.ElementMatchers.isStatic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;
import static net.bytebuddy.matcher.ElementMatchers.takesNoArguments;

/**
 * The install proper, once the dispatcher is in the bootstrap loader: builds the hooks, weaves the
 * advice with Byte Buddy (retransforming the JDK classes already loaded, and the program's main
 * class when it loads), runs the self-test and records the install.
 */
final class PatchInstaller {
    /** The main methods the launcher may pick (JEP 512): static or instance, with or without String[]. */
    static final ElementMatcher.Junction<MethodDescription> MAIN_METHOD = named("main").and(returns(void.class))
            .and(not(isPrivate())).and(takesNoArguments().or(takesArguments(String[].class)));

    /** By name: loading {@code MainProbe} before the transformer is installed would leave it unwoven. */
    static final String MAIN_PROBE = "io.gevent4j.monkey.internal.MainProbe";

    /** The JDK class whose static park path every blocking socket of a virtual thread goes through. */
    static final String POLLER = "sun.nio.ch.Poller";

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
     * @throws MonkeyPatchException with one sentence if a patch did not take
     */
    static String install(Instrumentation inst, Options options, Thread mainThread, String mainClass) {
        // Initialize what the hooks touch before any advice can call them.
        Strand.currentOrNull();
        Hub.currentOrNull();
        io.gevent4j.HubIo.pinnedSleepNanos();
        // Loads (and starts the cleaner of) the hub poller here, on a plain platform thread.
        io.gevent4j.internal.HubPoller.available();
        // The offload pool and the pipe path must be loaded before any advice can need them.
        OffloadPool.shared();
        if (options.has(Options.FILE)) {
            PipeIo.pollable(java.io.FileDescriptor.in);
        }
        // Byte Buddy (relocated in the agent jar) must not use sun.misc.Unsafe: on JDK 25 that prints
        // a deprecation warning on the program's stderr. The property name is relocated with it, so
        // this does not touch an application's own Byte Buddy.
        String safe = ClassInjector.UsingUnsafe.SAFE_PROPERTY;
        if (ClassInjector.class.getName().startsWith("io.gevent4j.") && System.getProperty(safe) == null) {
            System.setProperty(safe, "true");
        }
        CooperativeHooks hooks;
        try {
            hooks = new CooperativeHooks(options, inst);
        } catch (IllegalStateException e) {
            throw new MonkeyPatchException(Failure.sentence(options.has(Options.FILE) ? Options.FILE
                    : options.has(Options.PROCESS) ? Options.PROCESS : Options.DNS, e.getMessage()), e);
        }
        if (mainClass != null) {
            hooks.main.expect(mainClass, mainThread);
        }
        Map<String, List<AsmVisitorWrapper>> plan = plan(options, hooks, mainClass);
        Map<String, String> patchOfType = patchOfType(options, hooks, mainClass);
        Map<String, Throwable> errors = new ConcurrentHashMap<>();
        Dispatch.setHooks(hooks);
        ResettableClassFileTransformer transformer;
        try {
            transformer = agentBuilder(inst, plan, errors, mainClass).installOn(inst);
        } catch (RuntimeException e) {
            Dispatch.setHooks(null);
            throw new MonkeyPatchException(Failure.sentence(firstPatch(errors, patchOfType, options),
                    "retransforming the JDK classes failed (" + e + ")"), e);
        }
        String failure = null;
        if (!errors.isEmpty()) {
            String type = errors.keySet().iterator().next();
            failure = Failure.sentence(patchOfType.getOrDefault(type, options.patches().iterator().next()),
                    "Byte Buddy could not weave its advice into " + type + " (" + errors.get(type) + ")");
        } else {
            Map<String, String> failed = new SelfTest(hooks, options).run();
            if (!failed.isEmpty()) {
                Map.Entry<String, String> first = failed.entrySet().iterator().next();
                failure = Failure.sentence(first.getKey(), first.getValue());
            }
        }
        if (failure != null) {
            transformer.reset(inst, AgentBuilder.RedefinitionStrategy.RETRANSFORMATION);
            Dispatch.setHooks(null);
            throw new MonkeyPatchException(failure);
        }
        String names = String.join(",", options.patches());
        Dispatch.setInstalled(names);
        return names;
    }

    private static String firstPatch(Map<String, Throwable> errors, Map<String, String> patchOfType, Options options) {
        for (String type : errors.keySet()) {
            if (patchOfType.containsKey(type)) {
                return patchOfType.get(type);
            }
        }
        return options.patches().iterator().next();
    }

    /** Which advice goes into which class. */
    private static Map<String, List<AsmVisitorWrapper>> plan(Options options, CooperativeHooks hooks, String mainClass) {
        Map<String, List<AsmVisitorWrapper>> plan = new LinkedHashMap<>();
        if (options.has(Options.SLEEP)) {
            add(plan, "java.lang.Thread", Advice.to(Advices.Sleep.class)
                    .on(named("sleepNanos").and(isStatic()).and(takesArguments(long.class))));
            add(plan, "java.lang.Thread", Advice.to(Advices.Yield.class)
                    .on(named("yield").and(isStatic()).and(takesNoArguments())));
        }
        if (options.has(Options.THREADS)) {
            add(plan, "java.lang.Thread", Advice.to(Advices.ThreadStart.class)
                    .on(named("start").and(takesNoArguments()).and(not(isStatic()))));
            add(plan, "java.lang.Thread", Advice.to(Advices.ThreadJoin.class)
                    .on(named("join").and(takesArguments(long.class))));
            add(plan, "java.lang.Thread", Advice.to(Advices.ThreadJoinDuration.class)
                    .on(named("join").and(takesArguments(Duration.class))));
            add(plan, "java.lang.Thread", Advice.to(Advices.ThreadAlive.class)
                    .on(named("isAlive").and(takesNoArguments())));
            add(plan, "java.lang.Thread", Advice.to(Advices.ThreadInterrupt.class)
                    .on(named("interrupt").and(takesNoArguments())));
        }
        if (options.has(Options.MAIN) || options.has(Options.THREADS)) {
            // new Thread(r) in main or in a thread-greenlet: daemon as the thread it stands for, not as a greenlet
            add(plan, "java.lang.Thread", Advice.to(Advices.NewThread.class).on(isConstructor()
                    .and(takesArguments(ThreadGroup.class, String.class, int.class, Runnable.class, long.class))));
        }
        if (options.has(Options.HUBPOLLER)) {
            add(plan, POLLER, Advice.to(Advices.PollerPoll.class).on(named("poll").and(isStatic())
                    .and(takesArguments(int.class, int.class, long.class, BooleanSupplier.class))));
            // stopPoll(int) calls stopPoll(int, int) for each event, so this one covers both.
            add(plan, POLLER, Advice.to(Advices.PollerStopPoll.class).on(named("stopPoll").and(isStatic())
                    .and(takesArguments(int.class, int.class))));
        }
        if (options.has(Options.HUBPOLLER) || options.has(Options.SLEEP)) {
            // a pinned greenlet waiting in its hub's epoll or in a hub sleep (both patches need it)
            add(plan, "java.lang.VirtualThread", Advice.to(Advices.PinnedPark.class)
                    .on(named("parkOnCarrierThread").and(takesArguments(boolean.class, long.class))));
        }
        for (Offload.Target target : hooks.offload.targets()) {
            Class<?> advice = target.isVoid() ? Advices.OffloadVoid.class : Advices.OffloadValue.class;
            add(plan, target.className(), Advice.to(advice)
                    .on(named(target.name()).and(hasDescriptor(target.descriptor()))));
        }
        if (options.has(Options.MAIN)) {
            add(plan, MAIN_PROBE, Advice.to(Advices.Main.class).on(MAIN_METHOD));
            if (mainClass != null) {
                add(plan, mainClass, Advice.to(Advices.Main.class).on(MAIN_METHOD));
            }
        }
        return plan;
    }

    private static void add(Map<String, List<AsmVisitorWrapper>> plan, String type, AsmVisitorWrapper wrapper) {
        plan.computeIfAbsent(type, k -> new ArrayList<>()).add(wrapper);
    }

    private static Map<String, String> patchOfType(Options options, CooperativeHooks hooks, String mainClass) {
        Map<String, String> out = new LinkedHashMap<>();
        if (options.has(Options.SLEEP) || options.has(Options.THREADS) || options.has(Options.MAIN)) {
            out.put("java.lang.Thread", options.has(Options.SLEEP) ? Options.SLEEP
                    : options.has(Options.THREADS) ? Options.THREADS : Options.MAIN);
        }
        if (options.has(Options.HUBPOLLER)) {
            out.put(POLLER, Options.HUBPOLLER);
        }
        if (options.has(Options.HUBPOLLER) || options.has(Options.SLEEP)) {
            out.put("java.lang.VirtualThread", options.has(Options.SLEEP) ? Options.SLEEP : Options.HUBPOLLER);
        }
        for (Offload.Target target : hooks.offload.targets()) {
            out.put(target.className(), target.family());
        }
        if (options.has(Options.MAIN)) {
            out.put(MAIN_PROBE, Options.MAIN);
            if (mainClass != null) {
                out.put(mainClass, Options.MAIN);
            }
        }
        return out;
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
            if (type.getName().equals(mainClass) && type.getDeclaredMethods().filter(MAIN_METHOD).isEmpty()) {
                Failure.exitAtStartup(Failure.sentence(Options.MAIN, "the main class " + mainClass
                        + " declares no main method the agent can wrap (an inherited main is not wrapped)"));
            }
        }

        @Override
        public void onError(String typeName, ClassLoader loader, JavaModule module, boolean loaded, Throwable error) {
            errors.putIfAbsent(typeName, error);
            if (typeName.equals(mainClass)) {
                Failure.exitAtStartup(Failure.sentence(Options.MAIN, "Byte Buddy could not weave its advice into the"
                        + " main class " + mainClass + " (" + error + ")"));
            }
        }
    }
}
