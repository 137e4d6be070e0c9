package io.gevent4j.examples.internal;

import picocli.CommandLine.Option;

import java.time.Duration;

/** The options every network tool shares (a picocli mixin): timeouts, retries, TLS, progress display. */
public final class CommonOptions {
    @Option(names = "--timeout", defaultValue = "30", paramLabel = "SECONDS",
            description = "Connect and read timeout of each request, in seconds (default: ${DEFAULT-VALUE}).")
    double timeout;

    @Option(names = "--retries", defaultValue = "3", paramLabel = "N",
            description = "Retries of a request that failed with a connection error, 408, 429 or 5xx, with exponential"
                    + " backoff, honouring Retry-After (default: ${DEFAULT-VALUE}).")
    int retries;

    @Option(names = "--retry-delay", defaultValue = "0.5", paramLabel = "SECONDS",
            description = "The first backoff; each retry doubles it, up to 30 s (default: ${DEFAULT-VALUE}).")
    double retryDelay;

    @Option(names = "--insecure",
            description = "Accept any TLS certificate. Certificates are verified by default, and a bad one is an error.")
    boolean insecure;

    @Option(names = "--progress", defaultValue = "auto", paramLabel = "MODE",
            description = "auto (a bar on a terminal, else log lines), bar, lines or none (default: ${DEFAULT-VALUE}).")
    String progress;

    /** Creates the options with their defaults (picocli fills them in). */
    public CommonOptions() {
    }

    /**
     * The progress display chosen.
     *
     * @return the mode
     * @throws InputError if {@code --progress} has an unknown value
     */
    public Progress.Mode progressMode() throws InputError {
        try {
            return Progress.Mode.parse(progress);
        } catch (IllegalArgumentException e) {
            throw new InputError(e.getMessage());
        }
    }

    /**
     * The HTTP client these options describe.
     *
     * @param progress where retries are reported
     * @return the client
     * @throws InputError if an option is out of range
     */
    public Http http(Progress progress) throws InputError {
        if (!(timeout > 0) || !(retryDelay >= 0) || Double.isInfinite(timeout) || Double.isInfinite(retryDelay)) {
            throw new InputError("--timeout must be more than 0 and --retry-delay 0 or more (seconds), got --timeout "
                    + timeout + " --retry-delay " + retryDelay);
        }
        try {
            return new Http(new Http.Settings(Duration.ofMillis((long) (timeout * 1000)), retries,
                    Duration.ofMillis((long) (retryDelay * 1000)), insecure), progress.retryListener());
        } catch (IllegalArgumentException e) {
            throw new InputError(e.getMessage());
        }
    }
}
