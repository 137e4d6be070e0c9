package io.gevent4j.celery.internal;

import com.fasterxml.jackson.core.JsonProcessingException;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Celery's task protocol v2 as kombu's Redis transport carries it (see
 * {@code shared/celery-protocol.md}, {@code celery/app/amqp.py} {@code as_task_v2} and
 * {@code kombu/transport/redis.py}): key names, the envelope, and parsing with errors that say which
 * part of a message is wrong.
 */
public final class Protocol {
    /** kombu's priority separator. */
    public static final String SEP = "\u0006\u0016";
    /** kombu's Redis priority steps; 0 is consumed first. */
    public static final int[] PRIORITY_STEPS = {0, 3, 6, 9};
    /** The hash of unacknowledged messages. */
    public static final String UNACKED = "unacked";
    /** The sorted set of unacknowledged delivery tags by delivery time. */
    public static final String UNACKED_INDEX = "unacked_index";
    /** The mutex that guards visibility-timeout restores. */
    public static final String UNACKED_MUTEX = "unacked_mutex";
    /** The result key prefix. */
    public static final String META_PREFIX = "celery-task-meta-";

    private static final DateTimeFormatter ISO_WITH_OFFSET = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSxxx");
    private static final DateTimeFormatter ISO_NAIVE = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS");

    private Protocol() {
    }

    /** The Redis list of {@code queue} for {@code priority} (rounded down to a step, as kombu does). */
    public static String queueKey(String queue, int priority) {
        int step = 0;
        for (int s : PRIORITY_STEPS) {
            if (priority >= s) {
                step = s;
            }
        }
        return step == 0 ? queue : queue + SEP + step;
    }

    /** A fresh uuid4 text, as Celery's task ids and kombu's delivery tags are. */
    public static String uuid() {
        return UUID.randomUUID().toString();
    }

    /** An instant as Python's {@code datetime.isoformat()} of an aware UTC datetime. */
    public static String isoWithOffset(Instant instant) {
        return ISO_WITH_OFFSET.format(instant.atOffset(ZoneOffset.UTC));
    }

    /** Now as Python's {@code datetime.utcnow().isoformat()} (naive UTC), Celery's {@code date_done}. */
    public static String utcNowNaive() {
        return ISO_NAIVE.format(LocalDateTime.now(ZoneOffset.UTC));
    }

