package io.gevent4j.monkey.internal;

import io.gevent4j.monitor.BlockingDetector;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The agent's options, as given after {@code -javaagent:gevent4j-agent.jar=} or to
 * {@code Monkey.patchAll(String)}: a comma-separated list of
 * <ul>
 *   <li>{@code no<patch>} to leave a default patch out ({@code nosleep}, {@code nosocket},
 *       {@code nohubpoller}, {@code noselector}, {@code nofile}, {@code noprocess}, {@code nodns}, {@code nothreadscope}, {@code nomain}); {@code nohubpoller} leaves
 *       greenlets' socket readiness waits with the JDK's own poller threads instead of the hub's epoll;</li>
 *   <li>{@code threads} to turn the opt-in {@code Thread.start} patch on;</li>
 *   <li>{@code verbose} to print one line about the install on stderr;</li>
 *   <li>{@code forcefail=<patch>} to make that patch's self-test fail (to see and test the failure
 *       message);</li>
 *   <li>{@code maxblockingtime=<duration>} (e.g. {@code 100ms}) to start the blocking detector, as
 *       {@code -Dgevent4j.maxBlockingTime} does.</li>
 * </ul>
 *
 * @param patches the patches to install, in {@link #ALL} order
 * @param verbose whether to report the install on stderr
 * @param forceFail patches whose self-test is made to fail
 * @param maxBlockingTime the blocking detector's limit, or {@code null} to leave the detector as it is
 * @param text the option string as given
 */
record Options(Set<String> patches, boolean verbose, Set<String> forceFail, Duration maxBlockingTime,
                      String text) {
    /** The option that starts the blocking detector: {@code maxblockingtime=100ms}. */
    public static final String MAX_BLOCKING_TIME = "maxblockingtime";
    /** Every patch name, in install order (from {@link Patches#ALL}). */
    public static final List<String> ALL = Patches.names();
    /** The patches installed when no option says otherwise. */
    public static final List<String> DEFAULTS = Patches.ALL.stream().filter(Patch::byDefault).map(Patch::name).toList();

    /**
     * Parses an option string.
     *
     * @param text the options, or {@code null}/empty for the defaults
     * @return the options
     * @throws IllegalArgumentException naming the bad option and listing the valid ones
     */
    public static Options parse(String text) {
        String given = text == null ? "" : text.trim();
        Set<String> patches = new LinkedHashSet<>(DEFAULTS);
        Set<String> forceFail = new LinkedHashSet<>();
        boolean verbose = false;
        Duration maxBlockingTime = null;
        for (String raw : given.split(",")) {
            String option = raw.trim().toLowerCase(Locale.ROOT);
            if (option.isEmpty()) {
                continue;
            }
            if (option.equals("verbose")) {
                verbose = true;
            } else if (option.startsWith(MAX_BLOCKING_TIME + "=")) {
                String value = option.substring(MAX_BLOCKING_TIME.length() + 1);
                try {
                    maxBlockingTime = BlockingDetector.parseDuration(value);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("gevent4j: agent option '" + raw.trim() + "' is not valid: "
                            + e.getMessage(), e);
                }
            } else if (option.startsWith("forcefail=") && ALL.contains(option.substring("forcefail=".length()))) {
                forceFail.add(option.substring("forcefail=".length()));
            } else if (ALL.contains(option)) {
                patches.add(option);
            } else if (option.startsWith("no") && ALL.contains(option.substring(2))) {
                patches.remove(option.substring(2));
            } else {
                throw new IllegalArgumentException("gevent4j: unknown agent option '" + raw.trim() + "' in '" + given
                        + "'; the options are a comma-separated list of " + String.join(", ", switches())
                        + ", verbose, maxblockingtime=<duration> and forcefail=<patch>,"
                        + " e.g. -javaagent:gevent4j-agent.jar=threads,nodns");
            }
        }
        List<String> ordered = new ArrayList<>();
        for (String name : ALL) {
            if (patches.contains(name)) {
                ordered.add(name);
            }
        }
        return new Options(Collections.unmodifiableSet(new LinkedHashSet<>(ordered)), verbose,
                Collections.unmodifiableSet(forceFail), maxBlockingTime, given);
    }

    /**
     * The same options without a patch (main cannot be patched into a program that is already running).
     *
     * @param name the patch to leave out
     * @return the new options
     */
    public Options without(String name) {
        Set<String> rest = new LinkedHashSet<>(patches);
        rest.remove(name);
        return new Options(Collections.unmodifiableSet(rest), verbose, forceFail, maxBlockingTime, text);
    }

    /**
     * @param patch a patch
     * @return the same options without it
     */
    public Options without(Patch patch) {
        return without(patch.name());
    }

    /**
     * @param name a patch name
     * @return true if that patch is to be installed
     */
    public boolean has(String name) {
        return patches.contains(name);
    }

    /**
     * @param patch a patch
     * @return true if it is to be installed
     */
    public boolean has(Patch patch) {
        return has(patch.name());
    }

    /** {@return the options that switch patches: {@code no<name>} for each default, then each opt-in name} */
    private static List<String> switches() {
        List<String> out = new ArrayList<>();
        for (Patch patch : Patches.ALL) {
            if (patch.byDefault()) {
                out.add("no" + patch.name());
            }
        }
        for (Patch patch : Patches.ALL) {
            if (!patch.byDefault()) {
                out.add(patch.name());
            }
        }
        return out;
    }

    /** {@return the patches to install, in install order} */
    public List<Patch> installed() {
        return Patches.ALL.stream().filter(p -> patches.contains(p.name())).toList();
    }
}
