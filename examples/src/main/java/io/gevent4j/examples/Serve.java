package io.gevent4j.examples;

import com.sun.net.httpserver.HttpExchange;
import io.gevent4j.Hub;
import io.gevent4j.HubGroup;
import io.gevent4j.SignalHandle;
import io.gevent4j.examples.internal.Cli;
import io.gevent4j.examples.internal.Fanout;
import io.gevent4j.http.GeventHttpServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.BindException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code ./gevent4j serve [--port P] [--hubs N]}: a small HTTP app on {@link GeventHttpServer} whose
 * endpoints do plain blocking work, each request in its own greenlet:
 * <ul>
 * <li>{@code /sleep?ms=10}: {@code Thread.sleep(ms)}, then {@code Hello, World!} (13 bytes; the benchmark's handler);</li>
 * <li>{@code /fetch?url=http://...}: fetches the URL with {@code HttpURLConnection} and answers its body;</li>
 * <li>{@code /file?name=a/b.txt}: a file of the served folder ({@code --root}) read with
 *     {@code FileInputStream}; names that lead outside the folder get {@code 403}.</li>
 * </ul>
 * SIGTERM and SIGINT (Ctrl-C) stop it gracefully: requests in flight are answered first.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, version = "gevent4j serve 0.1.0",
        description = "An HTTP server whose requests are greenlets running plain blocking code:"
                + " /sleep?ms=, /fetch?url=, /file?name=. SIGTERM or Ctrl-C stops it gracefully.",
        footer = "%nExit codes: 0 stopped, 2 bad input (e.g. the port is in use).")
public final class Serve implements Callable<Integer> {
    /** The body of {@code /sleep}: 13 bytes. */
    public static final String HELLO = "Hello, World!";
    /** How long a signal's graceful stop lets requests in flight finish. */
    static final Duration GRACE = Duration.ofSeconds(10);

    @Option(names = {"-p", "--port"}, defaultValue = "8080", paramLabel = "P",
            description = "The TCP port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    private int port;

    @Option(names = "--host", defaultValue = "127.0.0.1", paramLabel = "ADDRESS",
            description = "The address to listen on (default: ${DEFAULT-VALUE}; 0.0.0.0 for every interface).")
    private String host;

    @Option(names = "--hubs", paramLabel = "N",
            description = "Hubs handling requests: 1 is this thread's hub (gevent's one thread); more is a HubGroup"
                    + " using that many cores, one JDK server per hub on the one port (default: the number of cores).")
    private Integer hubs;

    @Option(names = "--root", defaultValue = ".", paramLabel = "DIR",
            description = "The folder /file serves from; nothing outside it is served (default: the current folder).")
    private Path root;

    @Option(names = "--pool", defaultValue = "0", paramLabel = "N",
            description = "Requests handled at once, 0 for no bound (gevent's spawn=Pool(N); default: ${DEFAULT-VALUE}).")
    private int pool;

    @Option(names = "--quiet", description = "No access log (one pywsgi-style line per request on stderr otherwise).")
    private boolean quiet;

    private PrintStream stdout = System.out;
    private PrintStream stderr = System.err;

    /** Creates the command; picocli sets its options. */
    public Serve() {
    }

    /**
     * The command line entry point; serves until SIGTERM or SIGINT.
     *
     * @param args options; {@code --help} lists them
     */
    public static void main(String[] args) {
        System.exit(execute(System.out, System.err, args));
    }

    /**
     * Runs the command as {@link #main} does, without exiting.
     *
     * @param out standard output
     * @param err standard error (the access log)
     * @param args options
     * @return the exit code once the server stops
     */
    public static int execute(PrintStream out, PrintStream err, String... args) {
        Serve command = new Serve();
        command.stdout = out;
        command.stderr = err;
        return Cli.execute(command, out, err, args);
    }

    /**
     * Serves until a signal stops the server.
     *
     * @return the exit code
     * @throws Exception only for a bug
     */
    @Override
    public Integer call() throws Exception {
        if (port < 0 || port > 65535) {
            stderr.println("serve: --port must be between 0 and 65535, got " + port);
            return Cli.BAD_INPUT;
        }
        if (hubs == null) {
            hubs = Runtime.getRuntime().availableProcessors();
        }
        if (hubs < 1) {
            stderr.println("serve: --hubs must be at least 1, got " + hubs);
            return Cli.BAD_INPUT;
        }
        if (pool < 0) {
            stderr.println("serve: --pool must be 0 (no bound) or positive, got " + pool);
            return Cli.BAD_INPUT;
        }
        if (!Files.isDirectory(root)) {
            stderr.println("serve: --root " + root + " is not a folder; give the folder /file should serve");
            return Cli.BAD_INPUT;
        }
        return Fanout.inHub(() -> {
            HubGroup group = hubs > 1 ? HubGroup.of(hubs) : null;
            try {
                GeventHttpServer server;
                try {
                    server = start(new InetSocketAddress(host, port), group, root, pool, quiet ? null : stderr);
                } catch (BindException e) {
                    stderr.println("serve: " + e.getMessage());
                    return Cli.BAD_INPUT;
                }
                Hub hub = Hub.current();
                Runnable gracefulStop = () -> {
                    stdout.println("serve: stopping (requests in flight get up to " + GRACE.toSeconds() + " s)");
                    stdout.flush();
                    try {
                        server.stop(GRACE);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                };
                try (SignalHandle term = hub.signal("TERM", gracefulStop);
                     SignalHandle interrupt = hub.signal("INT", gracefulStop)) {
                    stdout.println("serve: listening on http://" + host + ":" + server.port() + " with "
                            + (group == null ? "1 hub" : group.size() + " hubs")
                            + (server.jdkServers() > 1 ? " (a JDK server on each)" : "") + ", serving files from "
                            + root.toAbsolutePath().normalize() + " (try: curl 'http://" + host + ":" + server.port()
                            + "/sleep?ms=10'; Ctrl-C stops)");
                    stdout.flush();
                    server.serveForever();
                }
                stdout.println("serve: stopped");
                stdout.flush();
                return Cli.OK;
            } finally {
                if (group != null) {
                    group.close();
                }
            }
        });
    }

    /**
     * Starts the app's server; it serves while the calling thread's hub (or the group) runs.
     *
     * @param address where to listen (port 0 picks a free port)
     * @param group the hubs handling requests, or {@code null} for the calling thread's hub
     * @param root the folder {@code /file} serves from
     * @param pool requests handled at once, 0 for no bound
     * @param accessLog where the access log goes, or {@code null}
     * @return the started server
     * @throws IOException if it cannot listen (a {@link BindException} names the address)
     */
    public static GeventHttpServer start(InetSocketAddress address, HubGroup group, Path root, int pool,
                                         PrintStream accessLog) throws IOException {
        Path served = root.toRealPath();
        return GeventHttpServer.builder(address).hubGroup(group).poolSize(pool).accessLog(accessLog)
                .handler("/sleep", Serve::sleep)
                .handler("/fetch", Serve::fetch)
                .handler("/file", exchange -> file(exchange, served))
                .handler("/", Serve::index)
                .build().start();
    }

    private static void index(HttpExchange exchange) throws IOException {
        answer(exchange, exchange.getRequestURI().getPath().equals("/") ? 200 : 404,
                "gevent4j serve: /sleep?ms=10, /fetch?url=http://..., /file?name=path/in/the/served/folder\n");
    }

    /** {@code /sleep?ms=N}: plain {@code Thread.sleep} (cooperative: the request is a greenlet). */
    static void sleep(HttpExchange exchange) throws IOException {
        String ms = query(exchange).get("ms");
        long millis;
        try {
            millis = ms == null ? 10 : Long.parseLong(ms);
        } catch (NumberFormatException e) {
            answer(exchange, 400, "/sleep?ms= needs a whole number of milliseconds, got \"" + ms + "\"\n");
            return;
        }
        if (millis < 0 || millis > 60_000) {
            answer(exchange, 400, "/sleep?ms= must be between 0 and 60000, got " + millis + "\n");
            return;
        }
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while sleeping", e);
        }
        answer(exchange, 200, HELLO);
    }

    /** {@code /fetch?url=U}: a plain {@code HttpURLConnection} GET; answers the body with the upstream's status. */
    static void fetch(HttpExchange exchange) throws IOException {
        String url = query(exchange).get("url");
        URI uri;
        try {
            uri = url == null ? null : new URI(url);
        } catch (java.net.URISyntaxException e) {
            uri = null;
        }
        if (uri == null || uri.getHost() == null
                || !("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))) {
            answer(exchange, 400, "/fetch?url= needs an http:// or https:// URL, got \"" + url + "\"\n");
            return;
        }
        HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
        c.setConnectTimeout(10_000);
        c.setReadTimeout(30_000);
        int status;
        byte[] body;
        try {
            status = c.getResponseCode();
            try (InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream()) {
                body = in == null ? new byte[0] : in.readAllBytes();
            }
        } catch (IOException e) {
            answer(exchange, 502, "/fetch: " + uri + " failed: " + e + "\n");
            return;
        } finally {
            c.disconnect();
        }
        String type = c.getContentType();
        if (type != null) {
            exchange.getResponseHeaders().set("Content-Type", type);
        }
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        exchange.getResponseBody().write(body);
    }

    /**
     * {@code /file?name=N}: a regular file under {@code served} (a real path, symbolic links resolved),
     * read with {@code FileInputStream}. A name that resolves outside the folder, through {@code ..},
     * an absolute path or a symbolic link, gets 403; a missing one 404.
     */
    static void file(HttpExchange exchange, Path served) throws IOException {
        String name = query(exchange).get("name");
        if (name == null || name.isEmpty()) {
            answer(exchange, 400, "/file?name= needs a file name relative to the served folder\n");
            return;
        }
        Path target;
        try {
            target = served.resolve(name).normalize();
        } catch (InvalidPathException e) {
            answer(exchange, 400, "/file?name=" + name + " is not a valid path: " + e.getReason() + "\n");
            return;
        }
        if (!target.startsWith(served)) {
            answer(exchange, 403, "/file?name=" + name + " is outside the served folder\n");
            return;
        }
        if (!Files.exists(target)) {
            answer(exchange, 404, "/file?name=" + name + ": no such file in the served folder\n");
            return;
        }
        Path real = target.toRealPath();
        if (!real.startsWith(served)) {
            answer(exchange, 403, "/file?name=" + name + " is outside the served folder (a link leads out)\n");
            return;
        }
        if (!Files.isRegularFile(real)) {
            answer(exchange, 404, "/file?name=" + name + " is not a regular file\n");
            return;
        }
        long length = Files.size(real);
        exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
        exchange.sendResponseHeaders(200, length == 0 ? -1 : length);
        try (InputStream in = new FileInputStream(real.toFile()); OutputStream out = exchange.getResponseBody()) {
            in.transferTo(out);
        }
    }

    /** The query's parameters, percent-decoded (the first value of each). */
    static Map<String, String> query(HttpExchange exchange) {
        Map<String, String> params = new HashMap<>();
        String raw = exchange.getRequestURI().getRawQuery();
        if (raw == null) {
            return params;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            try {
                params.putIfAbsent(URLDecoder.decode(key, StandardCharsets.UTF_8),
                        URLDecoder.decode(value, StandardCharsets.UTF_8));
            } catch (IllegalArgumentException badEscape) {
                params.putIfAbsent(key, value); // a broken %-escape stays as written, and fails the checks above
            }
        }
        return params;
    }

    private static void answer(HttpExchange exchange, int status, String text) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
    }
}
