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
 *       {@code nohubpoller}, {@code nofile}, {@code nodns}, {@code nomain}); {@code nohubpoller} leaves
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
public record Options(Set<String> patches, boolean verbose, Set<String> forceFail, Duration maxBlockingTime,
                      String text) {
    /** Thread.sleep in all forms and Thread.yield. */
    public static final String SLEEP = "sleep";
    /** Blocking sockets (cooperative through the JDK's own virtual-thread support). */
    public static final String SOCKET = "socket";
    /**
     * Socket readiness waits of greenlets ({@code sun.nio.ch.Poller.poll}) in the hub's own epoll, with
     * no cross-thread hand-off; off ({@code nohubpoller}), the JDK's poller threads wake greenlets.
     */
    public static final String HUBPOLLER = "hubpoller";
    /**
     * File opens, reads, writes and metadata (java.io streams, RandomAccessFile, FileChannel, the
     * sun.nio.fs calls behind Files), offloaded to the agent's offload pool; pipes, FIFOs and terminals
     * read or written through java.io streams (Process streams, System.in) wait in the hub's epoll.
     */
    public static final String FILE = "file";
    /** ProcessBuilder.start (the JDK's forkAndExec), offloaded to the agent's offload pool. */
    public static final String PROCESS = "process";
    /** InetAddress look-ups, offloaded to the agent's offload pool. */
    public static final String DNS = "dns";
    /** Thread.start of plain threads starts a greenlet (opt-in). */
    public static final String THREADS = "threads";
    /** The program's main method runs as the root greenlet of the main thread's hub. */
    public static final String MAIN = "main";
    /** The option that starts the blocking detector: {@code maxblockingtime=100ms}. */
    public static final String MAX_BLOCKING_TIME = "maxblockingtime";
    /** Every patch name, in install order. */
    public static final List<String> ALL = List.of(SLEEP, SOCKET, HUBPOLLER, FILE, PROCESS, DNS, THREADS, MAIN);
    /** The patches installed when no option says otherwise. */
    public static final List<String> DEFAULTS = List.of(SLEEP, SOCKET, HUBPOLLER, FILE, PROCESS, DNS, MAIN);

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
                        + "'; the options are a comma-separated list of nosleep, nosocket, nohubpoller, nofile, noprocess,"
                        + " nodns, nomain, threads, verbose, maxblockingtime=<duration> and forcefail=<patch>,"
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
     * @param name a patch name
     * @return true if that patch is to be installed
     */
    public boolean has(String name) {
        return patches.contains(name);
    }

    /**
     * A short description of a patch, for messages.
     *
     * @param name a patch name
     * @return what it patches
     */
    public static String describe(String name) {
        return switch (name) {
            case SLEEP -> "Thread.sleep/Thread.yield";
            case SOCKET -> "socket";
            case HUBPOLLER -> "hub-owned socket readiness (sun.nio.ch.Poller)";
            case FILE -> "file, pipe and System.in I/O";
            case PROCESS -> "process start (ProcessBuilder.start)";
            case DNS -> "DNS (InetAddress)";
            case THREADS -> "Thread.start-as-greenlet (threads)";
            case MAIN -> "main-as-root-greenlet";
            default -> name;
        };
    }
}
