package io.gevent4j.examples;

import io.gevent4j.examples.internal.Cli;
import io.gevent4j.examples.internal.CommonOptions;
import io.gevent4j.examples.internal.Fanout;
import io.gevent4j.examples.internal.FetchException;
import io.gevent4j.examples.internal.Hls;
import io.gevent4j.examples.internal.Http;
import io.gevent4j.examples.internal.InputError;
import io.gevent4j.examples.internal.MediaTypes;
import io.gevent4j.examples.internal.OutputDir;
import io.gevent4j.examples.internal.Progress;
import io.gevent4j.examples.internal.Report;
import io.gevent4j.examples.internal.Transfer;
import io.gevent4j.examples.internal.Units;
import io.gevent4j.examples.internal.Urls;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code ./gevent4j download-video [options] URL}: downloads an HLS stream or a plain video file.
 *
 * <ul>
 *   <li>HLS: a media playlist's segments are downloaded in parallel ({@code --concurrency}) and
 *       written in playlist order into one file; a master playlist's highest-bandwidth variant is
 *       chosen (or {@code --variant}). {@code #EXT-X-BYTERANGE} and {@code #EXT-X-MAP} are honoured;
 *       an encrypted stream ({@code #EXT-X-KEY} other than NONE) is refused with a clear error.</li>
 *   <li>A plain file: when the server accepts byte ranges, {@code --parts} ranges are downloaded in
 *       parallel and assembled; otherwise one stream. The final size is checked against the size
 *       the server announced.</li>
 * </ul>
 * An interrupted download resumes when the same command runs again: complete segments and the
 * bytes of each range already on disk are kept (in hidden files next to the output); a complete
 * output file is skipped unless {@code --force}.
 */
@Command(name = "download-video", mixinStandardHelpOptions = true, version = "gevent4j download-video 0.1.0",
        description = "Downloads an HLS stream (.m3u8: segments in parallel, written in order) or a video file"
                + " (byte ranges in parallel when the server accepts them); resumes an interrupted download.",
        footer = Cli.EXIT_CODES)
public final class VideoDownloader implements Callable<Integer> {
    private static final long MAX_PLAYLIST = 16L * 1024 * 1024;
    private static final long MIN_PART = 64 * 1024;
    private static final int MAX_PARTS = 64;
    private static final Set<String> SEGMENT_EXTENSIONS = Set.of("ts", "aac", "mp3", "m4a", "mp4", "webm", "ac3");

    @Parameters(index = "0", paramLabel = "URL", description = "An HLS playlist (.m3u8) or a video file URL.")
    private String url;

    @Option(names = "--concurrency", defaultValue = "16", paramLabel = "N",
            description = "HLS segments downloaded at once (default: ${DEFAULT-VALUE}).")
    private int concurrency;

    @Option(names = "--parts", defaultValue = "4", paramLabel = "N",
            description = "Byte ranges of a plain file downloaded at once, when the server accepts ranges (default: ${DEFAULT-VALUE}).")
    private int parts;

    @Option(names = "--variant", paramLabel = "WHICH",
            description = "The variant of a master playlist: its number (1 = first listed), a resolution (1280x720)"
                    + " or a height (720p). Default: the highest bandwidth.")
    private String variant;

    @Option(names = {"-o", "--out"}, defaultValue = "videos", paramLabel = "DIR",
            description = "Where the video goes (default: ${DEFAULT-VALUE}); created if missing.")
    private String out;

    @Option(names = "--name", paramLabel = "FILE",
            description = "The output file name (default: from the URL; the extension follows the content).")
    private String name;

    @Option(names = "--force", description = "Download again a video already complete in --out, and drop partial data.")
    private boolean force;

    @Mixin
    private CommonOptions common = new CommonOptions();

    private PrintStream stdout = System.out;
    private PrintStream stderr = System.err;

    /** Creates the command; picocli sets its options. */
    public VideoDownloader() {
    }

    /**
     * The command line entry point.
     *
     * @param args options and the URL; {@code --help} lists them
     */
    public static void main(String[] args) {
        System.exit(execute(System.out, System.err, args));
    }

    /**
     * Runs the command as {@link #main} does, without exiting.
     *
     * @param out standard output (the summary)
     * @param err standard error (progress, errors)
     * @param args options and the URL
     * @return the exit code: 0 downloaded or already complete, 1 failed, 2 bad input
     */
    public static int execute(PrintStream out, PrintStream err, String... args) {
        VideoDownloader command = new VideoDownloader();
        command.stdout = out;
        command.stderr = err;
        return Cli.execute(command, out, err, args);
    }

    /**
     * Parses arguments into a command without running it, for {@link #download(Progress)}.
     *
     * @param args options and the URL
     * @return the command
     * @throws picocli.CommandLine.ParameterException if the arguments are invalid
     */
    public static VideoDownloader parse(String... args) {
        return Cli.parse(new VideoDownloader(), args);
    }

    /**
     * Runs the command: downloads, prints the summary.
     *
     * @return the exit code
     * @throws Exception only for a bug (a failed download is in the summary, not an exception)
     */
    @Override
    public Integer call() throws Exception {
        return Cli.runDownload("download-video", common, stdout, stderr, this::download);
    }

    /**
     * Downloads the video. Must run in a greenlet (see {@link Fanout#inHub}).
     *
     * @param progress where progress goes
     * @return one item: the video downloaded, skipped or failed
     * @throws InputError for bad input (nothing was downloaded)
     * @throws InterruptedException if interrupted
     */
    Report download(Progress progress) throws InputError, InterruptedException {
        if (concurrency < 1) {
            throw new InputError("--concurrency must be at least 1, got " + concurrency);
        }
        if (parts < 1 || parts > MAX_PARTS) {
            throw new InputError("--parts must be between 1 and " + MAX_PARTS + ", got " + parts);
        }
        if (variant != null && !variant.matches("\\d+|\\d+x\\d+|\\d+p")) {
            throw new InputError("--variant must be a number (1 = the first variant listed), a resolution such as"
                    + " 1280x720, or a height such as 720p; got '" + variant + "'");
        }
        if (name != null && !OutputDir.safeName(name, "").equals(name)) {
            throw new InputError("--name must be a plain file name (letters, digits, . _ -, no directory), got '" + name
                    + "'; a safe form is '" + OutputDir.safeName(name, "video") + "'");
        }
        URI source;
        try {
            source = Urls.parseUserUrl(url);
        } catch (IllegalArgumentException e) {
            throw new InputError(e.getMessage());
        }
        Http http = common.http(progress);
        OutputDir dir = OutputDir.open(out);
        Report report = new Report("video", dir.path());
        try {
            Probe probe = probe(http, source);
            report.add(probe.playlist() != null
                    ? downloadHls(http, dir, source, probe, progress)
                    : downloadFile(http, dir, source, probe, progress));
        } catch (FetchException e) {
            progress.warn("video: FAILED " + source + ": " + e.getMessage());
            report.add(Report.Item.failed(source.toString(), e.getMessage()));
        }
        report.finish();
        return report;
    }

    /** What the first request told: a playlist's text, or a file's size, range support and validator. */
    private record Probe(URI uri, String playlist, long length, boolean ranges, String validator, String type) {
    }

    private static Probe probe(Http http, URI source) throws FetchException, InterruptedException {
        return http.fetch(source, () -> Map.of("Range", "bytes=0-"), response -> {
            String type = response.contentType();
            String ext = OutputDir.extension(Urls.lastSegment(response.uri()));
            long length = response.contentLength();
            boolean maybeText = type.isEmpty() || type.startsWith("text/");
            if (MediaTypes.isPlaylist(type) || ext.equals("m3u8") || ext.equals("m3u")
                    || (maybeText && length >= 0 && length <= MAX_PLAYLIST)) {
                String text = new String(Http.readBody(response, MAX_PLAYLIST), StandardCharsets.UTF_8);
                if (text.startsWith("#EXTM3U") || text.startsWith("\uFEFF#EXTM3U") || MediaTypes.isPlaylist(type)) {
                    return new Probe(response.uri(), text, -1, false, null, type);
                }
                if (ext.equals("m3u8") || ext.equals("m3u")) {
                    throw FetchException.permanent(response.uri() + " is not an HLS playlist (it does not start with #EXTM3U)");
                }
                return fileProbe(response, type);
            }
            Probe probe = fileProbe(response, type);
            response.abort();
            return probe;
        });
    }

    private static Probe fileProbe(Http.Response response, String type) {
        long length;
        boolean ranges;
        Http.ContentRange range = response.contentRange();
        if (response.status() == 206 && range != null) {
            length = range.total();
            ranges = length > 0;
        } else {
            length = response.contentLength();
            ranges = "bytes".equalsIgnoreCase(Objects.requireNonNullElse(response.header("Accept-Ranges"), "")) && length > 0;
        }
        String etag = response.header("ETag");
        String validator = etag != null && !etag.startsWith("W/") ? etag : response.header("Last-Modified");
        return new Probe(response.uri(), null, length, ranges, validator, type);
    }

    // ---- plain files ----------------------------------------------------------------------------

    private Report.Item downloadFile(Http http, OutputDir dir, URI source, Probe probe, Progress progress)
            throws FetchException, InterruptedException {
        String fileName = dir.reserve(outputName(source, MediaTypes.extensionFor(probe.type()), "video", false));
        Path target = dir.file(fileName);
        if (!force && Files.isRegularFile(target)) {
            return skipped(source, target, progress);
        }
        Progress.Bar bar = progress.bar("video", "files", 1);
        try {
            long size = probe.ranges()
                    ? downloadRanges(http, dir, fileName, probe, bar, progress)
                    : downloadOneStream(http, dir, fileName, probe, bar, progress);
            bar.done(fileName + " (" + Units.bytes(size) + ")");
            return Report.Item.downloaded(source.toString(), target, size);
        } finally {
            bar.finish();
        }
    }

    private static long downloadOneStream(Http http, OutputDir dir, String fileName, Probe probe, Progress.Bar bar,
                                          Progress progress) throws FetchException, InterruptedException {
        progress.info("video: the server does not accept byte ranges: " + fileName + " comes in one stream"
                + " (an interrupted download starts over)");
        if (probe.length() > 0) {
            bar.expectBytes(probe.length(), 0);
        }
        Path temp = dir.temp(fileName, "part");
        long size = http.fetch(probe.uri(), response -> Transfer.toFile(response, temp, false, 0, -1, bar::bytes));
        if (probe.length() >= 0 && size != probe.length()) {
            throw FetchException.permanent("received " + size + " bytes but the server announced " + probe.length());
        }
        OutputDir.commit(temp, dir.file(fileName));
        return size;
    }

    private long downloadRanges(Http http, OutputDir dir, String fileName, Probe probe, Progress.Bar bar,
                                Progress progress) throws FetchException, InterruptedException {
        long length = probe.length();
        Path stateFile = dir.temp(fileName, "parts");
        int count = resumeState(dir, fileName, stateFile, probe);
        if (count == 0) {
            count = (int) Math.max(1, Math.min(parts, length / MIN_PART));
            saveState(stateFile, probe, count);
        }
        List<Range> ranges = new ArrayList<>(count);
        long have = 0;
        for (int i = 0; i < count; i++) {
            long start = length * i / count;
            long end = length * (i + 1) / count - 1;
            Path file = dir.temp(fileName, "part" + i);
            long size = Transfer.sizeOrZero(file);
            if (size > end - start + 1) {
                Transfer.delete(file);
                size = 0;
            }
            have += size;
            ranges.add(new Range(i, start, end, file));
        }
        bar.expectBytes(length, have);
        if (have > 0) {
            progress.info("video: resuming " + fileName + " at " + Units.bytes(have) + " of " + Units.bytes(length));
        }
        progress.info("video: " + fileName + ": " + Units.bytes(length) + " in " + count + " byte range"
                + (count == 1 ? "" : "s") + " at once");
        List<String> failures = Fanout.map(ranges, count, range -> fetchRange(http, probe, range, bar));
        List<String> reasons = failures.stream().filter(Objects::nonNull).toList();
        if (!reasons.isEmpty()) {
            throw FetchException.permanent(reasons.size() + " of " + count + " byte ranges failed: " + reasons.getFirst()
                    + "; the bytes received are kept: run the same command again to resume");
        }
        Path target = dir.file(fileName);
        long size;
        if (count == 1) {
            size = Transfer.sizeOrZero(ranges.getFirst().file());
            checkLength(size, length);
            OutputDir.commit(ranges.getFirst().file(), target);
        } else {
            Path temp = dir.temp(fileName, "part");
            size = Transfer.concat(ranges.stream().map(Range::file).toList(), temp);
            checkLength(size, length);
            OutputDir.commit(temp, target);
            for (Range range : ranges) {
                Transfer.delete(range.file());
            }
        }
        Transfer.delete(stateFile);
        return size;
    }

    private static void checkLength(long size, long expected) throws FetchException {
        if (size != expected) {
            throw FetchException.permanent("the assembled file has " + size + " bytes but the server announced "
                    + expected + "; run again with --force");
        }
    }

    private record Range(int number, long start, long end, Path file) {
    }

    private static String fetchRange(Http http, Probe probe, Range range, Progress.Bar bar) throws InterruptedException {
        long want = range.end() - range.start() + 1;
        try {
            if (Transfer.sizeOrZero(range.file()) == want) {
                return null;
            }
            http.fetch(probe.uri(), () -> {
                Map<String, String> headers = new LinkedHashMap<>();
                headers.put("Range", "bytes=" + (range.start() + Transfer.sizeOrZero(range.file())) + "-" + range.end());
                if (probe.validator() != null) {
                    headers.put("If-Range", probe.validator());
                }
                return headers;
            }, response -> {
                long from = range.start() + Transfer.sizeOrZero(range.file());
                Http.ContentRange got = response.contentRange();
                if (response.status() != 206 || got == null) {
                    response.abort();
                    throw FetchException.permanent("the server sent the whole file instead of bytes " + from + "-"
                            + range.end() + " (the file changed on the server?); run again with --force to start over");
                }
                if (got.start() != from || got.end() != range.end()) {
                    response.abort();
                    throw FetchException.permanent("asked for bytes " + from + "-" + range.end() + ", the server sent "
                            + got.start() + "-" + got.end());
                }
                return Transfer.toFile(response, range.file(), true, 0, -1, bar::bytes);
            });
            return null;
        } catch (FetchException e) {
            return "bytes " + range.start() + "-" + range.end() + ": " + e.getMessage();
        }
    }

    /**
     * Returns the number of ranges of a matching earlier partial download, or 0 (its leftovers deleted).
     *
     * @return the number of ranges of a matching earlier partial download, or 0 (its leftovers deleted)
     */
    private int resumeState(OutputDir dir, String fileName, Path stateFile, Probe probe) throws FetchException {
        if (!force && Files.isRegularFile(stateFile)) {
            Properties state = new Properties();
            try (InputStream in = Files.newInputStream(stateFile)) {
                state.load(in);
            } catch (IOException e) {
                throw FetchException.permanent("cannot read " + stateFile + " (" + OutputDir.reason(e) + ")", e);
            }
            boolean same = probe.uri().toString().equals(state.getProperty("url"))
                    && String.valueOf(probe.length()).equals(state.getProperty("length"))
                    && Objects.equals(probe.validator(), state.getProperty("validator"));
            int count = parseInt(state.getProperty("parts"));
            if (same && count >= 1 && count <= MAX_PARTS) {
                return count;
            }
        }
        deleteLeftovers(dir, fileName, stateFile);
        return 0;
    }

    private static void deleteLeftovers(OutputDir dir, String fileName, Path stateFile) throws FetchException {
        String prefix = "." + fileName + ".part";
        try (Stream<Path> files = Files.list(dir.path())) {
            for (Path file : files.filter(f -> f.getFileName().toString().startsWith(prefix)).toList()) {
                Transfer.delete(file);
            }
        } catch (IOException e) {
            throw FetchException.permanent("cannot list " + dir.path() + " (" + OutputDir.reason(e) + ")", e);
        }
        Transfer.delete(stateFile);
    }

    private static void saveState(Path stateFile, Probe probe, int count) throws FetchException {
        Properties state = new Properties();
        state.setProperty("url", probe.uri().toString());
        state.setProperty("length", String.valueOf(probe.length()));
        if (probe.validator() != null) {
            state.setProperty("validator", probe.validator());
        }
        state.setProperty("parts", String.valueOf(count));
        try (OutputStream o = Files.newOutputStream(stateFile)) {
            state.store(o, "gevent4j download-video: partial download, resumed by running the same command again");
        } catch (IOException e) {
            throw FetchException.permanent("cannot write " + stateFile + " (" + OutputDir.reason(e) + ")", e);
        }
    }

    private static int parseInt(String s) {
        try {
            return s == null ? 0 : Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    // ---- HLS ------------------------------------------------------------------------------------

    private Report.Item downloadHls(Http http, OutputDir dir, URI source, Probe probe, Progress progress)
            throws FetchException, InterruptedException {
        Hls.Playlist playlist = Hls.parse(probe.playlist(), probe.uri());
        URI mediaUri = probe.uri();
        if (playlist instanceof Hls.Master master) {
            Hls.Variant chosen = chooseVariant(master);
            progress.info("video: master playlist with " + master.variants().size() + " variant"
                    + (master.variants().size() == 1 ? "" : "s") + "; downloading " + chosen.describe()
                    + (variant == null ? " (the highest bandwidth; --variant picks another)" : ""));
            if (master.separateAudio()) {
                progress.warn("video: this stream keeps its audio in separate playlists (#EXT-X-MEDIA);"
                        + " only the variant's own segments are downloaded");
            }
            Http.Body body = http.fetchBytes(chosen.uri(), MAX_PLAYLIST);
            mediaUri = body.uri();
            playlist = Hls.parse(new String(body.bytes(), StandardCharsets.UTF_8), mediaUri);
            if (playlist instanceof Hls.Master) {
                throw FetchException.permanent("the variant playlist " + mediaUri + " is itself a master playlist");
            }
        }
        Hls.Media media = (Hls.Media) playlist;
        if (media.encryption() != null) {
            throw FetchException.permanent("the stream is encrypted (#EXT-X-KEY METHOD=" + media.encryption()
                    + " in " + mediaUri + "); download-video does not decrypt streams, so it stops here instead of"
                    + " writing a file no player could read");
        }
        List<Hls.Segment> segments = media.segments();
        if (segments.isEmpty() || (media.hasInitSection() && segments.size() == 1)) {
            throw FetchException.permanent("the playlist " + mediaUri + " lists no segments");
        }
        if (!media.ended()) {
            progress.warn("video: " + mediaUri + " is a live playlist (no #EXT-X-ENDLIST): downloading the "
                    + segments.size() + " segments it lists now");
        }
        String ext = media.hasInitSection() ? "mp4" : segmentExtension(segments.getFirst().uri());
        String fileName = dir.reserve(outputName(source, ext, "video", true));
        Path target = dir.file(fileName);
        if (!force && Files.isRegularFile(target)) {
            return skipped(source, target, progress);
        }
        Path work = prepareWorkDir(dir.temp(fileName, "segments"), mediaUri, segments.size());
        Progress.Bar bar = progress.bar("video", "segments", segments.size());
        try {
            List<String> failures = Fanout.map(segments, concurrency, segment -> fetchSegment(http, work, segment, bar));
            List<String> reasons = failures.stream().filter(Objects::nonNull).toList();
            if (!reasons.isEmpty()) {
                throw FetchException.permanent(reasons.size() + " of " + segments.size() + " segments failed, first: "
                        + reasons.getFirst() + "; the segments received are kept in " + work
                        + ": run the same command again to resume");
            }
            Path temp = dir.temp(fileName, "part");
            long size = Transfer.concat(segments.stream().map(s -> segmentFile(work, s)).toList(), temp);
            OutputDir.commit(temp, target);
            deleteTree(work);
            progress.info("video: " + segments.size() + " segments written in order to " + target);
            return Report.Item.downloaded(source.toString(), target, size);
        } finally {
            bar.finish();
        }
    }

    private Hls.Variant chooseVariant(Hls.Master master) throws FetchException {
        List<Hls.Variant> all = master.variants();
        Comparator<Hls.Variant> byBandwidth = Comparator.comparingLong(Hls.Variant::bandwidth);
        if (variant == null) {
            return all.stream().max(byBandwidth).orElseThrow();
        }
        List<Hls.Variant> matching;
        if (variant.matches("\\d+")) {
            int n = Integer.parseInt(variant);
            matching = all.stream().filter(v -> v.number() == n).toList();
        } else if (variant.endsWith("p")) {
            int height = Integer.parseInt(variant.substring(0, variant.length() - 1));
            matching = all.stream().filter(v -> v.height() == height).toList();
        } else {
            matching = all.stream().filter(v -> v.resolution().equalsIgnoreCase(variant)).toList();
        }
        return matching.stream().max(byBandwidth).orElseThrow(() -> FetchException.permanent("no variant matches --variant "
                + variant + "; the playlist has: " + String.join(", ", all.stream().map(Hls.Variant::describe).toList())));
    }

    private static String segmentExtension(URI segment) {
        String ext = OutputDir.extension(Urls.lastSegment(segment));
        if (ext.equals("m4s") || ext.equals("m4v") || ext.equals("cmfv")) {
            return "mp4";
        }
        return SEGMENT_EXTENSIONS.contains(ext) ? ext : "ts";
    }

    private Path prepareWorkDir(Path work, URI mediaUri, int count) throws FetchException {
        Path sourceFile = work.resolve("source.txt");
        String expected = mediaUri + "\n" + count + "\n";
        try {
            if (Files.isDirectory(work)) {
                boolean same = !force && Files.isRegularFile(sourceFile)
                        && Files.readString(sourceFile, StandardCharsets.UTF_8).equals(expected);
                if (same) {
                    return work;
                }
                deleteTree(work);
            }
            Files.createDirectories(work);
            Files.writeString(sourceFile, expected, StandardCharsets.UTF_8);
            return work;
        } catch (IOException e) {
            throw FetchException.permanent("cannot prepare " + work + " (" + OutputDir.reason(e) + ")", e);
        }
    }

    private static void deleteTree(Path work) throws FetchException {
        try (Stream<Path> files = Files.list(work)) {
            for (Path file : files.toList()) {
                Transfer.delete(file);
            }
        } catch (IOException e) {
            throw FetchException.permanent("cannot list " + work + " (" + OutputDir.reason(e) + ")", e);
        }
        Transfer.delete(work);
    }

    private static Path segmentFile(Path work, Hls.Segment segment) {
        return work.resolve(String.format(Locale.ROOT, "%06d.seg", segment.number()));
    }

    private static String fetchSegment(Http http, Path work, Hls.Segment segment, Progress.Bar bar) throws InterruptedException {
        Path done = segmentFile(work, segment);
        String label = "segment " + segment.number() + " (" + segment.uri() + ")";
        if (Files.isRegularFile(done)) {
            bar.skipped(label + " already downloaded");
            return null;
        }
        Path part = work.resolve(String.format(Locale.ROOT, "%06d.part", segment.number()));
        Hls.ByteRange range = segment.range();
        try {
            long size = http.fetch(segment.uri(), () -> range == null ? Map.of() : Map.of("Range", range.header()), response -> {
                if (range == null) {
                    return Transfer.toFile(response, part, false, 0, -1, bar::bytes);
                }
                Http.ContentRange got = response.contentRange();
                if (response.status() == 206) {
                    if (got == null || got.start() != range.offset()) {
                        response.abort();
                        throw FetchException.permanent("asked for " + range.header() + " of " + segment.uri()
                                + ", the server sent " + response.header("Content-Range"));
                    }
                    return Transfer.toFile(response, part, false, 0, range.length(), bar::bytes);
                }
                // the server ignored the range and sent the whole resource: take the slice from it
                return Transfer.toFile(response, part, false, range.offset(), range.length(), bar::bytes);
            });
            OutputDir.commit(part, done);
            bar.done(label + " " + Units.bytes(size));
            return null;
        } catch (FetchException e) {
            bar.failed(label + ": " + e.getMessage());
            return label + ": " + e.getMessage();
        }
    }

    // ---- names ----------------------------------------------------------------------------------

    private String outputName(URI source, String ext, String fallback, boolean playlist) {
        if (name != null) {
            return OutputDir.extension(name).isEmpty() && !ext.isEmpty() ? name + "." + ext : name;
        }
        String base = OutputDir.safeName(Urls.lastSegment(source), fallback);
        if (playlist) {
            base = OutputDir.stem(base);
            return ext.isEmpty() ? base : base + "." + ext;
        }
        return OutputDir.extension(base).isEmpty() && !ext.isEmpty() ? base + "." + ext : base;
    }

    private static Report.Item skipped(URI source, Path target, Progress progress) throws FetchException {
        progress.info("video: " + target + " is already complete (--force downloads it again)");
        return Report.Item.skipped(source.toString(), target, Transfer.sizeOrZero(target));
    }
}
