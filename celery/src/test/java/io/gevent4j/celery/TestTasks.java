package io.gevent4j.celery;

import io.gevent4j.celery.internal.RedisUrl;
import io.gevent4j.celery.internal.Resp;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Tasks the tests need besides the examples, found by the worker through
 * META-INF/services/io.gevent4j.celery.TaskProvider on the test class path (so separate worker
 * processes have them too, exercising the ServiceLoader path). Tasks that record something write it
 * to the broker's Redis (CELERY_TEST_REDIS, else the system property), so a test can see executions
 * across processes.
 */
public final class TestTasks implements TaskProvider {

    /** ServiceLoader. */
    public TestTasks() {
    }

    static String redisUrl() {
        String url = System.getenv("CELERY_TEST_REDIS");
        return url != null ? url : System.getProperty("celery.test.redis");
    }

    private static void redis(Object... command) throws Exception {
        try (Resp r = Resp.connect(RedisUrl.parse(redisUrl()))) {
            r.call(command);
        }
    }

    @Override
    public void register(TaskRegistry tasks) {
        tasks.task("test.flaky", TaskSettings.DEFAULT.withMaxRetries(5), (args, kwargs) -> {
            TaskContext task = TaskContext.current();
            int succeedAt = task.arg(0, Integer.class);
            if (task.retries() < succeedAt) {
                throw task.retry(new IllegalStateException("not yet " + task.retries()), Duration.ofMillis(200));
            }
            return "ok after " + task.retries();
        });
        tasks.task("test.always_retry", TaskSettings.DEFAULT.withMaxRetries(2), (args, kwargs) -> {
            throw TaskContext.current().retry(new java.util.NoSuchElementException("still broken"), Duration.ofMillis(100));
        });
        tasks.task("test.soft", (args, kwargs) -> {
            try {
                Thread.sleep((long) (((Number) args.get(0)).doubleValue() * 1000));
                return "slept";
            } catch (SoftTimeLimitExceeded | InterruptedException e) {
                return "cleaned up after " + e.getClass().getSimpleName();
            }
        });
        tasks.task("test.record", (args, kwargs) -> {
            redis("RPUSH", "test:record", String.valueOf(args.get(0)));
            return args.get(0);
        });
        tasks.task("test.mark", (args, kwargs) -> {
            redis("HINCRBY", "test:executions", TaskContext.current().id(), "1");
            if (!args.isEmpty() && args.get(0) instanceof Number n) {
                Thread.sleep((long) (n.doubleValue() * 1000));
            }
            return TaskContext.current().hostname();
        });
        tasks.task("test.typed", (args, kwargs) -> {
            Point p = TaskContext.current().arg(0, Point.class);
            return new Point(p.x() * 2, p.y() * 2);
        });
        tasks.task("test.kwargs", (args, kwargs) -> Map.of("got", kwargs, "n", args.size(), "list", List.copyOf(args)));
    }

    /** A record argument and result, mapped by Jackson. */
    public record Point(int x, int y) {
    }
}
