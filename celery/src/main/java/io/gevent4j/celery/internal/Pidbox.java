package io.gevent4j.celery.internal;

import io.gevent4j.Gevent;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * A worker's remote-control mailbox and its events, as kombu's {@code pidbox} and Celery's event
 * dispatcher do them on Redis: commands arrive on the fanout channel {@code /<db>.celery.pidbox}
 * (PSUBSCRIBE), replies are LPUSHed to the queue bound to the reply exchange for the caller's
 * routing key, and {@code worker-online/heartbeat/offline} events are PUBLISHed to
 * {@code /<db>.celeryev/worker.<kind>} so {@code celery events} and Flower see the worker.
 */
public final class Pidbox implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("io.gevent4j.celery");

    private final RedisUrl url;
    private final RedisPool redis;
    private final String hostname;
    private final BiFunction<String, Map<String, Object>, Object> handler;
    private final Supplier<Map<String, Object>> fields;
    private final CountDownLatch subscribed = new CountDownLatch(1);
    private final AtomicLong clock = new AtomicLong();
    private volatile Resp listening;
    private volatile boolean closed;

    /**
     * @param url the broker
     * @param redis command connections (replies and events)
     * @param hostname the node name
     * @param handler runs a command: (method, arguments) → reply value
     * @param fields the worker's live counters for events (active, processed)
     */
    public Pidbox(RedisUrl url, RedisPool redis, String hostname, BiFunction<String, Map<String, Object>, Object> handler,
                  Supplier<Map<String, Object>> fields) {
        this.url = url;
        this.redis = redis;
        this.hostname = hostname;
        this.handler = handler;
        this.fields = fields;
    }

    /** Binds this node's pidbox queue, as kombu's {@code Node.listen} declares it. */
    public void declare() throws IOException, InterruptedException {
        redis.withRetry("declare the pidbox", Duration.ofMinutes(1), r -> r.call("SADD", "_kombu.binding.celery.pidbox",
                Protocol.SEP + Protocol.SEP + hostname + ".celery.pidbox"));
    }

    /** Waits (at most 10 s) until the command channel is subscribed. */
    public void awaitSubscribed() throws InterruptedException {
        if (!subscribed.await(10, TimeUnit.SECONDS)) {
            LOG.log(System.Logger.Level.WARNING, "the pidbox of " + hostname + " is not subscribed yet; remote control may miss early commands");
        }
    }

    /**
     * Receives commands until {@code running} turns false or {@link #close()}; reconnects with backoff.
     *
     * @param running whether to go on
     */
    public void listen(BooleanSupplier running) throws InterruptedException {
        String channel = "/" + url.db() + ".celery.pidbox";
        long backoffMillis = 100;
        while (running.getAsBoolean() && !closed) {
            try (Resp connection = Resp.connect(url)) {
                listening = connection;
                connection.call("PSUBSCRIBE", channel);
                subscribed.countDown();
                backoffMillis = 100;
                while (!closed) {
                    Object pushed = connection.read();
                    if (pushed instanceof List<?> parts && parts.size() == 4 && "pmessage".equals(Resp.str(parts.get(0)))) {
                        handle(Resp.str(parts.get(3)));
                    }
                }
            } catch (IOException e) {
                if (closed || !running.getAsBoolean()) {
                    return;
                }
                LOG.log(System.Logger.Level.WARNING, "pidbox connection lost (" + e.getMessage() + "); reconnecting in " + backoffMillis + " ms");
                Gevent.sleep(backoffMillis);
                backoffMillis = Math.min(backoffMillis * 2, 5_000);
            } finally {
                listening = null;
            }
        }
    }

    @SuppressWarnings("unchecked")
    private void handle(String raw) {
        Map<String, Object> body;
        Protocol.Envelope envelope;
        try {
            envelope = Protocol.Envelope.parse(raw);
            body = Json.map(Json.parse(envelope.bodyText()), "a pidbox command");
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "ignoring a malformed pidbox message: " + e.getMessage());
            return;
        }
        if (envelope.fields().get("headers") instanceof Map<?, ?> headers
                && headers.get("expires") instanceof Number expires
                && expires.doubleValue() < System.currentTimeMillis() / 1000.0) {
            return;
        }
        if (body.get("destination") instanceof List<?> destination && !destination.isEmpty() && !destination.contains(hostname)) {
            return;
        }
        String method = body.get("method") instanceof String m ? m : null;
        if (method == null) {
            LOG.log(System.Logger.Level.ERROR, "ignoring a pidbox message without a method: " + body);
            return;
        }
        Map<String, Object> arguments = body.get("arguments") instanceof Map<?, ?> a ? (Map<String, Object>) a : Map.of();
        Object reply;
        try {
            reply = handler.apply(method, arguments);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "remote control command '" + method + "' failed", e);
            reply = Map.of("error", String.valueOf(e));
        }
        if (reply != null && body.get("reply_to") instanceof Map<?, ?> replyTo && body.get("ticket") instanceof String ticket) {
            String exchange = String.valueOf(replyTo.get("exchange"));
            String routingKey = String.valueOf(replyTo.get("routing_key"));
            Object value = reply;
            Gevent.spawn(() -> reply(exchange, routingKey, ticket, value));
        }
    }

    private void reply(String exchange, String routingKey, String ticket, Object value) throws IOException, InterruptedException {
        Map<String, Object> headers = new LinkedHashMap<>();
        headers.put("ticket", ticket);
        headers.put("clock", clock.incrementAndGet());
        String envelope = Protocol.envelope(Json.write(Map.of(hostname, value)), headers, exchange, routingKey, 0, null);
        redis.withRetry("reply to a remote control command", Duration.ofSeconds(10), r -> {
            Object members = r.call("SMEMBERS", "_kombu.binding." + exchange);
            if (members instanceof List<?> list) {
                for (Object member : list) {
                    String[] parts = Resp.str(member).split(Protocol.SEP, -1);
                    if (parts.length == 3 && parts[0].equals(routingKey)) {
                        r.call("LPUSH", parts[2], envelope);
                    }
                }
            }
            return null;
        });
    }

    /**
     * Sends a heartbeat every 2 s until {@code running} turns false.
     *
     * @param running whether to go on
     */
    public void heartbeats(BooleanSupplier running) throws InterruptedException {
        while (running.getAsBoolean()) {
            Gevent.sleep(2_000);
            if (running.getAsBoolean()) {
                event("worker-heartbeat");
            }
        }
    }

    /**
     * Publishes a worker event ({@code worker-online}, {@code worker-heartbeat}, {@code worker-offline}).
     *
     * @param type the event type
     */
    public void event(String type) throws InterruptedException {
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("hostname", hostname);
        event.put("utcoffset", 0);
        event.put("pid", ProcessHandle.current().pid());
        event.put("clock", clock.incrementAndGet());
        event.put("freq", 2.0);
        event.putAll(fields.get());
        double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        List<Object> loadavg = new ArrayList<>(List.of(Math.max(0, load), Math.max(0, load), Math.max(0, load)));
        event.put("loadavg", loadavg);
        event.put("sw_ident", "gevent4j-celery");
        event.put("sw_ver", "5.2.6");
        event.put("sw_sys", System.getProperty("os.name"));
        event.put("timestamp", System.currentTimeMillis() / 1000.0);
        event.put("type", type);
        String routingKey = type.replace('-', '.');
        String envelope = Protocol.envelope(Json.write(event), Map.of("hostname", hostname), "celeryev", routingKey, 0, null);
        try {
            redis.withRetry("publish a " + type + " event", Duration.ofSeconds(5),
                    r -> r.call("PUBLISH", "/" + url.db() + ".celeryev/" + routingKey, envelope));
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "could not publish " + type + ": " + e.getMessage());
        }
    }

    @Override
    public void close() {
        closed = true;
        Resp connection = listening;
        if (connection != null) {
            connection.close();
        }
    }
}
