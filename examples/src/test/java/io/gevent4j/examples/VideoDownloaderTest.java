package io.gevent4j.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.gevent4j.examples.RunResult.bytes;
import static io.gevent4j.examples.RunResult.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class VideoDownloaderTest {
    @TempDir
    Path tmp;

    private static RunResult run(String... args) {
        return RunResult.run(VideoDownloader::execute, args);
    }

    private static Set<String> names(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
    }

    /** Serves n segments under dir, the first ones slowest so that they finish last; returns their concatenation. */
    private static byte[] segments(TestServer server, String dir, int n, int seed) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        StringBuilder playlist = new StringBuilder("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n");
        for (int i = 0; i < n; i++) {
            byte[] segment = bytes(seed + i, 10_000 + 997 * i);
            all.writeBytes(segment);
            server.add(dir + "seg" + i + ".ts", segment, "video/mp2t").delay(dir + "seg" + i + ".ts", (n - i) * 15L);
            playlist.append("#EXTINF:2.0,\n").append(i % 2 == 0 ? "seg" + i + ".ts" : dir + "seg" + i + ".ts").append('\n');
        }
        playlist.append("#EXT-X-ENDLIST\n");
        server.add(dir + "index.m3u8", playlist.toString().getBytes(), "application/vnd.apple.mpegurl");
        return all.toByteArray();
    }

    @Test
    void hlsSegmentsAreDownloadedInParallelAndWrittenInOrder() throws Exception {
        try (TestServer server = TestServer.http()) {
            byte[] expected = segments(server, "/hls/", 12, 10);
            server.fail("/hls/seg3.ts", new TestServer.Status(500, -1)).fail("/hls/seg7.ts", new TestServer.Drop());
            Path out = tmp.resolve("videos");

            RunResult r = run("--out", out.toString(), "--progress", "lines", "--retry-delay", "0.05",
                    server.url("/hls/index.m3u8"));

            assertEquals(0, r.code(), r.all());
            assertEquals(sha256(expected), sha256(out.resolve("index.ts")));
            assertEquals(Set.of("index.ts"), names(out), "the segment directory is removed");
            assertEquals(2, server.hits("/hls/seg3.ts"));
        }
    }

    @Test
    void masterPlaylistPicksTheHighestBandwidthOrTheVariantAsked() throws Exception {
        try (TestServer server = TestServer.http()) {
            byte[] low = segments(server, "/low/", 3, 100);
            byte[] high = segments(server, "/high/", 4, 200);
            byte[] mid = segments(server, "/mid/", 2, 300);
            server.add("/master.m3u8", """
                    #EXTM3U
                    #EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,CODECS="avc1.4d401e,mp4a.40.2"
                    low/index.m3u8
                    #EXT-X-STREAM-INF:BANDWIDTH=5000000,RESOLUTION=1920x1080,CODECS="avc1.640028,mp4a.40.2"
                    /high/index.m3u8
                    #EXT-X-STREAM-INF:BANDWIDTH=2500000,RESOLUTION=1280x720
                    mid/index.m3u8
                    """.getBytes(), "application/x-mpegURL");
            Path out = tmp.resolve("videos");

            RunResult best = run("--out", out.toString(), "--name", "best", server.url("/master.m3u8"));
            assertEquals(0, best.code(), best.all());
            assertEquals(sha256(high), sha256(out.resolve("best.ts")));

            RunResult first = run("--out", out.toString(), "--name", "first.ts", "--variant", "1", server.url("/master.m3u8"));
            assertEquals(0, first.code(), first.all());
            assertEquals(sha256(low), sha256(out.resolve("first.ts")));

            RunResult p720 = run("--out", out.toString(), "--name", "hd.ts", "--variant", "720p", server.url("/master.m3u8"));
            assertEquals(0, p720.code(), p720.all());
            assertEquals(sha256(mid), sha256(out.resolve("hd.ts")));

            RunResult none = run("--out", out.toString(), "--variant", "4", "--progress", "none", server.url("/master.m3u8"));
            assertEquals(1, none.code(), none.all());
            assertTrue(none.out().contains("no variant matches --variant 4; the playlist has: #1 640x360"), none.out());
        }
    }

    @Test
    void byteRangeSegmentsAndTheInitSectionAreAssembledInOrder() throws Exception {
        try (TestServer server = TestServer.http()) {
            byte[] file = bytes(42, 60_000);
            server.addRanged("/br/all.mp4", file, "video/mp4", "\"v1\"");
            server.add("/br/plain.mp4", file, "video/mp4");
            String playlist = """
                    #EXTM3U
                    #EXT-X-VERSION:7
                    #EXT-X-MAP:URI="%1$s",BYTERANGE="1000@0"
                    #EXTINF:2.0,
                    #EXT-X-BYTERANGE:20000@1000
                    %1$s
                    #EXTINF:2.0,
                    #EXT-X-BYTERANGE:15000
                    %1$s
                    #EXTINF:2.0,
                    #EXT-X-BYTERANGE:24000
                    %1$s
                    #EXT-X-ENDLIST
                    """;
            server.add("/br/ranged.m3u8", playlist.formatted("all.mp4").getBytes(), "application/vnd.apple.mpegurl");
            server.add("/br/noranges.m3u8", playlist.formatted("plain.mp4").getBytes(), "application/vnd.apple.mpegurl");
            Path out = tmp.resolve("videos");

            RunResult ranged = run("--out", out.toString(), server.url("/br/ranged.m3u8"));
            assertEquals(0, ranged.code(), ranged.all());
            assertEquals(sha256(file), sha256(out.resolve("ranged.mp4")));
            assertTrue(server.rangeRequests().containsAll(List.of("bytes=0-999", "bytes=1000-20999", "bytes=21000-35999",
                    "bytes=36000-59999")), server.rangeRequests().toString());

            // a server that ignores Range: the slices are cut from the whole file
            RunResult sliced = run("--out", out.toString(), server.url("/br/noranges.m3u8"));
            assertEquals(0, sliced.code(), sliced.all());
            assertEquals(sha256(file), sha256(out.resolve("noranges.mp4")));
        }
    }

    @Test
    void encryptedStreamsGiveAClearError() throws Exception {
        try (TestServer server = TestServer.http()) {
            server.add("/enc/seg0.ts", bytes(1, 100), "video/mp2t");
            server.add("/enc/index.m3u8", """
                    #EXTM3U
                    #EXT-X-TARGETDURATION:2
                    #EXT-X-KEY:METHOD=AES-128,URI="https://keys.example.com/k1",IV=0x1234
                    #EXTINF:2.0,
                    seg0.ts
                    #EXT-X-ENDLIST
                    """.getBytes(), "application/vnd.apple.mpegurl");
            Path out = tmp.resolve("videos");

            RunResult r = run("--out", out.toString(), "--progress", "none", server.url("/enc/index.m3u8"));

            assertEquals(1, r.code(), r.all());
            assertTrue(r.out().contains("the stream is encrypted (#EXT-X-KEY METHOD=AES-128"), r.out());
            assertTrue(r.out().contains("does not decrypt"), r.out());
            assertEquals(Set.of(), names(out), "no output at all");
            assertEquals(0, server.hits("/enc/seg0.ts"));
        }
    }

    @Test
    void plainFileInParallelRangesIsByteIdentical() throws Exception {
        try (TestServer server = TestServer.http()) {
            byte[] file = bytes(9, 1_000_003);
            server.addRanged("/movie.mp4", file, "video/mp4", "\"abc\"");
            server.add("/noranges/movie", file, "video/mp4");
            Path out = tmp.resolve("videos");

            RunResult r = run("--out", out.toString(), "--parts", "4", "--progress", "lines", server.url("/movie.mp4"));
            assertEquals(0, r.code(), r.all());
            assertEquals(sha256(file), sha256(out.resolve("movie.mp4")));
            assertEquals(Set.of("movie.mp4"), names(out));
            assertTrue(server.rangeRequests().containsAll(List.of("bytes=0-249999", "bytes=250000-500000",
                    "bytes=500001-750001", "bytes=750002-1000002")), server.rangeRequests().toString());

            Path out2 = tmp.resolve("videos2");
            RunResult single = run("--out", out2.toString(), "--parts", "4", server.url("/noranges/movie"));
            assertEquals(0, single.code(), single.all());
            assertEquals(sha256(file), sha256(out2.resolve("movie.mp4")), "the extension follows the Content-Type");
            assertTrue(single.err().contains("does not accept byte ranges"), single.err());
        }
    }

    @Test
    void anInterruptedDownloadResumesWhereItStoppedAndACompleteOneIsSkipped() throws Exception {
        try (TestServer server = TestServer.http()) {
            byte[] file = bytes(11, 800_000);
            server.addRanged("/big.mp4", file, "video/mp4", "\"v1\"");
            // the probe goes through, the first range request drops half-way, and --retries 0 gives up at once
            server.fail("/big.mp4", new TestServer.Ok(), new TestServer.Drop());
            Path out = tmp.resolve("videos");

            RunResult cut = run("--out", out.toString(), "--parts", "2", "--retries", "0", "--progress", "none",
                    server.url("/big.mp4"));
            assertEquals(1, cut.code(), cut.all());
            assertTrue(cut.out().contains("run the same command again to resume"), cut.out());
            assertFalse(Files.exists(out.resolve("big.mp4")), "no complete-looking file after a failure");

            int before = server.rangeRequests().size();
            RunResult resumed = run("--out", out.toString(), "--parts", "2", "--progress", "lines", server.url("/big.mp4"));
            assertEquals(0, resumed.code(), resumed.all());
            assertEquals(sha256(file), sha256(out.resolve("big.mp4")));
            assertTrue(resumed.err().contains("resuming big.mp4 at"), resumed.err());
            List<String> second = server.rangeRequests().subList(before, server.rangeRequests().size());
            assertEquals(2, second.size(), "the probe and the unfinished range only: " + second);
            assertTrue(second.get(1).matches("bytes=(200000|600000)-(399999|799999)"), second.toString());
            assertEquals(Set.of("big.mp4"), names(out), "partial files are cleaned up");

            RunResult again = run("--out", out.toString(), server.url("/big.mp4"));
            assertEquals(0, again.code(), again.all());
            assertTrue(again.out().contains("1 skipped (already complete)"), again.out());
        }
    }

    @Test
    void hlsResumesFromTheSegmentsAlreadyDownloaded() throws Exception {
        try (TestServer server = TestServer.http()) {
            byte[] expected = segments(server, "/r/", 6, 50);
            server.fail("/r/seg4.ts", new TestServer.Status(500, -1));
            Path out = tmp.resolve("videos");

            RunResult failed = run("--out", out.toString(), "--retries", "0", "--progress", "none", server.url("/r/index.m3u8"));
            assertEquals(1, failed.code(), failed.all());
            assertTrue(failed.out().contains("1 of 6 segments failed"), failed.out());

            RunResult resumed = run("--out", out.toString(), server.url("/r/index.m3u8"));
            assertEquals(0, resumed.code(), resumed.all());
            assertEquals(sha256(expected), sha256(out.resolve("index.ts")));
            assertEquals(1, server.hits("/r/seg0.ts"), "complete segments are not downloaded again");
            assertEquals(2, server.hits("/r/seg4.ts"));
        }
    }

    @Test
    void badInputExitsWithTwo() {
        assertEquals(2, run("--variant", "best", "http://127.0.0.1:1/a.m3u8").code());
        assertEquals(2, run("--parts", "0", "http://127.0.0.1:1/a.mp4").code());
        assertEquals(2, run("--name", "../evil.ts", "http://127.0.0.1:1/a.m3u8").code());
        assertEquals(2, run("not a url").code());
        assertEquals(2, run().code());
    }
}
