package io.gevent4j.examples.internal;

import org.jsoup.Jsoup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pure pieces of the tools: names, srcset, playlists, Retry-After, JSON. */
@Timeout(30)
class PartsTest {
    @TempDir
    Path tmp;

    @Test
    void safeNamesNeverLeaveTheDirectory() throws Exception {
        assertEquals("passwd", OutputDir.safeName("../../etc/passwd", "x"));
        assertEquals("evil.png", OutputDir.safeName("..\\..\\evil.png", "x"));
        assertEquals("x", OutputDir.safeName("..", "x"));
        assertEquals("x", OutputDir.safeName("", "x"));
        assertEquals("x", OutputDir.safeName("/", "x"));
        assertEquals("hidden.png", OutputDir.safeName(".hidden.png", "x"));
        assertEquals("rf", OutputDir.safeName("-rf", "x"));
        assertEquals("a_b.png", OutputDir.safeName("a:*?\"<>|b.png", "x"));
        assertEquals("a_b.png", OutputDir.safeName("a\u0000\u202Eb.png", "x"));
        assertEquals("_NUL.txt", OutputDir.safeName("NUL.txt", "x"));
        assertEquals("фото.jpg", OutputDir.safeName("фото.jpg", "x"));
        String longName = OutputDir.safeName("a".repeat(300) + ".jpeg", "x");
        assertEquals(120, longName.length());
        assertTrue(longName.endsWith(".jpeg"));

        OutputDir dir = OutputDir.open(tmp.resolve("out").toString());
        assertEquals("cat.png", dir.reserve("cat.png"));
        assertEquals("CAT-1.png", dir.reserve("CAT.png"));
        assertEquals("cat-2.png", dir.reserve("cat.png"));
        assertEquals("noext", dir.reserve("noext"));
        assertEquals("noext-1", dir.reserve("noext"));
        assertThrows(IllegalArgumentException.class, () -> dir.file("../x"));
        assertThrows(IllegalArgumentException.class, () -> dir.file(".part"));
        assertEquals(dir.path(), dir.file("ok.png").getParent());
    }

    @Test
    void urlsFromUsersAndPages() {
        assertEquals("https://example.com/a%20b.png", Urls.parseUserUrl(" https://example.com/a b.png#frag ").toString());
        assertThrows(IllegalArgumentException.class, () -> Urls.parseUserUrl("example.com/a.png"));
        assertThrows(IllegalArgumentException.class, () -> Urls.parseUserUrl("http:///a.png"));
        URI page = URI.create("http://h/a/b/page.html");
        assertEquals("http://h/x.png", Urls.resolve(page, "../../../x.png").toString());
        assertEquals("http://h/a/b/%C3%A9t%C3%A9.png", Urls.resolve(page, "été.png").toString());
        assertNull(Urls.resolve(page, "data:image/png;base64,AAAA"));
        assertNull(Urls.resolve(page, "javascript:void(0)"));
        assertEquals("../../x.png", Urls.lastSegment(URI.create("http://h/..%2F..%2Fx.png")));
    }

    @Test
    void srcsetCandidates() {
        assertEquals(List.of("a.png", "b.png"), PageImages.srcsetUrls("a.png 1x, b.png 2x"));
        assertEquals(List.of("s.jpg", "l.jpg"), PageImages.srcsetUrls("  s.jpg 480w,\n l.jpg 1080w  "));
        assertEquals(List.of("https://c.example/w_100,h_100/x.jpg", "y.jpg"),
                PageImages.srcsetUrls("https://c.example/w_100,h_100/x.jpg 1x, y.jpg 2x"));
        assertEquals(List.of("a.png", "b.png"), PageImages.srcsetUrls("a.png, b.png"));
        assertEquals(List.of("only.png"), PageImages.srcsetUrls("only.png"));

        var doc = Jsoup.parse("<base href='/assets/'><img src='a.png' srcset='a.png 1x, b.png 2x'>"
                + "<picture><source srcset='c.webp'></picture><img src='data:x'>", "http://h/page");
        assertEquals(List.of(URI.create("http://h/assets/a.png"), URI.create("http://h/assets/b.png"),
                URI.create("http://h/assets/c.webp")), PageImages.find(doc, URI.create("http://h/page")));
    }

