package io.gevent4j.monkey.internal;

import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.matcher.ElementMatcher;

import java.util.List;
import java.util.concurrent.atomic.LongAdder;

import static net.bytebuddy.matcher.ElementMatchers.hasDescriptor;
import static net.bytebuddy.matcher.ElementMatchers.named;

/**
 * One patch of the agent, everything about it in one place: its name (the option {@code no<name>} or
 * {@code <name>}, {@code Monkey.isPatched(name)}), what it weaves where, how its self-test checks that
 * it took, and the counter of calls that took its cooperative path. {@link Patches#ALL} is the table
 * of all of them; the options, {@code Monkey.PATCH_NAMES}, the installer's plan, the self-test and the
 * offload targets are all read from it.
 *
 * @param name the patch's name, lower case
 * @param description what it patches, for messages ("the ... patch did not take")
 * @param byDefault whether it is installed when no option says otherwise ({@code threads} is opt-in)
 * @param weaves what advice goes into which JDK method; empty for a patch that only relies on the JDK
 *               ({@code socket}). Two patches may list the same weave (e.g. {@code sleep} and
 *               {@code hubpoller} both need {@code VirtualThread.parkOnCarrierThread}): it is woven once
 * @param selfTest the check run at install; returns {@code null} if the patch took, else the reason
 * @param counter calls that took the cooperative path (what the self-test counts); {@code null} for a
 *                patch none of whose code runs per call ({@code socket})
 */
record Patch(String name, String description, boolean byDefault, List<Weave> weaves, Check selfTest,
             LongAdder counter) {
    Patch {
        weaves = List.copyOf(weaves);
    }

    /** A self-test check. */
    @FunctionalInterface
    interface Check {
        /**
         * @param test the running self-test (its hub, the hooks)
         * @return {@code null} if the patch took, else why not, as a clause ("a ... did not ...")
         * @throws Exception a failure of the check itself, reported as the reason
         */
        String run(SelfTest test) throws Exception;
    }

    /**
     * One piece of advice woven into the methods of one class.
     *
     * @param type the class's binary name, or {@link #PROGRAM_MAIN_CLASS}
     * @param advice the advice class (a nested class of {@link Advices})
     * @param method which of the class's methods (and constructors) get it
     * @param offloaded for the offload advice, the one method whose body runs on the hub's thread pool;
     *                  {@code null} for other advice
     */
    record Weave(String type, Class<?> advice, ElementMatcher<? super MethodDescription> method,
                 OffloadedCall offloaded) {
        /** The type of a weave into the program's main class, whose name is known only at start-up. */
        static final String PROGRAM_MAIN_CLASS = "<the program's main class>";

        /**
         * @param type the class's binary name
         * @param advice the advice class
         * @param method the methods
         * @return a weave of ordinary advice
         */
        static Weave of(String type, Class<?> advice, ElementMatcher<? super MethodDescription> method) {
            return new Weave(type, advice, method, null);
        }

        /**
         * A method whose original body, called in a greenlet, runs on the hub's thread pool.
         *
         * @param type the declaring class's binary name
         * @param name the method's name
         * @param descriptor the method's JVM descriptor, e.g. {@code ([BII)I}
         * @return the weave of the offload advice into that one method
         */
        static Weave offload(String type, String name, String descriptor) {
            OffloadedCall call = new OffloadedCall(type, name, descriptor);
            return new Weave(type, call.isVoid() ? Advices.OffloadVoid.class : Advices.OffloadValue.class,
                    named(name).and(hasDescriptor(descriptor)), call);
        }
    }

    /**
     * A JDK method whose body runs on the hub's thread pool when a greenlet calls it.
     *
     * @param type the declaring class's binary name
     * @param name the method's name
     * @param descriptor the method's JVM descriptor
     */
    record OffloadedCall(String type, String name, String descriptor) {
        /** {@return true if the method returns nothing} */
        boolean isVoid() {
            return descriptor.endsWith(")V");
        }

        /** {@return {@code type.name(descriptor)}, for messages} */
        String signature() {
            return type + "." + name + descriptor;
        }
    }
}
