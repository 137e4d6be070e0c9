package io.gevent4j.celery;

import io.gevent4j.celery.internal.Resp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two beats on one broker never double-send; schedule files are checked with clear errors. */
@Timeout(60)
class BeatTest {

    @Test
    void twoBeatsSendEachDueTimeExactlyOnce() throws Exception {
        try (Servers.Redis redis = new Servers.Redis()) {
            Path file = Files.createTempFile("schedule-", ".json");
            Files.writeString(file, """
                    {"entries": [{"name": "tick", "task": "gevent4j.add", "args": [1, 2], "every": 1, "queue": "beat"},
                                 {"name": "cron", "task": "gevent4j.echo", "cron": "* * * * *", "queue": "beat-cron"}]}
                    """);
            List<Beat.Entry> entries = Beat.load(file);
            Beat one = new Beat(redis.url(), entries);
            Beat two = new Beat(redis.url(), entries);
            Thread a = Thread.ofPlatform().start(() -> run(one));
            Thread b = Thread.ofPlatform().start(() -> run(two));
            Servers.waitUntil(Duration.ofSeconds(20), "4 ticks", () -> ((Number) redis.call("LLEN", "beat")).intValue() >= 4);
            one.close();
            two.close();
            a.join();
            b.join();
            long queued = ((Number) redis.call("LLEN", "beat")).longValue() + ((Number) redis.call("LLEN", "beat-cron")).longValue();
            assertEquals(one.sentCount() + two.sentCount(), queued);
            List<?> claims = (List<?>) redis.call("KEYS", "gevent4j.beat:tick:*");
            assertEquals(((Number) redis.call("LLEN", "beat")).longValue(), claims.size(), "one message per due time");
            String message = Resp.str(redis.call("LINDEX", "beat", "0"));
            assertTrue(message.contains("\"task\":\"gevent4j.add\""), message);
        }
    }

    private static void run(Beat beat) {
        try {
            beat.run();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void badSchedulesSayWhatIsWrong() throws Exception {
        IllegalArgumentException both = assertThrows(IllegalArgumentException.class,
                () -> new Beat.Entry("x", "t", List.of(), Map.of(), Duration.ofSeconds(1), "* * * * *", null));
        assertTrue(both.getMessage().contains("exactly one of 'every'"), both.getMessage());
        IllegalArgumentException cron = assertThrows(IllegalArgumentException.class,
                () -> new Beat.Entry("x", "t", List.of(), Map.of(), null, "every minute", null));
        assertTrue(cron.getMessage().contains("not a 5-field cron expression"), cron.getMessage());
        Path file = Files.createTempFile("schedule-", ".json");
        Files.writeString(file, "{\"entries\": [");
        IllegalArgumentException json = assertThrows(IllegalArgumentException.class, () -> Beat.load(file));
        assertTrue(json.getMessage().contains("is not JSON"), json.getMessage());
    }
}
