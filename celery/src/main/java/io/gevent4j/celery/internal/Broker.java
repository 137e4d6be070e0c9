package io.gevent4j.celery.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * kombu's Redis transport on the broker side: queues with priority sub-lists, and the acknowledgement
 * emulation ({@code QoS} in {@code kombu/transport/redis.py}): a delivered message sits in the
 * {@code unacked} hash (indexed by delivery time in {@code unacked_index}) until it is acked; messages
 * older than the visibility timeout are restored to their queue by whichever worker holds the
 * {@code unacked_mutex}. These keys are shared with every Python worker on the same database.
 */
public final class Broker {
    private static final System.Logger LOG = System.getLogger("io.gevent4j.celery");
    private static final Duration PATIENCE = Duration.ofMinutes(1);
    /** Compare-and-delete, as redis-py's Lock.release. */
    private static final String RELEASE_LOCK =
            "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

    private final RedisPool redis;

    /**
     * @param redis the command connections
     */
    public Broker(RedisPool redis) {
        this.redis = redis;
    }

    /** The command connections. */
    public RedisPool redis() {
        return redis;
    }

    /** Declares {@code queue} as kombu does (its binding on the default exchange). */
    public void declare(String queue) throws IOException, InterruptedException {
        redis.withRetry("declare queue " + queue, PATIENCE,
                r -> r.call("SADD", "_kombu.binding." + queue, queue + Protocol.SEP + Protocol.SEP + queue));
    }

    /** The BRPOP keys for {@code queues}: every queue's priority 0 list first, then 3, 6, 9. */
    public static List<String> consumeKeys(List<String> queues) {
        List<String> keys = new ArrayList<>();
        for (int step : Protocol.PRIORITY_STEPS) {
            for (String queue : queues) {
                keys.add(Protocol.queueKey(queue, step));
            }
        }
        return keys;
    }

    /** Sends a message: LPUSH onto the queue's list for its priority. */
    public void publish(String queue, int priority, String envelopeJson) throws IOException, InterruptedException {
        redis.withRetry("send a message to queue " + queue, PATIENCE,
                r -> r.call("LPUSH", Protocol.queueKey(queue, priority), envelopeJson));
    }

    /** Records delivered messages as unacked ({@code QoS.append}), all in one transaction. */
    public void markUnacked(List<Protocol.Envelope> envelopes) throws IOException, InterruptedException {
        String score = Double.toString(System.currentTimeMillis() / 1000.0);
        List<Object[]> commands = new ArrayList<>(envelopes.size() * 2 + 2);
        commands.add(new Object[] {"MULTI"});
        for (Protocol.Envelope envelope : envelopes) {
            commands.add(new Object[] {"ZADD", Protocol.UNACKED_INDEX, score, envelope.deliveryTag()});
            commands.add(new Object[] {"HSET", Protocol.UNACKED, envelope.deliveryTag(), envelope.unackedValue()});
        }
        commands.add(new Object[] {"EXEC"});
        redis.withRetry("record " + envelopes.size() + " message(s) as unacked", PATIENCE, r -> {
            check(r.pipeline(commands));
            return null;
        });
    }

    /** Acknowledges (or rejects without requeue) a delivery: removes it from both indices. */
    public void ack(String deliveryTag) throws IOException, InterruptedException {
        ackAll(List.of(deliveryTag));
    }

    /** Acknowledges deliveries in one transaction. */
    public void ackAll(List<String> deliveryTags) throws IOException, InterruptedException {
        List<Object[]> commands = new ArrayList<>(deliveryTags.size() * 2 + 2);
        commands.add(new Object[] {"MULTI"});
        for (String tag : deliveryTags) {
            commands.add(new Object[] {"ZREM", Protocol.UNACKED_INDEX, tag});
            commands.add(new Object[] {"HDEL", Protocol.UNACKED, tag});
        }
        commands.add(new Object[] {"EXEC"});
        redis.withRetry("acknowledge " + deliveryTags.size() + " message(s)", PATIENCE, r -> {
            check(r.pipeline(commands));
            return null;
        });
    }

