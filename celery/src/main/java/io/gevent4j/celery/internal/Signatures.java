package io.gevent4j.celery.internal;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What happens after a task as {@code celery/app/trace.py} does it: callbacks ({@code link}) and the
 * next step of a chain get the return value prepended to their arguments, errbacks ({@code link_error})
 * get the failed task's id; all are sent with {@code parent_id} = this task and the same
 * {@code root_id}. Also the message a retry sends.
 */
public final class Signatures {
    private static final System.Logger LOG = System.getLogger("io.gevent4j.celery");

    private Signatures() {
    }

    /** After a success: callbacks first, then the chain's next task (trace.py's order). */
    public static void applyCallbacks(Broker broker, Protocol.TaskMessage m, Object result) throws IOException, InterruptedException {
        Object callbacks = m.embed().get("callbacks");
        if (callbacks instanceof List<?> list) {
            for (Object sig : list) {
                send(broker, m, sig, result, true, null);
            }
        }
        Object chain = m.embed().get("chain");
        if (chain instanceof List<?> steps && !steps.isEmpty()) {
            List<Object> rest = new ArrayList<>(steps);
            Object next = rest.removeLast();
            send(broker, m, next, result, true, rest.isEmpty() ? null : rest);
        }
    }

    /** After a failure: every errback gets the failed task's id. */
    public static void applyErrbacks(Broker broker, Protocol.TaskMessage m) throws IOException, InterruptedException {
        Object errbacks = m.embed().get("errbacks");
        if (errbacks instanceof List<?> list) {
            for (Object sig : list) {
                send(broker, m, sig, m.id(), true, null);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static void send(Broker broker, Protocol.TaskMessage parent, Object sigValue, Object firstArg, boolean prepend,
                             List<Object> chain) throws IOException, InterruptedException {
        if (!(sigValue instanceof Map<?, ?> raw)) {
            LOG.log(System.Logger.Level.ERROR, "task " + parent.id() + ": ignoring a link that is not a signature object: " + sigValue);
            return;
        }
        Map<String, Object> sig = (Map<String, Object>) raw;
        Object type = sig.get("subtask_type");
        Map<String, Object> sigKwargs = sig.get("kwargs") instanceof Map<?, ?> k ? (Map<String, Object>) k : Map.of();
        if ("group".equals(type) && sigKwargs.get("tasks") instanceof List<?> members) {
            for (Object member : members) {
                send(broker, parent, member, firstArg, prepend, null);
            }
            return;
        }
        if ("chain".equals(type) && sigKwargs.get("tasks") instanceof List<?> members && !members.isEmpty()) {
            List<Object> reversed = new ArrayList<>(members.subList(1, members.size()));
            java.util.Collections.reverse(reversed);
            send(broker, parent, members.get(0), firstArg, prepend, reversed.isEmpty() ? null : reversed);
            return;
        }
        if (type != null && !"".equals(type)) {
            LOG.log(System.Logger.Level.ERROR, "task " + parent.id() + ": a linked '" + type + "' signature is not supported by the gevent4j worker; not sent");
            return;
        }
        if (!(sig.get("task") instanceof String name)) {
            LOG.log(System.Logger.Level.ERROR, "task " + parent.id() + ": ignoring a link without a task name: " + sig);
            return;
        }
        Map<String, Object> options = sig.get("options") instanceof Map<?, ?> o ? (Map<String, Object>) o : Map.of();
        List<Object> args = new ArrayList<>();
        boolean immutable = Boolean.TRUE.equals(sig.get("immutable"));
        if (prepend && !immutable) {
            args.add(firstArg);
        }
        if (sig.get("args") instanceof List<?> a) {
            args.addAll(a);
        }
        Protocol.Outgoing out = new Protocol.Outgoing();
        out.task = name;
        out.args = args;
        out.kwargs = sigKwargs;
        if (options.get("task_id") instanceof String id) {
            out.id = id;
        }
        out.queue = options.get("queue") instanceof String q ? q
                : options.get("routing_key") instanceof String rk ? rk : "celery";
        out.priority = options.get("priority") instanceof Number p ? p.intValue() : parent.envelope().priority();
        if (options.get("countdown") instanceof Number c) {
            out.eta = Instant.now().plusMillis((long) (c.doubleValue() * 1000));
        } else if (options.get("eta") instanceof String eta) {
            out.eta = Protocol.parseTime(eta, "eta");
        }
        if (options.get("expires") instanceof Number e) {
            out.expires = Instant.now().plusMillis((long) (e.doubleValue() * 1000));
        } else if (options.get("expires") instanceof String e) {
            out.expires = Protocol.parseTime(e, "expires");
        }
        out.hardLimit = options.get("time_limit") instanceof Number t ? t.doubleValue() : null;
        out.softLimit = options.get("soft_time_limit") instanceof Number t ? t.doubleValue() : null;
        out.ignoreResult = Boolean.TRUE.equals(options.get("ignore_result"));
        out.callbacks = options.get("link") instanceof Map<?, ?> l ? List.of(l) : options.get("link");
        out.errbacks = options.get("link_error") instanceof Map<?, ?> l ? List.of(l) : options.get("link_error");
        out.chain = chain;
        out.parentId = parent.id();
        out.rootId = parent.rootId() != null ? parent.rootId() : parent.id();
        broker.publish(out.queue, out.priority, out.toJson());
    }

    /** The message a retry sends: the same task and id, {@code retries} + 1, due at {@code eta}. */
    public static String retryMessage(Protocol.TaskMessage m, Instant eta, int priority) {
        Map<String, Object> headers = new LinkedHashMap<>(m.headers());
        headers.put("retries", m.retries() + 1);
        headers.put("eta", Protocol.isoWithOffset(eta));
        headers.remove("redelivered");
        String body = Json.write(List.of(m.args(), m.kwargs(), m.embed()));
        return Protocol.envelope(body, headers, m.queue(), priority, m.id());
    }
}
