package io.gevent4j.celery;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.HubGroup;
import io.gevent4j.Timeout;
import io.gevent4j.celery.internal.Backend;
import io.gevent4j.celery.internal.Broker;
import io.gevent4j.celery.internal.Coalescer;
import io.gevent4j.celery.internal.Json;
import io.gevent4j.celery.internal.Pidbox;
import io.gevent4j.celery.internal.Protocol;
import io.gevent4j.celery.internal.RedisPool;
import io.gevent4j.celery.internal.RedisUrl;
import io.gevent4j.celery.internal.Resp;
import io.gevent4j.celery.internal.RevokedIds;
import io.gevent4j.celery.internal.Signatures;
import io.gevent4j.core.GreenletExit;
import io.gevent4j.lock.Semaphore;
import io.gevent4j.pool.Pool;
import io.gevent4j.queue.Queue;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A Celery worker on Redis whose tasks are greenlets: it consumes protocol-v2 messages that Python
 * Celery (or {@link Celery}) sends, runs each registered {@link TaskFunction} in a greenlet of a
 * {@link Pool} of {@link WorkerOptions#concurrency()}, and stores results as Celery's Redis backend
 * does, so Python clients' {@code AsyncResult.get()} just works.
 * <pre>{@code
 * Worker worker = new Worker(WorkerOptions.of("redis://127.0.0.1:6379/0"));
 * worker.task("tasks.add", (args, kwargs) -> ((Number) args.get(0)).longValue() + ((Number) args.get(1)).longValue());
 * worker.start();            // consuming on its own thread(s)
 * ...
 * worker.close();            // warm shutdown
 * }</pre>
 *
 * <h2>Life cycle (one field, {@code state})</h2>
 * <pre>
 *   NEW --start()--> RUNNING --shutdown()/SIGTERM--> STOPPING --(drained)--> STOPPED
 *   NEW --shutdown()--> STOPPED
 * </pre>
 * Tasks may be registered only while NEW. STOPPING is the warm shutdown: no new message is taken
 * (the pending BRPOP ends within a second), every prefetched message that has not started is pushed
 * back to its queue (RPUSH, so it is consumed next), running tasks get up to
 * {@link WorkerOptions#shutdownTimeout()} to finish; those still running then are killed (with
 * acks-late their messages are restored too).
 *
 * <h2>Messages</h2>
 * Each lane (one per hub) pops with {@code BRPOP} over the queues' priority lists in kombu's order,
 * records the message in {@code unacked}, and keeps at most concurrency × prefetch multiplier
 * messages (ETA messages aside) in hand. Bad messages are logged with their delivery tag, rejected and
 * counted ({@link #rejectedCount()}); unknown task names get FAILURE {@code NotRegistered}; revoked
 * and expired tasks REVOKED. Redis going away makes every loop retry with backoff.
 */
public final class Worker implements TaskRegistry, AutoCloseable {
    private static final System.Logger LOG = System.getLogger("io.gevent4j.celery");

    private enum State { NEW, RUNNING, STOPPING, STOPPED }

    /** The most messages one pop takes (each still needs a prefetch permit). */
    private static final int MAX_BATCH = 100;

    private record Registered(TaskSettings settings, TaskFunction function) {
    }

    private final WorkerOptions options;
    private final RedisUrl url;
    private final Map<String, Registered> tasks = new ConcurrentHashMap<>();
    private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
    private final RevokedIds revoked = new RevokedIds(50_000, Duration.ofHours(3));
    /** A task that runs now: its greenlet (for terminate) and what {@code inspect active} shows. */
    private record Running(Greenlet<?> greenlet, Protocol.TaskMessage message, double startedAt) {
        Map<String, Object> describe(String hostname) {
            Map<String, Object> info = new java.util.LinkedHashMap<>();
            info.put("id", message.id());
            info.put("name", message.task());
            info.put("args", message.args());
            info.put("kwargs", message.kwargs());
            info.put("type", message.task());
            info.put("hostname", hostname);
            info.put("time_start", startedAt);
            info.put("acknowledged", true);
            info.put("delivery_info", Map.of("exchange", message.envelope().exchange(), "routing_key", message.queue(),
                    "priority", message.envelope().priority(), "redelivered", Boolean.TRUE.equals(message.headers().get("redelivered"))));
            info.put("worker_pid", ProcessHandle.current().pid());
            return info;
        }
    }

    private final Map<String, Running> running = new ConcurrentHashMap<>();
    /** Running tasks a revoke(terminate) killed: whatever they die of (an interrupted sleep), they are REVOKED. */
    private final Set<String> terminated = ConcurrentHashMap.newKeySet();
    private final AtomicLong processed = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong restoredAtShutdown = new AtomicLong();
    private final CountDownLatch started = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile Throwable failure;
    private RedisPool redis;
    private Broker broker;
    private Backend backend;
    private Thread thread;

    /**
     * A worker with no tasks yet.
     *
     * @param options how it runs
     */
    public Worker(WorkerOptions options) {
        this.options = options;
        this.url = RedisUrl.parse(options.broker());
    }

    /**
     * Returns the options.
     *
     * @return the options
     */
    public WorkerOptions options() {
        return options;
    }

    @Override
    public Worker task(String name, TaskSettings settings, TaskFunction function) {
        if (state.get() != State.NEW) {
            throw new IllegalStateException("task '" + name + "' registered on a worker that is " + state.get()
                    + ": register every task before start()");
        }
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a task name must not be blank");
        }
        if (tasks.putIfAbsent(name, new Registered(settings, function)) != null) {
            throw new IllegalArgumentException("task '" + name + "' is already registered");
        }
        return this;
    }

    /**
     * Whether a task of that name is registered.
     *
     * @param name a task name
     * @return true if registered
     */
    public boolean isRegistered(String name) {
        return tasks.containsKey(name);
    }

    /**
     * Returns the registered task names, sorted.
     *
     * @return the registered task names, sorted
     */
    public List<String> taskNames() {
        return new ArrayList<>(new TreeMap<>(tasks).keySet());
    }

    /**
     * Registers the tasks of every {@link TaskProvider} on the class path.
     *
     * @return how many providers were found
     */
    public int loadProviders() {
        int n = 0;
        for (TaskProvider provider : ServiceLoader.load(TaskProvider.class)) {
            provider.register(this);
            n++;
        }
        return n;
    }

    /**
     * Returns the node name.
     *
     * @return the node name
     */
    public String hostname() {
        return options.hostname();
    }

    /**
     * Returns how many tasks finished (any state).
     *
     * @return how many tasks finished (any state)
     */
    public long processedCount() {
        return processed.get();
    }

    /**
     * Returns how many messages were rejected as unusable.
     *
     * @return how many messages were rejected as unusable
     */
    public long rejectedCount() {
        return rejected.get();
    }

    /**
     * Returns how many tasks are running now.
     *
     * @return how many tasks are running now
     */
    public int activeCount() {
        return running.size();
    }

    /**
     * Returns how many prefetched messages the last warm shutdown pushed back.
     *
     * @return how many prefetched messages the last warm shutdown pushed back
     */
    public long restoredAtShutdownCount() {
        return restoredAtShutdown.get();
    }

    /**
     * Starts consuming on a thread of its own and returns once the worker listens (queues declared,
     * pidbox subscribed).
     *
     * @throws IOException if Redis cannot be reached
     * @throws InterruptedException if interrupted while waiting
     */
    public void start() throws IOException, InterruptedException {
        if (!state.compareAndSet(State.NEW, State.RUNNING)) {
            throw new IllegalStateException("worker " + hostname() + " is " + state.get() + "; a worker starts once");
        }
        redis = new RedisPool(url, Math.max(8, Math.min(64, options.concurrency())));
        broker = new Broker(redis);
        backend = new Backend(redis, options.resultExpires());
        try (Resp probe = Resp.connect(url)) {
            probe.call("PING");
        } catch (IOException e) {
            state.set(State.STOPPED);
            stopped.countDown();
            redis.close();
            throw e;
        }
        thread = Thread.ofPlatform().name("gevent4j-celery-" + hostname()).start(this::runMainHub);
        started.await();
        if (failure != null) {
            throw new IOException("worker " + hostname() + " failed to start: " + failure.getMessage(), failure);
        }
    }

    /**
     * Starts and waits until the worker has stopped (after {@link #shutdown()} or a signal).
     *
     * @throws IOException if Redis cannot be reached at start
     * @throws InterruptedException if interrupted
     */
    public void run() throws IOException, InterruptedException {
        start();
        stopped.await();
    }

    /** Requests a warm shutdown; returns at once. */
    public void shutdown() {
        if (state.compareAndSet(State.NEW, State.STOPPED)) {
            stopped.countDown();
            return;
        }
        state.compareAndSet(State.RUNNING, State.STOPPING);
    }

    /**
     * Waits for the worker to stop.
     *
     * @param timeout the longest wait
     * @return true if it stopped
     * @throws InterruptedException if interrupted
     */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Warm shutdown, waiting up to the shutdown timeout plus 30 s. */
    @Override
    public void close() throws InterruptedException {
        shutdown();
        if (!awaitTermination(options.shutdownTimeout().plusSeconds(30))) {
            throw new IllegalStateException("worker " + hostname() + " did not stop within the shutdown timeout + 30 s");
        }
    }

    private boolean consuming() {
        return state.get() == State.RUNNING;
    }

    // ---------------------------------------------------------------------------------------------
    // the main hub: control greenlets and the lanes

    private void runMainHub() {
        try {
            Gevent.run(() -> {
                for (String queue : options.queues()) {
                    broker.declare(queue);
                }
                Pidbox pidbox = new Pidbox(url, redis, hostname(), this::control, this::eventFields);
                pidbox.declare();
                Greenlet<Void> pidboxLoop = Gevent.spawn(() -> pidbox.listen(this::consuming));
                Greenlet<Void> heartbeat = Gevent.spawn(() -> pidbox.heartbeats(this::consuming));
                Greenlet<Void> restorer = Gevent.spawn(this::restoreVisibleLoop);
                pidbox.awaitSubscribed();
                pidbox.event("worker-online");
                LOG.log(System.Logger.Level.INFO, "worker " + hostname() + " ready: " + options.broker() + " queues "
                        + options.queues() + ", concurrency " + options.concurrency() + ", hubs " + options.hubs()
                        + (options.acksLate() ? ", acks late" : "") + "; tasks " + taskNames());
                started.countDown();
                int perLane = options.concurrency() / options.hubs();
                if (options.hubs() == 1) {
                    new Lane(options.concurrency()).run();
                } else {
                    try (HubGroup group = HubGroup.of(options.hubs())) {
                        List<Greenlet<Void>> lanes = new ArrayList<>();
                        for (int i = 0; i < options.hubs(); i++) {
                            int size = perLane + (i < options.concurrency() % options.hubs() ? 1 : 0);
                            lanes.add(group.spawn(() -> new Lane(size).run()));
                        }
                        for (Greenlet<Void> lane : lanes) {
                            lane.join();
                        }
                    }
                }
                pidbox.event("worker-offline");
                pidbox.close();
                Gevent.killAll(List.of(pidboxLoop, heartbeat, restorer));
                return null;
            });
        } catch (Throwable e) {
            failure = e;
            LOG.log(System.Logger.Level.ERROR, "worker " + hostname() + " stopped by an error", e);
        } finally {
            state.set(State.STOPPED);
            redis.close();
            LOG.log(System.Logger.Level.INFO, "worker " + hostname() + " stopped: " + processed.get() + " processed, "
                    + rejected.get() + " rejected, " + restoredAtShutdown.get() + " restored at shutdown");
            started.countDown();
            stopped.countDown();
        }
    }

    /** Restores other (dead) workers' messages once they pass the visibility timeout. */
    private void restoreVisibleLoop() throws InterruptedException {
        long periodMillis = Math.max(500, Math.min(10_000, options.visibilityTimeout().toMillis() / 2));
        while (consuming()) {
            try {
                int n = broker.restoreVisible(options.visibilityTimeout());
                if (n > 0) {
                    LOG.log(System.Logger.Level.WARNING, "restored " + n + " unacked message(s) older than the visibility timeout "
                            + options.visibilityTimeout().toSeconds() + " s");
                }
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "could not restore unacked messages: " + e.getMessage());
            }
            Gevent.sleep(periodMillis);
        }
    }

    private Map<String, Object> eventFields() {
        Map<String, Object> fields = new java.util.LinkedHashMap<>();
        fields.put("active", running.size());
        fields.put("processed", processed.get());
        return fields;
    }

    /** A pidbox command (ping, revoke, ...); returns the reply, or null for none. */
    private Object control(String method, Map<String, Object> arguments) {
        switch (method) {
            case "ping":
                return Map.of("ok", "pong");
            case "revoke": {
                List<String> ids = new ArrayList<>();
                Object taskId = arguments.get("task_id");
                if (taskId instanceof String s) {
                    ids.add(s);
                } else if (taskId instanceof List<?> list) {
                    for (Object o : list) {
                        ids.add(String.valueOf(o));
                    }
                }
                boolean terminate = Boolean.TRUE.equals(arguments.get("terminate"));
                for (String id : ids) {
                    revoked.add(id);
                    Running r = running.get(id);
                    Greenlet<?> g = r == null ? null : r.greenlet();
                    if (terminate && g != null) {
                        terminated.add(id);
                        try {
                            g.kill(new CeleryException("celery.exceptions", "TaskRevokedError", "terminated"), false, null);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                }
                LOG.log(System.Logger.Level.INFO, "revoked " + ids + (terminate ? " (terminate)" : ""));
                return Map.of("ok", "tasks " + String.join(", ", ids) + " flagged as revoked");
            }
            case "active":
                return running.values().stream().map(r -> r.describe(hostname())).toList();
            case "registered":
                return taskNames();
            case "stats":
                return Map.of("total", Map.of(), "pid", ProcessHandle.current().pid(), "processed", processed.get(),
                        "rejected", rejected.get(), "pool", Map.of("max-concurrency", options.concurrency(), "implementation", "gevent4j"));
            case "shutdown":
                shutdown();
                return Map.of("ok", "shutting down");
            default:
                return Map.of("error", "the gevent4j worker does not implement the remote control command '" + method
                        + "' (it knows ping, revoke, active, registered, stats, shutdown)");
        }
    }

    // ---------------------------------------------------------------------------------------------
    // a lane: one BRPOP connection, one pool, on one hub

    /** A message taken from the broker, from BRPOP until it is acked or restored. */
    private static final class Delivery {
        final Protocol.Envelope envelope;
        final Protocol.TaskMessage message;
        final Registered task;
        boolean holdsPermit = true;

        Delivery(Protocol.Envelope envelope, Protocol.TaskMessage message, Registered task) {
            this.envelope = envelope;
            this.message = message;
            this.task = task;
        }
    }

    private final class Lane {
        private final int concurrency;
        private final Pool pool;
        private final Semaphore prefetch;
        private final Queue<Delivery> ready = new Queue<>();
        /** Received, neither started nor restored, in arrival order: what a warm shutdown pushes back. */
        private final Set<Delivery> unstarted = new LinkedHashSet<>();
        private final Set<Greenlet<?>> etaTimers = new LinkedHashSet<>();
        private final List<String> keys = Broker.consumeKeys(options.queues());
        /** Acks and results of this hub's task greenlets, merged into one round trip per hub turn. */
        private final Coalescer<String> acks = new Coalescer<>(broker::ackAll);
        private final Coalescer<Backend.Meta> results = new Coalescer<>(backend::storeAll);

        Lane(int concurrency) {
            this.concurrency = concurrency;
            this.pool = new Pool(concurrency);
            this.prefetch = new Semaphore(concurrency * options.prefetchMultiplier());
        }

        void run() throws InterruptedException {
            Greenlet<Void> dispatcher = Gevent.spawn(this::dispatch);
            try {
                consume();
            } finally {
                dispatcher.kill();
                Gevent.killAll(new ArrayList<>(etaTimers));
                restoreUnstarted();
                if (!pool.join(options.shutdownTimeout(), false)) {
                    LOG.log(System.Logger.Level.WARNING, pool.size() + " task(s) still running after the shutdown timeout of "
                            + options.shutdownTimeout().toSeconds() + " s: killing them"
                            + (options.acksLate() ? " (their messages are restored)" : " (acked early: they are lost, as in Celery)"));
                    pool.kill();
                }
            }
        }

        private void consume() throws InterruptedException {
            Resp connection = null;
            boolean batchPop = true; // BLMPOP (Redis 7+), else kombu's BRPOP
            long backoffMillis = 100;
            while (consuming()) {
                if (!prefetch.acquire(Duration.ofSeconds(1))) {
                    continue;
                }
                int permits = 1;
                while (permits < MAX_BATCH && prefetch.tryAcquire()) {
                    permits++;
                }
                int kept = 0;
                try {
                    if (connection == null) {
                        connection = Resp.connect(url);
                        backoffMillis = 100;
                    }
                    List<String> popped;
                    try {
                        popped = batchPop ? blmpop(connection, permits) : brpop(connection);
                    } catch (Resp.RedisError e) {
                        if (!batchPop || !e.getMessage().toLowerCase(java.util.Locale.ROOT).contains("unknown command")) {
                            throw e;
                        }
                        batchPop = false;
                        LOG.log(System.Logger.Level.INFO, "this Redis has no BLMPOP (Redis < 7): consuming one message per BRPOP");
                        continue;
                    }
                    kept = receive(popped);
                } catch (IOException e) {
                    if (connection != null) {
                        connection.close();
                        connection = null;
                    }
                    LOG.log(System.Logger.Level.WARNING, "broker connection lost (" + e.getMessage() + "); reconnecting in "
                            + backoffMillis + " ms");
                    Gevent.sleep(backoffMillis);
                    backoffMillis = Math.min(backoffMillis * 2, 5_000);
                } finally {
                    for (int i = kept; i < permits; i++) {
                        prefetch.release();
                    }
                }
            }
            if (connection != null) {
                connection.close();
            }
        }

        /**
         * Up to {@code count} messages from the first non-empty key in kombu's BRPOP order, oldest first:
         * the same order as {@code count} BRPOPs, in one round trip.
         */
        private List<String> blmpop(Resp connection, int count) throws IOException {
            Object[] command = new Object[keys.size() + 6];
            command[0] = "BLMPOP";
            command[1] = "1";
            command[2] = Integer.toString(keys.size());
            for (int i = 0; i < keys.size(); i++) {
                command[i + 3] = keys.get(i);
            }
            command[keys.size() + 3] = "RIGHT";
            command[keys.size() + 4] = "COUNT";
            command[keys.size() + 5] = Integer.toString(count);
            Object reply = connection.call(command);
            List<String> messages = new ArrayList<>();
            if (reply instanceof List<?> keyAndItems && keyAndItems.size() == 2 && keyAndItems.get(1) instanceof List<?> items) {
                for (Object item : items) {
                    messages.add(Resp.str(item));
                }
            }
            return messages;
        }

        private List<String> brpop(Resp connection) throws IOException {
            Object[] command = new Object[keys.size() + 2];
            command[0] = "BRPOP";
            for (int i = 0; i < keys.size(); i++) {
                command[i + 1] = keys.get(i);
            }
            command[command.length - 1] = "1";
            Object reply = connection.call(command);
            if (reply instanceof List<?> popped && popped.size() == 2) {
                return List.of(Resp.str(popped.get(1)));
            }
            return List.of();
        }

        /** Records the popped messages as unacked (one transaction) and hands each on; returns the permits kept. */
        private int receive(List<String> popped) throws IOException, InterruptedException {
            List<Protocol.Envelope> envelopes = new ArrayList<>(popped.size());
            for (String raw : popped) {
                try {
                    envelopes.add(Protocol.Envelope.parse(raw));
                } catch (Protocol.BadMessage e) {
                    rejected.incrementAndGet();
                    LOG.log(System.Logger.Level.ERROR, "rejected a message without a usable envelope (no delivery tag): "
                            + e.getMessage() + "; message: " + abbreviate(raw));
                }
            }
            if (envelopes.isEmpty()) {
                return 0;
            }
            broker.markUnacked(envelopes);
            int kept = 0;
            for (Protocol.Envelope envelope : envelopes) {
                if (accept(envelope)) {
                    kept++;
                }
            }
            return kept;
        }

        /** Handles one unacked message; true if it now holds (or has given back itself) its prefetch permit. */
        private boolean accept(Protocol.Envelope envelope) throws IOException, InterruptedException {
            Protocol.TaskMessage message;
            try {
                message = Protocol.TaskMessage.parse(envelope);
            } catch (Protocol.BadMessage | IllegalArgumentException e) {
                rejected.incrementAndGet();
                LOG.log(System.Logger.Level.ERROR, "rejected message " + envelope.deliveryTag() + ": " + e.getMessage());
                broker.ack(envelope.deliveryTag());
                return false;
            }
            Registered task = tasks.get(message.task());
            if (task == null) {
                LOG.log(System.Logger.Level.ERROR, "received unregistered task '" + message.task() + "' (id " + message.id()
                        + ", delivery tag " + envelope.deliveryTag() + "): storing NotRegistered; registered here: " + taskNames());
                backend.store(message.id(), "FAILURE",
                        ExceptionMapper.toCelery(new CeleryException("celery.exceptions", "NotRegistered", message.task())),
                        null, message.group(), message.parentId());
                broker.ack(envelope.deliveryTag());
                processed.incrementAndGet();
                return false;
            }
            Delivery delivery = new Delivery(envelope, message, task);
            if (revokedOrExpired(delivery)) {
                return false;
            }
            unstarted.add(delivery);
            Instant eta = message.eta();
            if (eta != null && eta.isAfter(Instant.now())) {
                // held unacked until due; it does not count against the prefetch limit (Celery raises
                // its QoS for ETA messages the same way)
                delivery.holdsPermit = false;
                prefetch.release();
                Duration wait = Duration.between(Instant.now(), eta);
                Greenlet<?>[] self = new Greenlet<?>[1];
                self[0] = Gevent.spawnLater(wait, () -> {
                    etaTimers.remove(self[0]);
                    if (unstarted.contains(delivery)) {
                        ready.put(delivery);
                    }
                });
                etaTimers.add(self[0]);
                return true;
            }
            ready.put(delivery);
            return true;
        }

        private void dispatch() throws InterruptedException {
            while (true) {
                Delivery delivery = ready.get();
                if (!unstarted.contains(delivery)) {
                    continue;
                }
                pool.spawn(() -> execute(delivery));
            }
        }

        /** True (and handled: REVOKED stored, acked) if the task must not run. */
        private boolean revokedOrExpired(Delivery d) throws IOException, InterruptedException {
            String reason = null;
            if (revoked.contains(d.message.id())) {
                reason = "revoked";
            } else if (d.message.expires() != null && Instant.now().isAfter(d.message.expires())) {
                reason = "expired";
            }
            if (reason == null) {
                return false;
            }
            LOG.log(System.Logger.Level.INFO, "discarding " + reason + " task " + d.message.task() + "[" + d.message.id() + "]");
            if (!ignoreResult(d)) {
                results.submit(new Backend.Meta(d.message.id(), "REVOKED",
                        ExceptionMapper.toCelery(new CeleryException("celery.exceptions", "TaskRevokedError", reason)),
                        null, d.message.group(), d.message.parentId()));
            }
            acks.submit(d.envelope.deliveryTag());
            processed.incrementAndGet();
            return true;
        }

        private boolean ignoreResult(Delivery d) {
            return d.message.ignoreResult() || d.task.settings().ignoreResult();
        }

        private void execute(Delivery d) throws InterruptedException {
            if (!unstarted.remove(d)) {
                return; // restored by a shutdown meanwhile
            }
            Protocol.TaskMessage m = d.message;
            running.put(m.id(), new Running(Gevent.getCurrent(), m, System.currentTimeMillis() / 1000.0));
            boolean acked = false;
            try {
                if (revokedOrExpired(d)) {
                    acked = true;
                    return;
                }
                if (!options.acksLate()) {
                    acks.submit(d.envelope.deliveryTag());
                    acked = true;
                }
                Outcome outcome = runTask(d);
                finish(d, outcome, results);
                if (!acked) {
                    acks.submit(d.envelope.deliveryTag());
                    acked = true;
                }
                processed.incrementAndGet();
            } catch (GreenletExit exit) {
                // killed by a shutdown past its timeout: with acks-late its message goes back
                if (!acked) {
                    restoreQuietly(d);
                    acked = true;
                }
                throw exit;
            } catch (IOException e) {
                LOG.log(System.Logger.Level.ERROR, "task " + m.task() + "[" + m.id() + "] could not be completed on the broker: "
                        + e.getMessage() + (acked ? "" : " (left unacked: it is redelivered after the visibility timeout)"));
            } finally {
                running.remove(m.id());
                if (d.holdsPermit) {
                    prefetch.release();
                }
            }
        }

        private void restoreQuietly(Delivery d) {
            try {
                broker.restore(d.envelope.deliveryTag(), false);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.ERROR, "could not restore message " + d.envelope.deliveryTag() + ": " + e.getMessage()
                        + " (it stays unacked: another worker restores it after the visibility timeout)");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** Warm shutdown: every received message that has not started goes back to its queue. */
        private void restoreUnstarted() {
            List<Delivery> left = new ArrayList<>(unstarted);
            unstarted.clear();
            for (Delivery d : left) {
                restoreQuietly(d);
                restoredAtShutdown.incrementAndGet();
            }
            if (!left.isEmpty()) {
                LOG.log(System.Logger.Level.INFO, "restored " + left.size() + " prefetched message(s) that had not started");
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // running a task, and what follows: result, retry, links, chain

    private record Outcome(String state, Object result, Throwable error, Retry retry) {
    }

    private Outcome runTask(Delivery d) throws InterruptedException {
        Protocol.TaskMessage m = d.message;
        TaskSettings settings = d.task.settings();
        Double hardSeconds = m.hardLimit() != null ? m.hardLimit() : seconds(settings.timeLimit());
        Double softSeconds = m.softLimit() != null ? m.softLimit() : seconds(settings.softTimeLimit());
        Timeout hard = hardSeconds == null ? null
                : new Timeout(Duration.ofMillis((long) (hardSeconds * 1000)), new TimeLimitExceeded(hardSeconds));
        Timeout soft = softSeconds == null ? null
                : new Timeout(Duration.ofMillis((long) (softSeconds * 1000)), new SoftTimeLimitExceeded(softSeconds));
        TaskContext.set(new TaskContext(m.id(), m.task(), m.retries(), m.args(), m.kwargs(), settings, hostname()));
        try {
            if (hard != null) {
                hard.start();
            }
            if (soft != null) {
                soft.start();
            }
            Object value;
            try {
                value = d.task.function().call(m.args(), m.kwargs());
            } finally {
                if (soft != null) {
                    soft.cancel();
                }
                if (hard != null) {
                    hard.cancel();
                }
            }
            return new Outcome("SUCCESS", Json.toPlain(value), null, null);
        } catch (GreenletExit exit) {
            throw exit;
        } catch (Retry retry) {
            return new Outcome("RETRY", null, retry, retry);
        } catch (Throwable error) {
            if (terminated.remove(m.id())) {
                Thread.interrupted();
                return new Outcome("REVOKED", null, new CeleryException("celery.exceptions", "TaskRevokedError", "terminated"), null);
            }
            Throwable reported = error;
            if (hard != null && hard.expired() && !(error instanceof TimeLimitExceeded)) {
                reported = new TimeLimitExceeded(hardSeconds);
            } else if (soft != null && soft.expired() && error instanceof InterruptedException) {
                reported = new SoftTimeLimitExceeded(softSeconds);
            }
            if (reported instanceof CeleryException ce && "TaskRevokedError".equals(ce.pythonType())) {
                return new Outcome("REVOKED", null, reported, null);
            }
            if (reported instanceof InterruptedException) {
                Thread.interrupted(); // the task is over; do not carry its interrupt into the bookkeeping
            }
            return new Outcome("FAILURE", null, reported, null);
        } finally {
            terminated.remove(m.id());
            TaskContext.set(null);
        }
    }

    private static Double seconds(Duration d) {
        return d == null ? null : d.toMillis() / 1000.0;
    }

    private void finish(Delivery d, Outcome outcome, Coalescer<Backend.Meta> results) throws IOException, InterruptedException {
        Protocol.TaskMessage m = d.message;
        boolean store = !(m.ignoreResult() || d.task.settings().ignoreResult());
        switch (outcome.state()) {
            case "SUCCESS" -> {
                Signatures.applyCallbacks(broker, m, outcome.result());
                if (store) {
                    results.submit(new Backend.Meta(m.id(), "SUCCESS", outcome.result(), null, m.group(), m.parentId()));
                }
            }
            case "RETRY" -> retry(d, outcome.retry(), store, results);
            default -> {
                Throwable error = outcome.error();
                LOG.log(System.Logger.Level.WARNING, "task " + m.task() + "[" + m.id() + "] " + outcome.state() + ": " + error);
                if (store) {
                    results.submit(new Backend.Meta(m.id(), outcome.state(), ExceptionMapper.toCelery(error), ExceptionMapper.traceback(error),
                            m.group(), m.parentId()));
                }
                Signatures.applyErrbacks(broker, m);
            }
        }
    }

    private void retry(Delivery d, Retry retry, boolean store, Coalescer<Backend.Meta> results) throws IOException, InterruptedException {
        Protocol.TaskMessage m = d.message;
        int max = retry.maxRetries() != null ? retry.maxRetries() : d.task.settings().maxRetries();
        if (m.retries() >= max) {
            Throwable error = retry.cause() != null ? retry.cause()
                    : new CeleryException("celery.exceptions", "MaxRetriesExceededError",
                    "Can't retry " + m.task() + "[" + m.id() + "] args:" + Json.write(m.args()) + " kwargs:" + Json.write(m.kwargs()));
            LOG.log(System.Logger.Level.WARNING, "task " + m.task() + "[" + m.id() + "] failed after " + m.retries() + " retries: " + error);
            if (store) {
                results.submit(new Backend.Meta(m.id(), "FAILURE", ExceptionMapper.toCelery(error), ExceptionMapper.traceback(error), m.group(), m.parentId()));
            }
            Signatures.applyErrbacks(broker, m);
            return;
        }
        Instant eta = Instant.now().plus(retry.countdown());
        broker.publish(m.queue(), d.envelope.priority(), Signatures.retryMessage(m, eta, d.envelope.priority()));
        Throwable reason = retry.cause() != null ? retry.cause() : retry;
        LOG.log(System.Logger.Level.INFO, "task " + m.task() + "[" + m.id() + "] retry " + (m.retries() + 1) + "/" + max
                + " in " + retry.countdown().toMillis() + " ms: " + reason);
        if (store) {
            results.submit(new Backend.Meta(m.id(), "RETRY", ExceptionMapper.toCelery(reason), ExceptionMapper.traceback(reason), m.group(), m.parentId()));
        }
    }

    private static String abbreviate(String raw) {
        return raw.length() <= 200 ? raw : raw.substring(0, 200) + "...(" + raw.length() + " chars)";
    }
}
