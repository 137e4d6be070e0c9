package io.gevent4j.examples;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.examples.internal.Cli;
import io.gevent4j.examples.internal.DemoSite;
import io.gevent4j.examples.internal.Fanout;
import io.gevent4j.examples.internal.InputError;
import io.gevent4j.examples.internal.Progress;
import io.gevent4j.examples.internal.Report;
import io.gevent4j.examples.internal.Units;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code ./gevent4j demo}: the first thing to run, no network needed. An embedded web server on
 * 127.0.0.1 serves a gallery of generated PNG images and an HLS video of generated segments, each
 * response delayed 200 to 400 ms like a real network. The image downloader and the video downloader
 * (the same code as {@code download-images} and {@code download-video}) then fetch both at once, on
 * one thread, with greenlets; then the same downloads run again one request after another. Both
 * times are measured and printed, so the speed-up is a measurement, and the two runs' files are
 * compared byte for byte.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, version = "gevent4j demo 0.1.0",
        description = "Downloads a generated image gallery and HLS video from an embedded local server, concurrently"
                + " with greenlets, then one after another, and prints the measured speed-up.")
public final class Demo implements Callable<Integer> {
    @Option(names = {"-o", "--out"}, paramLabel = "DIR",
            description = "Where the downloads go (default: a new temporary directory, printed).")
    private String out;

    @Option(names = "--delay-ms", defaultValue = "200", paramLabel = "MS",
            description = "Each response of the local server waits MS to 2*MS milliseconds (default: ${DEFAULT-VALUE}).")
    private int delayMillis;

    @Option(names = "--concurrency", defaultValue = "16", paramLabel = "N",
            description = "Images, and video segments, downloaded at once in the concurrent run (default: ${DEFAULT-VALUE}).")
    private int concurrency;

    @Option(names = "--images", defaultValue = "40", paramLabel = "N", description = "Images in the gallery (default: ${DEFAULT-VALUE}).")
    private int images;

    @Option(names = "--segments", defaultValue = "20", paramLabel = "N", description = "Segments of the video (default: ${DEFAULT-VALUE}).")
    private int segments;

    @Option(names = "--progress", defaultValue = "auto", paramLabel = "MODE",
            description = "auto (bars on a terminal, else log lines), bar, lines or none (default: ${DEFAULT-VALUE}).")
    private String progress;

    private PrintStream stdout = System.out;
    private PrintStream stderr = System.err;

    /** Creates the command; picocli sets its options. */
    public Demo() {
    }

    /**
     * The command line entry point.
     *
     * @param args options; {@code --help} lists them
     */
    public static void main(String[] args) {
        System.exit(execute(System.out, System.err, args));
    }

    /**
     * Runs the demo as {@link #main} does, without exiting.
     *
     * @param out where the demo talks
     * @param err errors
     * @param args options
     * @return 0 if every download succeeded
     */
    public static int execute(PrintStream out, PrintStream err, String... args) {
        Demo command = new Demo();
        command.stdout = out;
        command.stderr = err;
        return Cli.execute(command, out, err, args);
    }

    /**
     * Runs the demo.
     *
     * @return the exit code
     * @throws Exception only for a bug
     */
    @Override
    public Integer call() throws Exception {
        Progress.Mode mode;
        try {
            mode = Progress.Mode.parse(progress);
        } catch (IllegalArgumentException e) {
            stderr.println("demo: " + e.getMessage());
            return Cli.BAD_INPUT;
        }
        if (delayMillis < 0 || concurrency < 1 || images < 1 || segments < 1) {
            stderr.println("demo: --delay-ms must be 0 or more, and --concurrency, --images and --segments 1 or more");
            return Cli.BAD_INPUT;
        }
        Path dir = out != null ? Path.of(out).toAbsolutePath() : Files.createTempDirectory("gevent4j-demo-");
        PrintStream o = stdout;
        o.println("gevent4j demo: generating " + images + " PNG images and a " + segments + "-segment HLS video...");
        try (DemoSite site = DemoSite.start(images, segments, Duration.ofMillis(delayMillis))) {
            o.printf("A local web server (%s) now serves a gallery page with %d images (%s) and an HLS video of %d"
                            + " segments (%s);%nevery response takes %d-%d ms, like a real network.%n%n",
                    site.galleryUrl().resolve("/"), images, Units.bytes(site.imageBytes()), segments,
                    Units.bytes(site.videoBytes()), delayMillis, 2 * delayMillis);
            return Fanout.inHub(() -> run(site, dir, mode));
        } catch (InputError e) {
            stderr.println("demo: " + e.getMessage());
            return Cli.BAD_INPUT;
        }
    }

