package io.gevent4j.examples;

import io.gevent4j.examples.internal.Cli;
import io.gevent4j.examples.internal.CommonOptions;
import io.gevent4j.examples.internal.Fanout;
import io.gevent4j.examples.internal.FetchException;
import io.gevent4j.examples.internal.Http;
import io.gevent4j.examples.internal.InputError;
import io.gevent4j.examples.internal.MediaTypes;
import io.gevent4j.examples.internal.OutputDir;
import io.gevent4j.examples.internal.PageImages;
import io.gevent4j.examples.internal.Progress;
import io.gevent4j.examples.internal.Report;
import io.gevent4j.examples.internal.Transfer;
import io.gevent4j.examples.internal.Units;
import io.gevent4j.examples.internal.Urls;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code ./gevent4j download-images [options] URL...}: downloads every image of web pages (their
 * {@code <img src>} and {@code srcset} candidates), or image URLs, many at once.
 *
 * <p>The download of one image is plain blocking Java ({@link java.net.HttpURLConnection}, a file
 * channel); the concurrency is a greenlet per image, at most {@code --concurrency} at once. A
 * re-run skips the images already complete, so an interrupted run resumes; a file appears under its
 * final name only when complete.
 */
@Command(name = "download-images", mixinStandardHelpOptions = true, version = "gevent4j download-images 0.1.0",
        description = "Downloads every image of web pages (each <img src> and srcset candidate), or image URLs,"
                + " concurrently: plain blocking Java made concurrent by gevent4j greenlets.",
        footer = Cli.EXIT_CODES)
public final class ImageDownloader implements Callable<Integer> {
    private static final long MAX_PAGE = 20L * 1024 * 1024;

    @Parameters(arity = "1..*", paramLabel = "URL",
            description = "HTML pages (their images are downloaded) or image URLs.")
    private List<String> urls = new ArrayList<>();

    @Option(names = "--concurrency", defaultValue = "16", paramLabel = "N",
            description = "Downloads at once (default: ${DEFAULT-VALUE}).")
    private int concurrency;

    @Option(names = {"-o", "--out"}, defaultValue = "images", paramLabel = "DIR",
            description = "Where the images go (default: ${DEFAULT-VALUE}); created if missing.")
    private String out;

    @Option(names = "--force", description = "Download again images already complete in --out (they are skipped otherwise).")
    private boolean force;

    @Mixin
    private CommonOptions common = new CommonOptions();

    private PrintStream stdout = System.out;
    private PrintStream stderr = System.err;

    /** Creates the command; picocli sets its options. */
    public ImageDownloader() {
    }

    /**
     * The command line entry point.
     *
     * @param args options and URLs; {@code --help} lists them
     */
    public static void main(String[] args) {
        System.exit(execute(System.out, System.err, args));
    }

    /**
     * Runs the command as {@link #main} does, without exiting.
     *
     * @param out standard output (the summary)
     * @param err standard error (progress, errors)
     * @param args options and URLs
     * @return the exit code: 0 all downloaded or already complete, 1 something failed, 2 bad input
     */
    public static int execute(PrintStream out, PrintStream err, String... args) {
        ImageDownloader command = new ImageDownloader();
        command.stdout = out;
        command.stderr = err;
        return Cli.execute(command, out, err, args);
    }

    /**
     * Parses arguments into a command without running it, for {@link #download(Progress)}.
     *
     * @param args options and URLs
     * @return the command
     * @throws picocli.CommandLine.ParameterException if the arguments are invalid
     */
    public static ImageDownloader parse(String... args) {
        return Cli.parse(new ImageDownloader(), args);
    }

    /**
     * Runs the command: downloads, prints the summary.
     *
     * @return the exit code
     * @throws Exception only for a bug (a failed download is in the summary, not an exception)
     */
    @Override
    public Integer call() throws Exception {
        return Cli.runDownload("download-images", common, stdout, stderr, this::download);
    }

