package io.gevent4j.celery;

import io.gevent4j.celery.internal.Json;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeoutException;

/**
 * {@code ./gevent4j celery worker|call|beat}: the command line of the worker, the client and beat.
 * Run {@code ./gevent4j celery --help} for the options; docs/celery.md walks through them.
 */
@Command(name = "celery", mixinStandardHelpOptions = true,
        description = "A Celery-compatible worker, client and beat on Redis.",
        subcommands = {CeleryCli.WorkerCommand.class, CeleryCli.CallCommand.class, CeleryCli.BeatCommand.class})
public final class CeleryCli implements Callable<Integer> {

    /** Picocli needs an instance. */
    public CeleryCli() {
    }

    /**
     * Runs the command line.
     *
     * @param args {@code worker ...}, {@code call ...} or {@code beat ...}
     */
    public static void main(String[] args) {
        int code = new CommandLine(new CeleryCli())
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    cmd.getErr().println("celery " + cmd.getCommandName() + ": " + e.getMessage());
                    return 2;
                })
                .execute(args);
        System.exit(code);
    }

    @Override
    public Integer call() {
        CommandLine.usage(this, System.err);
        return 2;
    }

    static Duration seconds(double s) {
        return Duration.ofMillis((long) (s * 1000));
    }

    static final String DEFAULT_BROKER = "redis://127.0.0.1:6379/0";

    /** {@code celery worker}. */
    @Command(name = "worker", mixinStandardHelpOptions = true,
            description = "Consume tasks and store their results (the example tasks gevent4j.* and every TaskProvider on the class path).")
    static final class WorkerCommand implements Callable<Integer> {
        @Option(names = {"-b", "--broker"}, defaultValue = DEFAULT_BROKER, description = "broker and result backend (default ${DEFAULT-VALUE})")
        String broker;
        @Option(names = {"-Q", "--queues"}, defaultValue = "celery", split = ",", description = "queues to consume, comma-separated (default ${DEFAULT-VALUE})")
        List<String> queues;
        @Option(names = {"-c", "--concurrency"}, defaultValue = "1000", description = "tasks running at once (default ${DEFAULT-VALUE})")
        int concurrency;
        @Option(names = "--hubs", defaultValue = "1", description = "hubs (threads) sharing the tasks (default ${DEFAULT-VALUE})")
        int hubs;
        @Option(names = "--acks-late", description = "acknowledge after the result is stored (a killed worker loses nothing)")
        boolean acksLate;
        @Option(names = "--visibility-timeout", defaultValue = "3600", description = "seconds before an unacked message is redelivered (default ${DEFAULT-VALUE})")
        double visibilityTimeout;
        @Option(names = {"-n", "--hostname"}, description = "node name (default gevent4j@<host>)")
        String hostname;
        @Option(names = "--shutdown-timeout", defaultValue = "60", description = "seconds a warm shutdown waits for running tasks (default ${DEFAULT-VALUE})")
        double shutdownTimeout;
        @Option(names = "--prefetch-multiplier", defaultValue = "4", description = "prefetch = concurrency x this (default ${DEFAULT-VALUE})")
        int prefetchMultiplier;

        @Override
        public Integer call() throws Exception {
            WorkerOptions options = WorkerOptions.of(broker).withQueues(queues).withConcurrency(concurrency).withHubs(hubs)
                    .withAcksLate(acksLate).withVisibilityTimeout(seconds(visibilityTimeout))
                    .withShutdownTimeout(seconds(shutdownTimeout))
                    .withPrefetchMultiplier(prefetchMultiplier);
            if (hostname != null) {
                options = options.withHostname(hostname);
            }
            Worker worker = new Worker(options);
            new ExampleTasks().register(worker);
            worker.loadProviders();
            Signals.onTerminate(worker::shutdown);
            worker.run();
            return 0;
        }
    }

    /** {@code celery call}. */
    @Command(name = "call", mixinStandardHelpOptions = true,
            description = "Send a task; print its id, and with --wait its result as JSON (exit 1 on FAILURE).")
    static final class CallCommand implements Callable<Integer> {
        @Parameters(index = "0", description = "the task name, e.g. gevent4j.add")
        String task;
        @Option(names = {"-b", "--broker"}, defaultValue = DEFAULT_BROKER, description = "broker and result backend (default ${DEFAULT-VALUE})")
        String broker;
        @Option(names = {"-a", "--args"}, defaultValue = "[]", description = "positional arguments as a JSON array, e.g. '[2, 3]'")
        String args;
        @Option(names = {"-k", "--kwargs"}, defaultValue = "{}", description = "keyword arguments as a JSON object")
        String kwargs;
        @Option(names = {"-Q", "--queue"}, defaultValue = "celery", description = "the queue (default ${DEFAULT-VALUE})")
        String queue;
        @Option(names = "--priority", defaultValue = "0", description = "0 (first) to 9")
        int priority;
        @Option(names = "--countdown", description = "run no earlier than this many seconds from now")
        Double countdown;
        @Option(names = "--expires", description = "discard if not started within this many seconds")
        Double expires;
        @Option(names = "--wait", description = "wait up to this many seconds for the result and print it")
        Double wait;

        @Override
        public Integer call() throws Exception {
            List<Object> parsedArgs;
            Map<String, Object> parsedKwargs;
            try {
                parsedArgs = Json.list(Json.parse(args), "--args");
                parsedKwargs = Json.map(Json.parse(kwargs), "--kwargs");
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                System.err.println("celery call: --args must be a JSON array and --kwargs a JSON object (" + e.getOriginalMessage()
                        + "), e.g. --args '[2, 3]' --kwargs '{\"name\": \"x\"}'");
                return 2;
            }
            SendOptions options = SendOptions.DEFAULT.withQueue(queue).withPriority(priority);
            if (countdown != null) {
                options = options.withCountdown(seconds(countdown));
            }
            if (expires != null) {
                options = options.withExpiresIn(seconds(expires));
            }
            try (Celery celery = Celery.connect(broker)) {
                AsyncResult result = celery.send(task, parsedArgs, parsedKwargs, options, wait != null);
                System.out.println(result.id());
                if (wait == null) {
                    return 0;
                }
                try {
                    System.out.println(Json.write(result.get(seconds(wait))));
                    return 0;
                } catch (TaskFailedException e) {
                    System.err.println(e.state() + ": " + e.excModule() + "." + e.excType() + ": " + e.excText());
                    return 1;
                } catch (TimeoutException e) {
                    System.err.println(e.getMessage());
                    return 3;
                }
            }
        }
    }

    /** {@code celery beat}. */
    @Command(name = "beat", mixinStandardHelpOptions = true,
            description = "Send the tasks of a schedule file periodically (several beats never double-send).")
    static final class BeatCommand implements Callable<Integer> {
        @Option(names = {"-b", "--broker"}, defaultValue = DEFAULT_BROKER, description = "broker (default ${DEFAULT-VALUE})")
        String broker;
        @Option(names = {"-s", "--schedule"}, required = true, description = "the JSON schedule file (see docs/celery.md)")
        Path schedule;

        @Override
        public Integer call() throws Exception {
            Beat beat = new Beat(broker, Beat.load(schedule));
            Signals.onTerminate(beat::close);
            beat.run();
            return 0;
        }
    }
}
