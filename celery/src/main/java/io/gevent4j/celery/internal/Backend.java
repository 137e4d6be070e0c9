package io.gevent4j.celery.internal;

import com.fasterxml.jackson.core.JsonProcessingException;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Celery's Redis result backend ({@code celery/backends/redis.py} and {@code base.py}
 * {@code _store_result}): a result is stored under {@code celery-task-meta-<id>} after a GET that
 * refuses to overwrite a SUCCESS, with {@code MULTI; SETEX; PUBLISH; EXEC} so that waiting clients
 * (subscribed to the key's channel) wake at once.
 */
public final class Backend {
    /** Celery's ready states. */
    public static final Set<String> READY = Set.of("SUCCESS", "FAILURE", "REVOKED");

    private final RedisPool redis;
    private final long expiresSeconds;

    /**
     * @param redis the command connections
     * @param expires how long results live ({@code result_expires}, Celery's default is one day)
     */
    public Backend(RedisPool redis, Duration expires) {
        this.redis = redis;
        this.expiresSeconds = Math.max(1, expires.toSeconds());
    }

    /**
     * One state to store.
     *
     * @param taskId the task
     * @param state SUCCESS, FAILURE, RETRY, REVOKED, STARTED
     * @param result the return value, or an exception dict
     * @param traceback the traceback text, or null
     * @param groupId the group, or null
     * @param parentId the parent task, or null
     */
    public record Meta(String taskId, String state, Object result, String traceback, String groupId, String parentId) {
        String json() {
            Map<String, Object> meta = new LinkedHashMap<>();
            meta.put("status", state);
            meta.put("result", result);
            meta.put("traceback", traceback);
            meta.put("children", List.of());
            meta.put("date_done", READY.contains(state) ? Protocol.utcNowNaive() : null);
            if (groupId != null) {
                meta.put("group_id", groupId);
            }
            if (parentId != null) {
                meta.put("parent_id", parentId);
            }
            meta.put("task_id", taskId);
            return Json.write(meta);
        }
    }

    /**
     * Stores one state.
     *
     * @param taskId the task
     * @param state SUCCESS, FAILURE, RETRY, REVOKED, STARTED
     * @param result the return value, or an exception dict
     * @param traceback the traceback text, or null
     * @param groupId the group, or null
     * @param parentId the parent task, or null
     * @throws IOException if Redis stays unreachable for a minute
     * @throws InterruptedException if interrupted
     */
    public void store(String taskId, String state, Object result, String traceback, String groupId, String parentId)
            throws IOException, InterruptedException {
        storeAll(List.of(new Meta(taskId, state, result, traceback, groupId, parentId)));
    }

    /**
     * Stores states as Celery does, several in two round trips: GET (MGET) the current values and
     * skip every task that already has a SUCCESS, then one {@code MULTI; SETEX; PUBLISH; ...; EXEC}.
     *
     * @param metas the states
     * @throws IOException if Redis stays unreachable for a minute
     * @throws InterruptedException if interrupted
     */
    public void storeAll(List<Meta> metas) throws IOException, InterruptedException {
        List<String> jsons = new ArrayList<>(metas.size());
        Object[] mget = new Object[metas.size() + 1];
        mget[0] = "MGET";
        for (int i = 0; i < metas.size(); i++) {
            jsons.add(metas.get(i).json());
            mget[i + 1] = Protocol.META_PREFIX + metas.get(i).taskId();
        }
        redis.withRetry("store " + metas.size() + " result(s)", Duration.ofMinutes(1), r -> {
            List<?> current = (List<?>) r.call(mget);
            List<Object[]> commands = new ArrayList<>(metas.size() * 2 + 2);
            commands.add(new Object[] {"MULTI"});
            for (int i = 0; i < metas.size(); i++) {
                String existing = Resp.str(current.get(i));
                if (existing != null && existing.contains("\"SUCCESS\"") && "SUCCESS".equals(statusOf(existing))) {
                    continue; // a SUCCESS is never overwritten (a redelivered duplicate)
                }
                String key = (String) mget[i + 1];
                commands.add(new Object[] {"SETEX", key, Long.toString(expiresSeconds), jsons.get(i)});
                commands.add(new Object[] {"PUBLISH", key, jsons.get(i)});
            }
            if (commands.size() == 1) {
                return null;
            }
            commands.add(new Object[] {"EXEC"});
            for (Object reply : r.pipeline(commands)) {
                if (reply instanceof Resp.RedisError e) {
                    throw new Resp.RedisError(e.getMessage() + " (storing results)");
                }
            }
            return null;
        });
    }

    /**
     * Reads the stored meta of a task.
     *
     * @param taskId the task
     * @return the meta, or null while PENDING (no key)
     * @throws IOException if Redis is unreachable or the stored value is not JSON
     * @throws InterruptedException if interrupted
     */
    public Map<String, Object> meta(String taskId) throws IOException, InterruptedException {
        String json = redis.withRetry("read the result of task " + taskId, Duration.ofSeconds(30),
                r -> Resp.str(r.call("GET", Protocol.META_PREFIX + taskId)));
        return json == null ? null : parseMeta(json, taskId);
    }

    /** Parses a stored meta. */
    public static Map<String, Object> parseMeta(String json, String taskId) throws IOException {
        try {
            return Json.parseObject(json);
        } catch (JsonProcessingException e) {
            throw new IOException("the stored result of task " + taskId + " is not JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static String statusOf(String json) {
        try {
            Object status = Json.parseObject(json).get("status");
            return status instanceof String s ? s : null;
        } catch (JsonProcessingException e) {
            return null;
        }
    }
}