    private int run(DemoSite site, Path dir, Progress.Mode mode) throws Exception {
        PrintStream o = stdout;
        String gallery = site.galleryUrl().toString();
        String video = site.videoUrl().toString();
        Path concurrentDir = dir;
        Path sequentialDir = dir.resolve("one-after-another");

        o.println("1) Concurrently: download-images and download-video at the same time, " + concurrency
                + " requests each at once,\n   all on one thread (greenlets running plain blocking java.net code):");
        Progress board = new Progress(o, mode);
        ImageDownloader imageTool = ImageDownloader.parse("--out", concurrentDir.resolve("images").toString(),
                "--concurrency", String.valueOf(concurrency), "--force", gallery);
        VideoDownloader videoTool = VideoDownloader.parse("--out", concurrentDir.resolve("videos").toString(),
                "--concurrency", String.valueOf(concurrency), "--force", video);
        long start = System.nanoTime();
        Greenlet<Report> imagesRun = Gevent.spawn(() -> imageTool.download(board));
        Greenlet<Report> videoRun = Gevent.spawn(() -> videoTool.download(board));
        Gevent.joinAll(List.of(imagesRun, videoRun), null, true, 2);
        Duration concurrent = Duration.ofNanos(System.nanoTime() - start);
        board.close();
        Report imageReport = imagesRun.get();
        Report videoReport = videoRun.get();
        describe(o, imageReport, videoReport, site);
        o.println("   both done in " + Units.seconds(concurrent) + "\n");

        o.println("2) One after another: the same downloads with --concurrency 1, images first, then the video:");
        Progress sequentialBoard = new Progress(o, mode);
        long startSequential = System.nanoTime();
        Report imageSequential = ImageDownloader.parse("--out", sequentialDir.resolve("images").toString(),
                "--concurrency", "1", "--force", gallery).download(sequentialBoard);
        Report videoSequential = VideoDownloader.parse("--out", sequentialDir.resolve("videos").toString(),
                "--concurrency", "1", "--force", video).download(sequentialBoard);
        Duration sequential = Duration.ofNanos(System.nanoTime() - startSequential);
        sequentialBoard.close();
        o.println("   done in " + Units.seconds(sequential) + "\n");

        boolean ok = imageReport.exitCode() == 0 && videoReport.exitCode() == 0 && imageSequential.exitCode() == 0
                && videoSequential.exitCode() == 0;
        if (!ok) {
            for (Report r : List.of(imageReport, videoReport, imageSequential, videoSequential)) {
                r.print(o);
            }
            stderr.println("demo: some downloads failed (see above)");
            return Cli.FAILED;
        }
        Map<String, String> concurrentFiles = digests(concurrentDir);
        Map<String, String> sequentialFiles = digests(sequentialDir);
        boolean same = concurrentFiles.equals(sequentialFiles);
        deleteTree(sequentialDir);
        double speedup = (double) sequential.toNanos() / concurrent.toNanos();
        o.printf("Speed-up: %.1fx (%s one after another / %s concurrently, measured just now on %d requests);%n",
                speedup, Units.seconds(sequential), Units.seconds(concurrent), 2 + images + segments);
        o.println(same
                ? "the " + concurrentFiles.size() + " files of both runs are identical (SHA-256); the second copy was deleted."
                : "WARNING: the files of the two runs differ: " + concurrentFiles.keySet() + " vs " + sequentialFiles.keySet());
        o.println("""

                Your turn (the same commands, on your own URLs):
                  ./gevent4j download-images --out images https://example.com/some/gallery.html
                  ./gevent4j download-video --out videos https://example.com/stream/master.m3u8
                  ./gevent4j crawl --max-pages 50 https://example.com/products
                  ./gevent4j echo-server --port 16000
                Each takes --help; docs/examples.md explains every option.""");
        return same ? Cli.OK : Cli.FAILED;
    }

    private void describe(PrintStream o, Report images, Report video, DemoSite site) {
        o.printf("   images: %d files, %s -> %s (%s)%n", images.count(Report.Status.DOWNLOADED),
                Units.bytes(images.downloadedBytes()), images.dir(), Units.seconds(images.elapsed()));
        for (Report.Item item : video.items()) {
            if (item.file() != null) {
                o.printf("   video:  %d HLS segments, %s -> %s (%s)%n", site.segments(), Units.bytes(item.bytes()),
                        item.file(), Units.seconds(video.elapsed()));
            }
        }
    }

    /** SHA-256 of every file under {@code root}/images and {@code root}/videos, by relative path. */
    private static Map<String, String> digests(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        List<Path> files = new ArrayList<>();
        for (String sub : List.of("images", "videos")) {
            try (Stream<Path> walk = Files.walk(root.resolve(sub))) {
                walk.filter(Files::isRegularFile).forEach(files::add);
            }
        }
        for (Path file : files) {
            try {
                out.put(root.relativize(file).toString(),
                        HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file))));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("this JDK has no SHA-256", e);
            }
        }
        return out;
    }

    private static void deleteTree(Path root) throws IOException {
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(root)) {
            paths = walk.sorted(Comparator.reverseOrder()).toList();
        }
        for (Path p : paths) {
            Files.delete(p);
        }
    }
}
