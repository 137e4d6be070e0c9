package io.gevent4j.celery;

import io.gevent4j.celery.internal.SafeNames;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tasks {@code ./gevent4j celery worker} ships, under these names:
 * <ul>
 *   <li>{@code gevent4j.add(x, y)} → {@code x + y} (integers stay exact, strings and lists concatenate);</li>
 *   <li>{@code gevent4j.sleep(seconds)} → {@code seconds}, with a plain {@code Thread.sleep};</li>
 *   <li>{@code gevent4j.echo(*args, **kwargs)} → {@code [args, kwargs]} unchanged;</li>
 *   <li>{@code gevent4j.fail(message)} → raises what Python receives as {@code ValueError(message)};</li>
 *   <li>{@code gevent4j.fetch(url)} → {@code {"status", "bytes", "sha256"}} through {@code HttpURLConnection};</li>
 *   <li>{@code gevent4j.download(url, dir)} → the saved path, a safe name directly inside {@code dir}.</li>
 * </ul>
 */
public final class ExampleTasks implements TaskProvider {

    /** The example tasks; the worker command registers them itself (this is not a service entry). */
    public ExampleTasks() {
    }

    @Override
    public void register(TaskRegistry tasks) {
        tasks.task("gevent4j.add", (args, kwargs) -> add(arg(args, kwargs, 0, "x", "add"), arg(args, kwargs, 1, "y", "add")));
        tasks.task("gevent4j.sleep", (args, kwargs) -> {
            Object seconds = arg(args, kwargs, 0, "seconds", "sleep");
            if (!(seconds instanceof Number n) || n.doubleValue() < 0) {
                throw new IllegalArgumentException("sleep() takes a number of seconds, 0 or more; got " + seconds);
            }
            Thread.sleep((long) (n.doubleValue() * 1000));
            return seconds;
        });
        tasks.task("gevent4j.echo", (args, kwargs) -> List.of(args, kwargs));
        tasks.task("gevent4j.fail", (args, kwargs) -> {
            throw new IllegalArgumentException(String.valueOf(arg(args, kwargs, 0, "message", "fail")));
        });
        tasks.task("gevent4j.fetch", (args, kwargs) -> fetch(String.valueOf(arg(args, kwargs, 0, "url", "fetch"))));
        tasks.task("gevent4j.download", (args, kwargs) -> download(String.valueOf(arg(args, kwargs, 0, "url", "download")),
                String.valueOf(arg(args, kwargs, 1, "dir", "download"))));
    }

    private static Object arg(List<Object> args, Map<String, Object> kwargs, int index, String name, String task) {
        if (index < args.size()) {
            return args.get(index);
        }
        if (kwargs.containsKey(name)) {
            return kwargs.get(name);
        }
        throw new ClassCastException(task + "() missing required argument: '" + name + "'");
    }

    /** Python's {@code x + y} for JSON values. */
    static Object add(Object x, Object y) {
        if (x instanceof Number a && y instanceof Number b) {
            if (isIntegral(a) && isIntegral(b)) {
                BigInteger sum = toBig(a).add(toBig(b));
                return sum.bitLength() < 64 ? (Object) sum.longValue() : sum;
            }
            return new BigDecimal(a.toString()).add(new BigDecimal(b.toString())).doubleValue();
        }
        if (x instanceof String a && y instanceof String b) {
            return a + b;
        }
        if (x instanceof List<?> a && y instanceof List<?> b) {
            List<Object> joined = new ArrayList<>(a);
            joined.addAll(b);
            return joined;
        }
        throw new ClassCastException("unsupported operand type(s) for +: " + typeName(x) + " and " + typeName(y));
    }

    private static boolean isIntegral(Number n) {
        return n instanceof Integer || n instanceof Long || n instanceof BigInteger || n instanceof Short || n instanceof Byte;
    }

    private static BigInteger toBig(Number n) {
        return n instanceof BigInteger b ? b : BigInteger.valueOf(n.longValue());
    }

    private static String typeName(Object o) {
        if (o == null) {
            return "'NoneType'";
        }
        if (o instanceof Boolean) {
            return "'bool'";
        }
        if (o instanceof Map) {
            return "'dict'";
        }
        return "'" + o.getClass().getSimpleName() + "'";
    }

    private static HttpURLConnection open(String url) throws IOException {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a URL: '" + url + "'", e);
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
            throw new IllegalArgumentException("only http:// and https:// URLs can be fetched, got '" + url + "'");
        }
        HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
        connection.setConnectTimeout(30_000);
        connection.setReadTimeout(60_000);
        connection.setInstanceFollowRedirects(true);
        return connection;
    }

    private static Map<String, Object> fetch(String url) throws IOException, NoSuchAlgorithmException {
        HttpURLConnection connection = open(url);
        try {
            int status = connection.getResponseCode();
            InputStream body = status >= 400 ? connection.getErrorStream() : connection.getInputStream();
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            long bytes = 0;
            if (body != null) {
                try (InputStream in = new DigestInputStream(body, sha)) {
                    bytes = in.transferTo(java.io.OutputStream.nullOutputStream());
                }
            }
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("status", status);
            result.put("bytes", bytes);
            result.put("sha256", HexFormat.of().formatHex(sha.digest()));
            return result;
        } finally {
            connection.disconnect();
        }
    }

    private static String download(String url, String dir) throws IOException {
        HttpURLConnection connection = open(url);
        try {
            int status = connection.getResponseCode();
            if (status >= 400) {
                throw new IOException("HTTP " + status + " for " + url);
            }
            try (InputStream in = connection.getInputStream()) {
                return SafeNames.save(Path.of(dir), SafeNames.forUrl(URI.create(url)), in).toString();
            }
        } finally {
            connection.disconnect();
        }
    }
}