    /**
     * Downloads the images: finds them on the pages, then fetches them, {@code --concurrency} at
     * once. Must run in a greenlet (see {@link Fanout#inHub}).
     *
     * @param progress where progress goes
     * @return what was downloaded, skipped and failed
     * @throws InputError for bad input (nothing was downloaded)
     * @throws InterruptedException if interrupted
     */
    Report download(Progress progress) throws InputError, InterruptedException {
        if (concurrency < 1) {
            throw new InputError("--concurrency must be at least 1, got " + concurrency);
        }
        List<URI> sources = new ArrayList<>();
        for (String url : urls) {
            try {
                sources.add(Urls.parseUserUrl(url));
            } catch (IllegalArgumentException e) {
                throw new InputError(e.getMessage());
            }
        }
        Http http = common.http(progress);
        OutputDir dir = OutputDir.open(out);
        Report report = new Report("images", dir.path());
        Progress.Bar bar = progress.bar("images", "files", 0);

        List<List<URI>> found = Fanout.map(sources, concurrency, source -> discover(http, source, report, progress));
        Set<URI> images = new LinkedHashSet<>();
        found.forEach(images::addAll);
        bar.total(images.size());
        progress.info("found " + images.size() + " image" + (images.size() == 1 ? "" : "s") + " to download into "
                + dir.path());

        // Names with an image extension are reserved first, so that a file found on disk for an image
        // named by its Content-Type (see planTyped) never takes the name of another image of this run.
        List<URI> ordered = new ArrayList<>(images);
        Planned[] names = new Planned[ordered.size()];
        for (int i = 0; i < names.length; i++) {
            names[i] = planNamedByUrl(dir, ordered.get(i));
        }
        for (int i = 0; i < names.length; i++) {
            if (names[i] == null) {
                names[i] = planTyped(dir, ordered.get(i));
            }
        }
        List<Planned> plan = List.of(names);
        List<Report.Item> results = Fanout.map(plan, concurrency, planned -> fetchImage(http, dir, planned, bar, progress));
        results.forEach(report::add);
        bar.finish();
        report.finish();
        return report;
    }

    /** An image and its file name, decided before the download when the URL has an image extension. */
    private record Planned(URI uri, String name, boolean nameFinal) {
    }

    /** An image whose URL ends in an image extension: its name is final now; {@code null} for the others. */
    private static Planned planNamedByUrl(OutputDir dir, URI image) {
        String name = OutputDir.safeName(Urls.lastSegment(image), "image");
        if (!MediaTypes.isImageExtension(OutputDir.extension(name))) {
            return null;
        }
        return new Planned(image, dir.reserve(name), true);
    }

    /**
     * An image whose extension comes from the Content-Type of its response. If an earlier run with the
     * same --out completed it (exactly one file STEM or STEM.EXT, EXT an image type's extension, exists
     * and no other image of this run has that name), its name is final now and the image is skipped
     * without a request; otherwise the name is decided when the response arrives.
     */
    private Planned planTyped(OutputDir dir, URI image) {
        String name = OutputDir.safeName(Urls.lastSegment(image), "image");
        if (!OutputDir.extension(name).isEmpty()) {
            name = OutputDir.stem(name);
        }
        if (!force) {
            String done = completedTypedFile(dir, name);
            if (done != null && dir.reserveExactly(done)) {
                return new Planned(image, done, true);
            }
        }
        return new Planned(image, dir.reserve(name), false);
    }

    /** {@return the one complete file a typed download of {@code stem} may have left, or {@code null}} */
    private static String completedTypedFile(OutputDir dir, String stem) {
        String found = null;
        List<String> candidates = new ArrayList<>();
        candidates.add(stem); // a response without a known image type is saved under the bare name
        for (String ext : MediaTypes.imageTypeExtensions()) {
            candidates.add(stem + "." + ext);
        }
        for (String candidate : candidates) {
            if (Files.isRegularFile(dir.file(candidate))) {
                if (found != null) {
                    return null; // two candidates (runs against different servers): ask the server
                }
                found = candidate;
            }
        }
        return found;
    }

