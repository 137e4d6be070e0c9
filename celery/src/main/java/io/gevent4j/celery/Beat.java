package io.gevent4j.celery;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.celery.internal.Json;
import io.gevent4j.celery.internal.RedisPool;
import io.gevent4j.celery.internal.RedisUrl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A periodic task scheduler (Celery's {@code celery beat}): sends each entry's task at a fixed rate
 * or on a cron expression. Several beats may run on one broker: every due time of every entry is
 * claimed with {@code SET gevent4j.beat:<entry>:<due> NX}, so exactly one beat sends it.
 * <p>
 * Fixed-rate due times are the multiples of the period since the epoch (every beat computes the
 * same ones); cron expressions are UNIX 5-field ({@code minute hour day-of-month month day-of-week},
 * UTC), parsed by cron-utils.
 *
 * <h2>Schedule file (JSON)</h2>
 * <pre>{@code
 * {"entries": [
 *   {"name": "add-every-10s", "task": "gevent4j.add", "args": [1, 2], "every": 10},
 *   {"name": "nightly-echo", "task": "gevent4j.echo", "args": ["hi"], "kwargs": {}, "cron": "0 3 * * *",
 *    "queue": "celery", "priority": 0}
 * ]}
 * }</pre>
 * Each entry has a unique {@code name}, a {@code task}, optional {@code args}/{@code kwargs}/{@code
 * queue}/{@code priority}, and exactly one of {@code every} (seconds, at least 1) and {@code cron}.
 */
public final class Beat implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("io.gevent4j.celery");
    private static final CronParser CRON = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

    /**
     * One scheduled task.
     *
     * @param name the unique entry name
     * @param task the task name
     * @param args positional arguments
     * @param kwargs keyword arguments
     * @param every the fixed period, or null
     * @param cron the cron expression, or null
     * @param options where and how to send it
     */
    public record Entry(String name, String task, List<Object> args, Map<String, Object> kwargs, Duration every,
                        String cron, SendOptions options) {
        /**
         * Checks the entry.
         *
         * @param name the unique name
         * @param task the task
         * @param args positional arguments
         * @param kwargs keyword arguments
         * @param every the period or null
         * @param cron the cron expression or null
         * @param options send options
         */
        public Entry {
            if (name == null || name.isBlank() || task == null || task.isBlank()) {
                throw new IllegalArgumentException("a beat entry needs a name and a task, got name=" + name + " task=" + task);
            }
            if ((every == null) == (cron == null)) {
                throw new IllegalArgumentException("beat entry '" + name + "' needs exactly one of 'every' (seconds) and 'cron'");
            }
            if (every != null && every.toMillis() < 1000) {
                throw new IllegalArgumentException("beat entry '" + name + "': 'every' must be at least 1 second, got " + every);
            }
            if (cron != null) {
                try {
                    CRON.parse(cron).validate();
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("beat entry '" + name + "': '" + cron + "' is not a 5-field cron expression ("
                            + e.getMessage() + "), e.g. '*/5 * * * *' for every five minutes", e);
                }
            }
            args = args == null ? List.of() : List.copyOf(args);
            kwargs = kwargs == null ? Map.of() : Map.copyOf(kwargs);
            options = options == null ? SendOptions.DEFAULT : options;
        }

        /** The first due time strictly after {@code after}. */
        Instant nextAfter(Instant after) {
            if (every != null) {
                long period = every.toMillis();
                long next = (after.toEpochMilli() / period + 1) * period;
                return Instant.ofEpochMilli(next);
            }
            Optional<ZonedDateTime> next = ExecutionTime.forCron(CRON.parse(cron)).nextExecution(after.atZone(ZoneOffset.UTC));
            return next.map(ZonedDateTime::toInstant).orElse(Instant.MAX);
        }
    }

    private final String broker;
    private final List<Entry> entries;
    private final AtomicLong sent = new AtomicLong();
    private volatile boolean stopping;

    /**
     * Creates the value (each parameter is checked).
     *
     * @param broker the broker URL
     * @param entries the schedule (unique names)
     */
    public Beat(String broker, List<Entry> entries) {
        RedisUrl.parse(broker);
        Set<String> names = new HashSet<>();
        for (Entry e : entries) {
            if (!names.add(e.name())) {
                throw new IllegalArgumentException("beat entry name '" + e.name() + "' appears twice; names must be unique");
            }
        }
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("the beat schedule has no entries");
        }
        this.broker = broker;
        this.entries = List.copyOf(entries);
    }

    /**
     * Reads a schedule file (see the class comment).
     *
     * @param file the JSON file
     * @return its entries
     * @throws IOException if it cannot be read
     * @throws IllegalArgumentException naming the entry and field that is wrong
     */
    public static List<Entry> load(Path file) throws IOException {
        Object root;
        try {
            root = Json.parse(Files.readString(file));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("schedule " + file + " is not JSON: " + e.getOriginalMessage(), e);
        }
        Map<String, Object> top = Json.map(root, "schedule " + file);
        List<Entry> entries = new ArrayList<>();
        for (Object item : Json.list(top.get("entries"), "schedule " + file + ": 'entries'")) {
            Map<String, Object> e = Json.map(item, "schedule " + file + ": an entry");
            String name = e.get("name") instanceof String s ? s : null;
            Duration every = null;
            if (e.get("every") instanceof Number n) {
                every = Duration.ofMillis((long) (n.doubleValue() * 1000));
            } else if (e.containsKey("every")) {
                throw new IllegalArgumentException("beat entry '" + name + "': 'every' must be a number of seconds");
            }
            SendOptions options = SendOptions.DEFAULT;
            if (e.get("queue") instanceof String q) {
                options = options.withQueue(q);
            }
            if (e.get("priority") instanceof Number p) {
                options = options.withPriority(p.intValue());
            }
            entries.add(new Entry(name, e.get("task") instanceof String t ? t : null,
                    e.containsKey("args") ? Json.list(e.get("args"), "beat entry '" + name + "': 'args'") : List.of(),
                    e.containsKey("kwargs") ? Json.map(e.get("kwargs"), "beat entry '" + name + "': 'kwargs'") : Map.of(),
                    every, e.get("cron") instanceof String c ? c : null, options));
        }
        return entries;
    }

    /**
     * Returns how many tasks this beat sent.
     *
     * @return how many tasks this beat sent
     */
    public long sentCount() {
        return sent.get();
    }

    /**
     * Runs the schedule until {@link #close()} (from another thread) or a signal.
     *
     * @throws Exception if Redis cannot be reached at start
     */
    public void run() throws Exception {
        try (Celery celery = Celery.connect(broker); RedisPool redis = new RedisPool(RedisUrl.parse(broker), 4)) {
            LOG.log(System.Logger.Level.INFO, "beat sending " + entries.size() + " entr" + (entries.size() == 1 ? "y" : "ies")
                    + " to " + celery.broker());
            Gevent.run(() -> {
                List<Greenlet<Void>> loops = new ArrayList<>();
                for (Entry entry : entries) {
                    loops.add(Gevent.spawn(() -> schedule(entry, celery, redis)));
                }
                Gevent.joinAll(loops);
                return null;
            });
        }
    }

    private void schedule(Entry entry, Celery celery, RedisPool redis) throws InterruptedException {
        Instant due = entry.nextAfter(Instant.now());
        while (!stopping) {
            long waitMillis = Duration.between(Instant.now(), due).toMillis();
            if (waitMillis > 0) {
                Gevent.sleep(Math.min(waitMillis, 500));
                continue;
            }
            String claim = "gevent4j.beat:" + entry.name() + ":" + due.toEpochMilli();
            long ttl = Math.max(60, entry.every() == null ? 120 : entry.every().toSeconds() * 2);
            try {
                Object won = redis.withRetry("claim beat entry " + entry.name(), Duration.ofSeconds(30),
                        r -> r.call("SET", claim, Long.toString(ProcessHandle.current().pid()), "NX", "EX", Long.toString(ttl)));
                if (won != null) {
                    AsyncResult r = celery.send(entry.task(), entry.args(), entry.kwargs(), entry.options(), false);
                    sent.incrementAndGet();
                    LOG.log(System.Logger.Level.INFO, "beat: sent " + entry.name() + " -> " + entry.task() + "[" + r.id() + "]");
                }
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "beat: could not send " + entry.name() + " due at " + due + ": " + e.getMessage());
            }
            due = entry.nextAfter(due);
        }
    }

    /** Stops the schedule within half a second. */
    @Override
    public void close() {
        stopping = true;
    }
}
