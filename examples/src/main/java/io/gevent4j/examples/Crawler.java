package io.gevent4j.examples;

import io.gevent4j.examples.internal.Cli;
import io.gevent4j.examples.internal.CommonOptions;
import io.gevent4j.examples.internal.Fanout;
import io.gevent4j.examples.internal.FetchException;
import io.gevent4j.examples.internal.Http;
import io.gevent4j.examples.internal.InputError;
import io.gevent4j.examples.internal.Json;
import io.gevent4j.examples.internal.MediaTypes;
import io.gevent4j.examples.internal.OutputDir;
import io.gevent4j.examples.internal.Progress;
import io.gevent4j.examples.internal.Units;
import io.gevent4j.examples.internal.Urls;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * {@code ./gevent4j crawl [options] URL}: fetches a list page, follows its links to the detail pages
 * concurrently ({@code --concurrency} at once, same host by default, at most {@code --max-pages}),
 * and writes one JSON line per detail page: its URL, HTTP status, title and text length.
 *
 * <p>Each page fetch is plain blocking Java; the pages are fetched by greenlets of a pool, and the
 * JSON lines are written as the pages finish.
 */
@Command(name = "crawl", mixinStandardHelpOptions = true, version = "gevent4j crawl 0.1.0",
        description = "Fetches a list page, follows its links to the detail pages concurrently, and writes one JSON"
                + " line per page: {\"url\", \"status\", \"title\", \"text_length\"} (or {\"url\", \"error\"}).",
        footer = Cli.EXIT_CODES)
public final class Crawler implements Callable<Integer> {
    private static final long MAX_PAGE = 20L * 1024 * 1024;
    private static final Set<String> NOT_PAGES = Set.of("png", "jpg", "jpeg", "gif", "webp", "svg", "ico", "css", "js",
            "pdf", "zip", "gz", "tgz", "mp4", "webm", "mp3", "m3u8", "ts", "woff", "woff2", "ttf", "xml", "json", "txt");

    @Parameters(index = "0", paramLabel = "URL", description = "The list page whose links lead to the detail pages.")
    private String url;

    @Option(names = "--concurrency", defaultValue = "8", paramLabel = "N",
            description = "Pages fetched at once (default: ${DEFAULT-VALUE}).")
    private int concurrency;

    @Option(names = "--max-pages", defaultValue = "100", paramLabel = "N",
            description = "The most detail pages fetched, in the list page's order (default: ${DEFAULT-VALUE}).")
    private int maxPages;

    @Option(names = "--all-hosts", description = "Follow links to other hosts too (only the list page's host by default).")
    private boolean allHosts;

