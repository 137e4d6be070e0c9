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

    /** A download that runs in a greenlet and reports what it did. */
    @FunctionalInterface
    public interface Download {
        /**
         * Runs the download.
         *
         * @param progress where progress goes
         * @return what was downloaded, skipped and failed
         * @throws InputError for bad input (nothing was downloaded)
         * @throws InterruptedException if interrupted
         */
        Report run(Progress progress) throws InputError, InterruptedException;
    }

    /**
     * Runs a downloader's body the way every downloader does: a progress display on {@code err}, the
     * download in the hub, the summary on {@code out}; bad input is one line on {@code err}.
     *
     * @param name the command's name, for error lines
     * @param common the shared options (progress mode)
     * @param out standard output (the summary)
     * @param err standard error (progress, errors)
     * @param download the download
     * @return the exit code: {@link #OK}, {@link #FAILED} or {@link #BAD_INPUT}
     * @throws Exception only for a bug (a failed download is in the summary, not an exception)
     */
    public static int runDownload(String name, CommonOptions common, PrintStream out, PrintStream err,
                                  Download download) throws Exception {
        Progress progress;
        try {
            progress = new Progress(err, common.progressMode());
        } catch (InputError e) {
            err.println(name + ": " + e.getMessage());
            return BAD_INPUT;
        }
        try {
            Report report = Fanout.inHub(() -> download.run(progress));
            progress.close();
            report.print(out);
            return report.exitCode();
        } catch (InputError e) {
            progress.close();
            err.println(name + ": " + e.getMessage());
            return BAD_INPUT;
        }
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
