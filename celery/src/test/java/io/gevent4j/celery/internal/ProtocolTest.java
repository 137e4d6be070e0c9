package io.gevent4j.celery.internal;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pure parts of the protocol: key names, envelopes, URLs, safe names (the exception table: ExceptionMapperTest). */
class ProtocolTest {

    @Test
    void prioritiesRoundDownToKombusStepsAndZeroIsTheBareQueue() {
        assertEquals("celery", Protocol.queueKey("celery", 0));
        assertEquals("celery", Protocol.queueKey("celery", 2));
        assertEquals("celery\u0006\u00163", Protocol.queueKey("celery", 5));
        assertEquals("celery\u0006\u00169", Protocol.queueKey("celery", 9));
        assertEquals(List.of("a", "b", "a\u0006\u00163", "b\u0006\u00163", "a\u0006\u00166", "b\u0006\u00166", "a\u0006\u00169", "b\u0006\u00169"),
                Broker.consumeKeys(List.of("a", "b")));
    }

    @Test
    void anOutgoingMessageParsesBackWithEveryHeader() {
        Protocol.Outgoing out = new Protocol.Outgoing();
        out.task = "t.x";
        out.args = List.of(1, "two");
        out.kwargs = Map.of("k", true);
        out.queue = "q";
        out.priority = 6;
        out.eta = Instant.parse("2030-01-02T03:04:05.678Z");
        out.expires = Instant.parse("2030-01-02T04:00:00Z");
        out.hardLimit = 10.0;
        out.softLimit = 5.0;
        Protocol.Envelope envelope = Protocol.Envelope.parse(out.toJson());
        Protocol.TaskMessage m = Protocol.TaskMessage.parse(envelope);
        assertEquals("t.x", m.task());
        assertEquals(out.id, m.id());
        assertEquals(List.of(1, "two"), m.args());
        assertEquals(Map.of("k", true), m.kwargs());
        assertEquals(out.eta, m.eta());
        assertEquals(out.expires, m.expires());
        assertEquals(10.0, m.hardLimit());
        assertEquals(5.0, m.softLimit());
        assertEquals("q", m.queue());
        assertEquals(6, envelope.priority());
        assertEquals(out.id, m.rootId());
        assertTrue(String.valueOf(m.headers().get("eta")).endsWith("+00:00"), "eta as Python's isoformat: " + m.headers().get("eta"));
        assertTrue(envelope.redelivered().contains("\"redelivered\":true"));
    }

    @Test
    void naiveTimesAreUtcAndGarbageIsABadMessage() {
        assertEquals(Instant.parse("2030-01-02T03:04:05Z"), Protocol.parseTime("2030-01-02T03:04:05", "eta"));
        Protocol.BadMessage e = assertThrows(Protocol.BadMessage.class, () -> Protocol.parseTime("tomorrow", "eta"));
        assertTrue(e.getMessage().contains("'eta'"), e.getMessage());
    }

    @Test
    void redisUrlsParseWithDefaultsAndSayWhatIsWrong() {
        RedisUrl url = RedisUrl.parse("redis://:s%40cret@example.org:6380/2");
        assertEquals("example.org", url.host());
        assertEquals(6380, url.port());
        assertEquals(2, url.db());
        assertEquals("s@cret", url.password());
        assertEquals("redis://example.org:6380/2", url.display());
        assertEquals(6379, RedisUrl.parse("redis://localhost").port());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RedisUrl.parse("amqp://x")).getMessage().contains("only Redis"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RedisUrl.parse("redis://h/x")).getMessage().contains("not a number"));
    }

    @Test
    void downloadNamesAreOneSafeComponent() {
        assertEquals("passwd", SafeNames.forUrl(URI.create("http://h/a/../../etc/passwd")));
        assertEquals("evil.txt", SafeNames.clean("..\\..\\evil.txt", "download"));
        assertEquals("download", SafeNames.forUrl(URI.create("http://h/")));
        assertEquals("con_.txt", SafeNames.clean("CON.txt", "download").toLowerCase());
        assertEquals("a_b_.png", SafeNames.clean("a b?.png", "download"));
        assertTrue(SafeNames.clean("x".repeat(500) + ".jpg", "d").length() <= 120);
    }
}
