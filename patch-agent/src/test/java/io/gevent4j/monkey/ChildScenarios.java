package io.gevent4j.monkey;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The runner of the scenario programs that the A/B ITs start in child JVMs ({@link HubPollerScenarios},
 * {@link SelectorScenarios}): prints {@code PATCHED <true|false>} for the patch under test, then runs the
 * named scenarios in order, each printing {@code RESULT <name> <what it found>} or
 * {@code FAIL <name> <exception>} with its stack, so that one failing scenario does not hide the others.
 */
final class ChildScenarios {
    /** A scenario: returns what it found, as {@code key=value} pairs. */
    @FunctionalInterface
    interface Scenario {
        String run() throws Exception;
    }

    private ChildScenarios() {
    }

    /**
     * Runs the scenarios named in {@code args}, or all of them, in the map's order, when none is named.
     *
     * @param patch the patch whose installation is reported first
     * @param args scenario names
     * @param scenarios every scenario by name, in the order "all" runs them
     * @throws IllegalArgumentException for a name that is not in {@code scenarios}
     */
    static void run(String patch, String[] args, Map<String, Scenario> scenarios) {
        List<String> names = args.length > 0 ? Arrays.asList(args) : List.copyOf(scenarios.keySet());
        System.out.println("PATCHED " + Monkey.isPatched(patch));
        for (String name : names) {
            Scenario scenario = scenarios.get(name);
            if (scenario == null) {
                throw new IllegalArgumentException("unknown scenario " + name + "; known: " + scenarios.keySet());
            }
            try {
                System.out.println("RESULT " + name + " " + scenario.run());
            } catch (Throwable t) {
                System.out.println("FAIL " + name + " " + t);
                t.printStackTrace(System.out);
            }
        }
    }
}