    /**
     * Parses an ISO 8601 time as Celery writes it; a time without offset is UTC.
     *
     * @param text the time
     * @param what which header, for the error
     * @return the instant
     */
    public static Instant parseTime(String text, String what) {
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException withOffset) {
            try {
                return LocalDateTime.parse(text).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException naive) {
                throw new BadMessage("header '" + what + "' is not an ISO 8601 time: '" + text + "'");
            }
        }
    }

    /** A message that cannot be run; the reason names the part that is wrong. */
    public static final class BadMessage extends RuntimeException {
        /**
         * @param reason what is wrong
         */
        public BadMessage(String reason) {
            super(reason);
        }
    }

    /**
     * The outer kombu envelope of a message popped from a queue: enough to acknowledge or restore it
     * even when its body turns out to be unusable.
     *
     * @param raw the JSON text as popped
     * @param fields the parsed envelope
     * @param deliveryTag kombu's delivery tag
     * @param exchange the exchange it was published to
     * @param routingKey its routing key
     */
    public record Envelope(String raw, Map<String, Object> fields, String deliveryTag, String exchange, String routingKey) {

        /**
         * Parses the envelope.
         *
         * @param raw the popped text
         * @return the envelope
         * @throws BadMessage if it is not a kombu envelope
         */
        public static Envelope parse(String raw) {
            Map<String, Object> fields;
            try {
                fields = Json.parseObject(raw);
            } catch (JsonProcessingException e) {
                throw new BadMessage("the message is not a JSON object: " + e.getOriginalMessage());
            }
            Object props = fields.get("properties");
            if (!(props instanceof Map<?, ?>)) {
                throw new BadMessage("the envelope has no 'properties' object");
            }
            Map<String, Object> properties = Json.map(props, "properties");
            Object tag = properties.get("delivery_tag");
            if (!(tag instanceof String t) || t.isEmpty()) {
                throw new BadMessage("the envelope has no 'properties.delivery_tag'");
            }
            String exchange = "";
            String routingKey = "";
            if (properties.get("delivery_info") instanceof Map<?, ?> info) {
                exchange = info.get("exchange") instanceof String s ? s : "";
                routingKey = info.get("routing_key") instanceof String s ? s : "";
            }
            return new Envelope(raw, fields, t, exchange, routingKey);
        }

        /** The message priority (0 when absent), clamped to 0..9 as kombu does. */
        public int priority() {
            Object p = Json.map(fields.get("properties"), "properties").get("priority");
            if (p instanceof Number n) {
                return Math.max(0, Math.min(9, n.intValue()));
            }
            return 0;
        }

        /** The envelope as kombu restores it: flagged redelivered in headers and delivery_info. */
        @SuppressWarnings("unchecked")
        public String redelivered() {
            Map<String, Object> copy = new LinkedHashMap<>(fields);
            if (copy.get("headers") instanceof Map<?, ?> h) {
                Map<String, Object> headers = new LinkedHashMap<>((Map<String, Object>) h);
                headers.put("redelivered", true);
                copy.put("headers", headers);
            }
            Map<String, Object> properties = new LinkedHashMap<>(Json.map(copy.get("properties"), "properties"));
            if (properties.get("delivery_info") instanceof Map<?, ?> i) {
                Map<String, Object> info = new LinkedHashMap<>((Map<String, Object>) i);
                info.put("redelivered", true);
                properties.put("delivery_info", info);
            }
            copy.put("properties", properties);
            return Json.write(copy);
        }

        /** The value kombu stores in the {@code unacked} hash: {@code [message, exchange, routing_key]}. */
        public String unackedValue() {
            // the message as it was popped (kombu stores message._raw), not re-serialized
            return "[" + raw + ", " + Json.write(exchange) + ", " + Json.write(routingKey) + "]";
        }

        /**
         * Decodes the body as JSON text.
         *
         * @return the decoded body
         * @throws BadMessage for a content type other than JSON, or a bad encoding
         */
        public String bodyText() {
            Object type = fields.get("content-type");
            if (!"application/json".equals(type)) {
                throw new BadMessage("content type '" + type + "' is not accepted (this worker accepts only "
                        + "application/json; set task_serializer='json' on the producer)");
            }
            Object body = fields.get("body");
            if (!(body instanceof String text)) {
                throw new BadMessage("the envelope has no string 'body'");
            }
            Object encoding = Json.map(fields.get("properties"), "properties").get("body_encoding");
            if (encoding == null || "utf-8".equals(encoding)) {
                return text;
            }
            if (!"base64".equals(encoding)) {
                throw new BadMessage("body_encoding '" + encoding + "' is not supported (expected base64)");
            }
            try {
                return new String(Base64.getDecoder().decode(text), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new BadMessage("the body is not valid base64: " + e.getMessage());
            }
        }
    }

    /**
     * A task message (protocol v2): headers and body, parsed.
     *
     * @param envelope the kombu envelope
     * @param headers the headers as sent
     * @param id the task id
     * @param task the task name
     * @param eta when to run it, or null
     * @param expires when it expires, or null
     * @param retries how often it was retried
     * @param hardLimit the hard time limit in seconds, or null
     * @param softLimit the soft time limit in seconds, or null
     * @param rootId the root task id, or null
     * @param parentId the parent task id, or null
     * @param group the group id, or null
     * @param ignoreResult whether to store no result
     * @param args positional arguments
     * @param kwargs keyword arguments
     * @param embed callbacks, errbacks, chain and chord
     */
    public record TaskMessage(Envelope envelope, Map<String, Object> headers, String id, String task, Instant eta,
                              Instant expires, int retries, Double hardLimit, Double softLimit, String rootId,
                              String parentId, String group, boolean ignoreResult, List<Object> args,
                              Map<String, Object> kwargs, Map<String, Object> embed) {

        /**
         * Parses the headers and the body of a v2 task message.
         *
         * @param envelope the envelope
         * @return the message
         * @throws BadMessage naming what is wrong
         */
        public static TaskMessage parse(Envelope envelope) {
            if (!(envelope.fields().get("headers") instanceof Map<?, ?>)) {
                throw new BadMessage("the envelope has no 'headers' object");
            }
            Map<String, Object> headers = Json.map(envelope.fields().get("headers"), "headers");
            if (!(headers.get("task") instanceof String task) || task.isEmpty()) {
                throw new BadMessage("headers have no 'task' name (a protocol v1 message? this worker speaks protocol v2, Celery's default since 4.0)");
            }
            if (!(headers.get("id") instanceof String id) || id.isEmpty()) {
                throw new BadMessage("headers have no task 'id'");
            }
            String bodyText = envelope.bodyText();
            Object body;
            try {
                body = Json.parse(bodyText);
            } catch (JsonProcessingException e) {
                throw new BadMessage("the body is not JSON: " + e.getOriginalMessage());
            }
            if (!(body instanceof List<?> parts) || parts.size() != 3) {
                throw new BadMessage("the body must be [args, kwargs, embed], got " + Json.describe(body)
                        + (body instanceof List<?> l ? " of " + l.size() + " items" : ""));
            }
            if (!(parts.get(0) instanceof List<?>)) {
                throw new BadMessage("the body's args must be an array, got " + Json.describe(parts.get(0)));
            }
            if (!(parts.get(1) instanceof Map<?, ?>)) {
                throw new BadMessage("the body's kwargs must be an object, got " + Json.describe(parts.get(1)));
            }
            Map<String, Object> embed = parts.get(2) == null ? Map.of() : mapOr(parts.get(2), "the body's embed");
            Instant eta = headers.get("eta") instanceof String s ? parseTime(s, "eta") : null;
            Instant expires = headers.get("expires") instanceof String s ? parseTime(s, "expires") : null;
            int retries = headers.get("retries") instanceof Number n ? n.intValue() : 0;
            Double hard = null;
            Double soft = null;
            if (headers.get("timelimit") instanceof List<?> limits && limits.size() == 2) {
                hard = limits.get(0) instanceof Number n ? n.doubleValue() : null;
                soft = limits.get(1) instanceof Number n ? n.doubleValue() : null;
            }
            return new TaskMessage(envelope, headers, id, task, eta, expires, retries, hard, soft,
                    headers.get("root_id") instanceof String s ? s : null,
                    headers.get("parent_id") instanceof String s ? s : null,
                    headers.get("group") instanceof String s ? s : null,
                    Boolean.TRUE.equals(headers.get("ignore_result")),
                    Json.list(parts.get(0), "args"), Json.map(parts.get(1), "kwargs"), embed);
        }

        private static Map<String, Object> mapOr(Object value, String what) {
            if (!(value instanceof Map<?, ?>)) {
                throw new BadMessage(what + " must be an object, got " + Json.describe(value));
            }
            return Json.map(value, what);
        }

        /** The queue it came from (its routing key; "celery" when absent). */
        public String queue() {
            return envelope.routingKey().isEmpty() ? "celery" : envelope.routingKey();
        }
    }

    /**
     * What a producer sends: builds the v2 envelope exactly as {@code celery/app/amqp.py} does.
     */
    public static final class Outgoing {
        public String id = uuid();
        public String task;
        public List<Object> args = List.of();
        public Map<String, Object> kwargs = Map.of();
        public String queue = "celery";
        public int priority;
        public Instant eta;
        public Instant expires;
        public int retries;
        public Double hardLimit;
        public Double softLimit;
        public String rootId;
        public String parentId;
        public String group;
        public boolean ignoreResult;
        public Object callbacks;
        public Object errbacks;
        public Object chain;
        public Object chord;
        public String origin = "gevent4j@" + Hostnames.LOCAL;

        /** The message as the JSON text to LPUSH. */
        public String toJson() {
            Map<String, Object> headers = new LinkedHashMap<>();
            headers.put("lang", "py");
            headers.put("task", task);
            headers.put("id", id);
            headers.put("shadow", null);
            headers.put("eta", eta == null ? null : isoWithOffset(eta));
            headers.put("expires", expires == null ? null : isoWithOffset(expires));
            headers.put("group", group);
            headers.put("group_index", null);
            headers.put("retries", retries);
            List<Object> limits = new ArrayList<>();
            limits.add(hardLimit);
            limits.add(softLimit);
            headers.put("timelimit", limits);
            headers.put("root_id", rootId == null ? id : rootId);
            headers.put("parent_id", parentId);
            headers.put("argsrepr", Json.write(args));
            headers.put("kwargsrepr", Json.write(kwargs));
            headers.put("origin", origin);
            headers.put("ignore_result", ignoreResult);
            Map<String, Object> embed = new LinkedHashMap<>();
            embed.put("callbacks", callbacks);
            embed.put("errbacks", errbacks);
            embed.put("chain", chain);
            embed.put("chord", chord);
            String body = Json.write(List.of(args, kwargs, embed));
            return envelope(body, headers, queue, priority, id);
        }
    }

    /** A kombu envelope around a JSON body. */
    public static String envelope(String bodyJson, Map<String, Object> headers, String routingKey, int priority, String correlationId) {
        return envelope(bodyJson, headers, "", routingKey, priority, correlationId);
    }

    /** A kombu envelope around a JSON body, published to {@code exchange}. */
    public static String envelope(String bodyJson, Map<String, Object> headers, String exchange, String routingKey,
                                  int priority, String correlationId) {
        Map<String, Object> deliveryInfo = new LinkedHashMap<>();
        deliveryInfo.put("exchange", exchange);
        deliveryInfo.put("routing_key", routingKey);
        Map<String, Object> properties = new LinkedHashMap<>();
        if (correlationId != null) {
            properties.put("correlation_id", correlationId);
            properties.put("reply_to", "");
        }
        properties.put("delivery_mode", 2);
        properties.put("delivery_info", deliveryInfo);
        properties.put("priority", priority);
        properties.put("body_encoding", "base64");
        properties.put("delivery_tag", uuid());
        Map<String, Object> envelope = new LinkedHashMap<>();
        envelope.put("body", Base64.getEncoder().encodeToString(bodyJson.getBytes(StandardCharsets.UTF_8)));
        envelope.put("content-encoding", "utf-8");
        envelope.put("content-type", "application/json");
        envelope.put("headers", headers);
        envelope.put("properties", properties);
        return Json.write(envelope);
    }

    /** The body of a kombu message as plain JSON values (for pidbox and events). */
    public static Object decodeBody(String envelopeJson) throws JsonProcessingException {
        Envelope e = Envelope.parse(envelopeJson);
        return Json.parse(e.bodyText());
    }
}