    @Option(names = "--match", paramLabel = "REGEX",
            description = "Follow only links whose URL contains a match of this regular expression, e.g. '/product/'.")
    private String match;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE",
            description = "Write the JSON lines to this file instead of standard output.")
    private String output;

    @Mixin
    private CommonOptions common = new CommonOptions();

    private PrintStream stdout = System.out;
    private PrintStream stderr = System.err;

    /** Creates the command; picocli sets its options. */
    public Crawler() {
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
     * @param out standard output (the JSON lines unless {@code --output})
     * @param err standard error (progress, summary, errors)
     * @param args options and the URL
     * @return the exit code: 0 every page fetched, 1 some failed, 2 bad input
     */
    public static int execute(PrintStream out, PrintStream err, String... args) {
        Crawler command = new Crawler();
        command.stdout = out;
        command.stderr = err;
        return Cli.execute(command, out, err, args);
    }

    /**
     * Crawls and prints the summary on standard error.
     *
     * @return the exit code
     * @throws Exception only for a bug
     */
    @Override
    public Integer call() throws Exception {
        Progress progress;
        try {
            progress = new Progress(stderr, common.progressMode());
        } catch (InputError e) {
            stderr.println("crawl: " + e.getMessage());
            return Cli.BAD_INPUT;
        }
        PrintStream sink = stdout;
        try {
            if (output != null) {
                sink = openOutput(output);
            }
            PrintStream lines = sink;
            return Fanout.inHub(() -> crawl(progress, line -> {
                if (lines == stdout) {
                    progress.emit(stdout, line);
                } else {
                    lines.println(line);
                }
            }));
        } catch (InputError e) {
            progress.close();
            stderr.println("crawl: " + e.getMessage());
            return Cli.BAD_INPUT;
        } finally {
            if (sink != stdout) {
                sink.close();
            }
        }
    }

    private static PrintStream openOutput(String file) throws InputError {
        Path path = Path.of(file).toAbsolutePath();
        try {
            if (path.getParent() != null) {
                Files.createDirectories(path.getParent());
            }
            OutputStream o = Files.newOutputStream(path);
            return new PrintStream(o, true, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new InputError("cannot write --output " + path + " (" + OutputDir.reason(e) + ")");
        }
    }

    /** Receives each JSON line as its page finishes. */
    @FunctionalInterface
    public interface LineSink {
        /**
         * Takes one JSON line.
         *
         * @param line the line, without newline
         */
        void accept(String line);
    }

    /**
     * Crawls: the list page, then its detail pages concurrently. Must run in a greenlet (see
     * {@link Fanout#inHub}).
     *
     * @param progress where progress and the summary go
     * @param lines receives one JSON line per detail page, as each finishes
     * @return the exit code: 0 all pages fetched, 1 otherwise
     * @throws InputError for bad input
     * @throws InterruptedException if interrupted
     */
    int crawl(Progress progress, LineSink lines) throws InputError, InterruptedException {
        if (concurrency < 1) {
            throw new InputError("--concurrency must be at least 1, got " + concurrency);
        }
        if (maxPages < 1) {
            throw new InputError("--max-pages must be at least 1, got " + maxPages);
        }
        Pattern filter;
        try {
            filter = match == null ? null : Pattern.compile(match);
        } catch (PatternSyntaxException e) {
            throw new InputError("--match is not a valid regular expression: " + e.getDescription() + " in '" + match + "'");
        }
        URI listUri;
        try {
            listUri = Urls.parseUserUrl(url);
        } catch (IllegalArgumentException e) {
            throw new InputError(e.getMessage());
        }
        Http http = common.http(progress);
        long start = System.nanoTime();

        List<URI> links;
        try {
            links = detailLinks(http, listUri, filter);
        } catch (FetchException e) {
            progress.close();
            stderr.println("crawl: FAILED " + listUri + ": " + e.getMessage());
            return Cli.FAILED;
        }
        if (links.isEmpty()) {
            progress.close();
            stderr.println("crawl: no links to follow on " + listUri + " (" + (allHosts ? "" : "same host only; --all-hosts"
                    + " follows others; ") + (match == null ? "" : "--match " + match + "; ") + "links added by JavaScript are not seen)");
            return Cli.FAILED;
        }
        progress.info("crawl: " + links.size() + " detail page" + (links.size() == 1 ? "" : "s") + " linked from " + listUri);
        Progress.Bar bar = progress.bar("pages", "pages", links.size());
        List<String> failures = new ArrayList<>();
        for (PageResult page : Fanout.unordered(links, concurrency, link -> fetchPage(http, link, bar))) {
            lines.accept(page.json());
            if (page.error() != null) {
                failures.add(page.url() + ": " + page.error());
            }
        }
        bar.finish();
        progress.close();
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        stderr.println("crawl: " + links.size() + " pages, " + (links.size() - failures.size()) + " ok, " + failures.size()
                + " failed, in " + Units.seconds(took) + (output != null ? " -> " + Path.of(output).toAbsolutePath() : ""));
        for (String failure : failures) {
            stderr.println("  FAILED " + failure);
        }
        return failures.isEmpty() ? Cli.OK : Cli.FAILED;
    }

    private List<URI> detailLinks(Http http, URI listUri, Pattern filter) throws FetchException, InterruptedException {
        Document list = http.fetch(listUri, response -> {
            String type = response.contentType();
            if (!MediaTypes.isHtml(type) && !type.isEmpty()) {
                response.abort();
                throw FetchException.permanent("the list page is not HTML (Content-Type " + type + ")");
            }
            return parse(response);
        });
        URI base = URI.create(list.location());
        Set<URI> links = new LinkedHashSet<>();
        for (Element a : list.select("a[href]")) {
            URI link = Urls.resolve(base, a.attr("href"));
            if (link == null || sameDocument(link, base) || sameDocument(link, listUri)) {
                continue;
            }
            if (!allHosts && !sameHost(link, base)) {
                continue;
            }
            if (NOT_PAGES.contains(OutputDir.extension(Urls.lastSegment(link)))) {
                continue;
            }
            if (filter != null && !filter.matcher(link.toString()).find()) {
                continue;
            }
            links.add(link);
            if (links.size() == maxPages) {
                break;
            }
        }
        return List.copyOf(links);
    }

    private static Document parse(Http.Response response) throws IOException, FetchException {
        byte[] body = Http.readBody(response, MAX_PAGE);
        return Jsoup.parse(new ByteArrayInputStream(body), response.charset(), response.uri().toString());
    }

    private static boolean sameHost(URI a, URI b) {
        return a.getHost().equalsIgnoreCase(b.getHost()) && effectivePort(a) == effectivePort(b);
    }

    private static int effectivePort(URI u) {
        return u.getPort() >= 0 ? u.getPort() : ("https".equalsIgnoreCase(u.getScheme()) ? 443 : 80);
    }

    private static boolean sameDocument(URI a, URI b) {
        return sameHost(a, b) && a.getScheme().equalsIgnoreCase(b.getScheme())
                && normalPath(a).equals(normalPath(b)) && Objects.equals(a.getRawQuery(), b.getRawQuery());
    }

    private static String normalPath(URI u) {
        String p = u.getRawPath();
        return p == null || p.isEmpty() ? "/" : p;
    }

    /** One detail page's outcome. */
    private record PageResult(String url, String json, String error) {
    }

    private static PageResult fetchPage(Http http, URI link, Progress.Bar bar) throws InterruptedException {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("url", link.toString());
        try {
            Map<String, Object> found = http.fetch(link, response -> {
                Map<String, Object> f = new LinkedHashMap<>();
                if (!response.uri().equals(link)) {
                    f.put("final_url", response.uri().toString());
                }
                f.put("status", response.status());
                String type = response.contentType();
                if (!MediaTypes.isHtml(type) && !type.isEmpty()) {
                    response.abort();
                    throw FetchException.permanent("not an HTML page (Content-Type " + type + ")");
                }
                Document page = parse(response);
                f.put("title", title(page));
                f.put("text_length", page.body() == null ? 0 : page.body().text().length());
                return f;
            });
            fields.putAll(found);
            bar.done(link + " " + String.valueOf(found.get("title")).strip());
            return new PageResult(link.toString(), Json.object(fields), null);
        } catch (FetchException e) {
            fields.put("error", e.getMessage());
            bar.failed(link + ": " + e.getMessage());
            return new PageResult(link.toString(), Json.object(fields), e.getMessage());
        }
    }

    private static String title(Document page) {
        String title = page.title().strip();
        if (title.isEmpty()) {
            Element h1 = page.selectFirst("h1");
            title = h1 == null ? "" : h1.text().strip();
        }
        return title;
    }
}