    /** The image URLs an input stands for: itself if it is an image, else the images of the page. */
    private static List<URI> discover(Http http, URI source, Report report, Progress progress) throws InterruptedException {
        if (MediaTypes.isImageExtension(OutputDir.extension(Urls.lastSegment(source)))) {
            return List.of(source);
        }
        try {
            List<URI> images = http.fetch(source, response -> {
                String type = response.contentType();
                if (MediaTypes.isHtml(type) || type.isEmpty() || type.startsWith("text/")) {
                    byte[] body = Http.readBody(response, MAX_PAGE);
                    Document page = Jsoup.parse(new ByteArrayInputStream(body), response.charset(), response.uri().toString());
                    return PageImages.find(page, response.uri());
                }
                response.abort();
                if (type.startsWith("image/")) {
                    return List.of(source);
                }
                throw FetchException.permanent(source + " is neither an HTML page nor an image (Content-Type " + type + ")");
            });
            if (images.isEmpty()) {
                String reason = "no images on this page (no <img src> or srcset); images added by JavaScript are not seen";
                report.add(Report.Item.failed(source.toString(), reason));
                progress.warn("images: " + source + ": " + reason);
            }
            return images;
        } catch (FetchException e) {
            report.add(Report.Item.failed(source.toString(), e.getMessage()));
            progress.warn("images: FAILED " + source + ": " + e.getMessage());
            return List.of();
        }
    }

    private Report.Item fetchImage(Http http, OutputDir dir, Planned planned, Progress.Bar bar, Progress progress)
            throws InterruptedException {
        String source = planned.uri().toString();
        String[] decided = {planned.nameFinal() ? planned.name() : null};
        try {
            if (decided[0] != null) {
                Report.Item skipped = skipIfComplete(dir, source, decided[0], bar);
                if (skipped != null) {
                    return skipped;
                }
            }
            return http.fetch(planned.uri(), response -> {
                String type = response.contentType();
                if (!MediaTypes.mayBeImage(type)) {
                    response.abort();
                    throw FetchException.permanent("not an image: the server sent " + type + " (an error page?)");
                }
                if (decided[0] == null) {
                    String ext = MediaTypes.extensionFor(type);
                    // no known image type: the bare name, already reserved by planTyped (reserving it again gave NAME-1)
                    decided[0] = ext.isEmpty() ? planned.name() : dir.reserve(planned.name() + "." + ext);
                    Report.Item skipped = skipIfComplete(dir, source, decided[0], bar);
                    if (skipped != null) {
                        response.abort();
                        return skipped;
                    }
                }
                String name = decided[0];
                Path target = dir.file(name);
                Path temp = dir.temp(name, "part");
                long size = Transfer.toFile(response, temp, false, 0, -1, bar::bytes);
                OutputDir.commit(temp, target);
                bar.done(name + " (" + Units.bytes(size) + ")");
                return Report.Item.downloaded(source, target, size);
            });
        } catch (FetchException e) {
            if (decided[0] != null) {
                deleteTemp(dir.temp(decided[0], "part"), progress);
            }
            bar.failed(source + ": " + e.getMessage());
            return Report.Item.failed(source, e.getMessage());
        }
    }

    private Report.Item skipIfComplete(OutputDir dir, String source, String name, Progress.Bar bar) throws FetchException {
        Path target = dir.file(name);
        if (force || !Files.isRegularFile(target)) {
            return null;
        }
        long size = Transfer.sizeOrZero(target);
        bar.skipped(name + " (already complete)");
        return Report.Item.skipped(source, target, size);
    }

    private static void deleteTemp(Path temp, Progress progress) {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException e) {
            progress.warn("images: cannot delete the partial file " + temp + " (" + OutputDir.reason(e) + ")");
        }
    }
}