    /**
     * Puts an unacked delivery back on its queue ({@code QoS.restore_by_tag}): in one transaction
     * watched on {@code unacked}, removes it from the indices and pushes it, flagged redelivered.
     *
     * @param deliveryTag the delivery
     * @param leftmost LPUSH (consumed last) instead of RPUSH (consumed next)
     * @return whether the message was still unacked (and so restored)
     */
    public boolean restore(String deliveryTag, boolean leftmost) throws IOException, InterruptedException {
        return redis.withRetry("restore message " + deliveryTag, PATIENCE, r -> {
            while (true) {
                r.call("WATCH", Protocol.UNACKED);
                String stored = Resp.str(r.call("HGET", Protocol.UNACKED, deliveryTag));
                List<Object[]> commands = new ArrayList<>();
                commands.add(new Object[] {"MULTI"});
                commands.add(new Object[] {"ZREM", Protocol.UNACKED_INDEX, deliveryTag});
                commands.add(new Object[] {"HDEL", Protocol.UNACKED, deliveryTag});
                if (stored != null) {
                    for (Object[] push : restoreCommands(r, stored, leftmost)) {
                        commands.add(push);
                    }
                }
                commands.add(new Object[] {"EXEC"});
                List<Object> replies = r.pipeline(commands);
                check(replies);
                if (replies.getLast() != null) {
                    return stored != null;
                }
                // EXEC answered nil: another client touched `unacked` meanwhile; run the transaction again
            }
        });
    }

    private static List<Object[]> restoreCommands(Resp r, String stored, boolean leftmost) throws IOException {
        List<Object[]> pushes = new ArrayList<>();
        List<Object> triple;
        try {
            triple = Json.list(Json.parse(stored), "an unacked entry");
        } catch (IOException | IllegalArgumentException e) {
            LOG.log(System.Logger.Level.ERROR, "cannot restore an unacked entry that is not [message, exchange, routing_key]: " + stored, e);
            return pushes;
        }
        if (triple.size() != 3 || !(triple.get(0) instanceof java.util.Map<?, ?>)) {
            LOG.log(System.Logger.Level.ERROR, "cannot restore an unacked entry that is not [message, exchange, routing_key]: " + stored);
            return pushes;
        }
        String message = Json.write(triple.get(0));
        String exchange = triple.get(1) instanceof String s ? s : "";
        String routingKey = triple.get(2) instanceof String s ? s : "";
        String flagged;
        try {
            flagged = Protocol.Envelope.parse(message).redelivered();
        } catch (Protocol.BadMessage e) {
            flagged = message;
        }
        for (String queue : lookup(r, exchange, routingKey)) {
            pushes.add(new Object[] {leftmost ? "LPUSH" : "RPUSH", queue, flagged});
        }
        return pushes;
    }

    /** The queues bound to {@code exchange} for {@code routingKey} (kombu's {@code _lookup}). */
    private static List<String> lookup(Resp r, String exchange, String routingKey) throws IOException {
        if (exchange.isEmpty()) {
            return List.of(routingKey.isEmpty() ? "celery" : routingKey);
        }
        List<String> queues = new ArrayList<>();
        Object members = r.call("SMEMBERS", "_kombu.binding." + exchange);
        if (members instanceof List<?> list) {
            for (Object member : list) {
                String[] parts = Resp.str(member).split(Protocol.SEP, -1);
                if (parts.length == 3 && (parts[0].equals(routingKey) || parts[0].isEmpty())) {
                    queues.add(parts[2]);
                }
            }
        }
        if (queues.isEmpty()) {
            queues.add(routingKey.isEmpty() ? "celery" : routingKey);
        }
        return queues;
    }

    /**
     * Restores every delivery unacked for longer than {@code visibilityTimeout}, if no other worker is
     * doing so right now ({@code QoS.restore_visible} under the {@code unacked_mutex}).
     *
     * @param visibilityTimeout how old an unacked delivery must be
     * @return how many were restored (0 also when another worker holds the mutex)
     */
    public int restoreVisible(Duration visibilityTimeout) throws IOException, InterruptedException {
        String token = Protocol.uuid();
        Object locked = redis.withRetry("take the unacked mutex", PATIENCE,
                r -> r.call("SET", Protocol.UNACKED_MUTEX, token, "PX", "300000", "NX"));
        if (locked == null) {
            return 0;
        }
        int restored = 0;
        try {
            String ceil = Double.toString(System.currentTimeMillis() / 1000.0 - visibilityTimeout.toMillis() / 1000.0);
            while (true) {
                Object batch = redis.withRetry("list old unacked messages", PATIENCE,
                        r -> r.call("ZREVRANGEBYSCORE", Protocol.UNACKED_INDEX, ceil, "0", "LIMIT", "0", "100"));
                if (!(batch instanceof List<?> tags) || tags.isEmpty()) {
                    break;
                }
                for (Object tag : tags) {
                    if (restore(Resp.str(tag), false)) {
                        restored++;
                    }
                }
            }
        } finally {
            redis.withRetry("release the unacked mutex", PATIENCE,
                    r -> r.call("EVAL", RELEASE_LOCK, "1", Protocol.UNACKED_MUTEX, token));
        }
        return restored;
    }

    private static void check(List<Object> replies) throws Resp.RedisError {
        for (Object reply : replies) {
            if (reply instanceof Resp.RedisError e) {
                throw new Resp.RedisError(e.getMessage());
            }
        }
    }
}