    @Test
    void playlists() throws Exception {
        URI base = URI.create("http://h/v/master.m3u8");
        Hls.Master master = assertInstanceOf(Hls.Master.class, Hls.parse("""
                #EXTM3U
                #EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="en",URI="audio/en.m3u8"
                #EXT-X-STREAM-INF:BANDWIDTH=1280000,CODECS="avc1.4d401f,mp4a.40.2",RESOLUTION=640x360,AUDIO="aud"
                low.m3u8
                #EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=86000,URI="iframe.m3u8"
                #EXT-X-STREAM-INF:BANDWIDTH=2560000,RESOLUTION=1280x720
                http://cdn/hi.m3u8
                """, base));
        assertEquals(2, master.variants().size());
        assertTrue(master.separateAudio());
        assertEquals(new Hls.Variant(1, URI.create("http://h/v/low.m3u8"), 1_280_000, "640x360", "avc1.4d401f,mp4a.40.2"),
                master.variants().get(0));
        assertEquals(720, master.variants().get(1).height());

        Hls.Media media = assertInstanceOf(Hls.Media.class, Hls.parse("""
                #EXTM3U
                #EXT-X-TARGETDURATION:4
                #EXT-X-KEY:METHOD=NONE
                #EXTINF:4,
                #EXT-X-BYTERANGE:100@50
                f.ts
                #EXTINF:4,
                #EXT-X-BYTERANGE:30
                f.ts
                #EXTINF:4,
                ../other/g.ts
                """, base));
        assertEquals(List.of(new Hls.Segment(0, URI.create("http://h/v/f.ts"), new Hls.ByteRange(100, 50)),
                new Hls.Segment(1, URI.create("http://h/v/f.ts"), new Hls.ByteRange(30, 150)),
                new Hls.Segment(2, URI.create("http://h/other/g.ts"), null)), media.segments());
        assertNull(media.encryption());
        assertEquals(false, media.ended());
        assertEquals("bytes=150-179", media.segments().get(1).range().header());

        Hls.Media encrypted = assertInstanceOf(Hls.Media.class, Hls.parse(
                "#EXTM3U\n#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"skd://k\"\n#EXTINF:4,\na.ts\n#EXT-X-ENDLIST\n", base));
        assertEquals("SAMPLE-AES", encrypted.encryption());

        FetchException notHls = assertThrows(FetchException.class, () -> Hls.parse("<html>", base));
        assertTrue(notHls.getMessage().contains("does not start with #EXTM3U"));
        assertEquals(Map.of("A", "1", "B", "x,y", "C", "z"), Hls.attributes("A=1,B=\"x,y\",C=z"));
    }

    @Test
    void retryAfterInSecondsOrAsADate() {
        assertEquals(Duration.ofSeconds(5), Http.retryAfter("5"));
        assertEquals(Duration.ZERO, Http.retryAfter("-3"));
        assertNull(Http.retryAfter(null));
        assertNull(Http.retryAfter("soon"));
        String inTenSeconds = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now().plusSeconds(10));
        Duration d = Http.retryAfter(inTenSeconds);
        assertTrue(d.toSeconds() >= 8 && d.toSeconds() <= 10, d.toString());
        String past = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now().minusHours(1));
        assertEquals(Duration.ZERO, Http.retryAfter(past));
    }

    @Test
    void jsonLines() {
        Map<String, Object> fields = new java.util.LinkedHashMap<>();
        fields.put("a", "x\"y\\z\n\u0001");
        fields.put("n", 3);
        fields.put("skip", null);
        fields.put("b", true);
        assertEquals("{\"a\":\"x\\\"y\\\\z\\n\\u0001\",\"n\":3,\"b\":true}", Json.object(fields));
    }

    @Test
    void humanUnits() {
        assertEquals("999 B", Units.bytes(999));
        assertEquals("1.5 KB", Units.bytes(1536));
        assertEquals("120 MB", Units.bytes(120L * 1024 * 1024));
        assertEquals("2m05s", Units.eta(125));
        assertEquals("--", Units.eta(Double.NaN));
    }
}
