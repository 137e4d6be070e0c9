package io.gevent4j.examples.internal;

import picocli.CommandLine;

import java.io.PrintStream;
import java.io.PrintWriter;

/** Runs a picocli command with given output streams and returns its exit code. */
public final class Cli {
    /** Exit code: everything succeeded. */
    public static final int OK = 0;
    /** Exit code: some downloads (or pages, or connections) failed; the summary lists them. */
    public static final int FAILED = 1;
    /** Exit code: bad input (unknown option, malformed URL, unwritable --out); nothing was done. */
    public static final int BAD_INPUT = 2;

    /** The help footer shared by the tools. */
    public static final String EXIT_CODES = "%nExit codes: 0 all succeeded, 1 something failed (see the summary),"
            + " 2 bad input (nothing was done).";

    private Cli() {
    }

    /**
     * Parses {@code args} into {@code command} and runs it.
     *
     * @param command a picocli command object
     * @param out standard output (usage, summaries)
     * @param err standard error (errors, progress)
     * @param args the arguments
     * @return the exit code
     */
    public static int execute(Object command, PrintStream out, PrintStream err, String... args) {
        CommandLine cl = new CommandLine(command);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    /**
     * Parses {@code args} into {@code command} without running it (the demo and the tests call the
     * tools' methods directly).
     *
     * @param command a picocli command object
     * @param args the arguments
     * @param <T> the command type
     * @return the command, its fields set
     * @throws CommandLine.ParameterException if the arguments are invalid
     */
    public static <T> T parse(T command, String... args) {
        new CommandLine(command).parseArgs(args);
        return command;
    }
}
