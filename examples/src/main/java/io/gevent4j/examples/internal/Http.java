package io.gevent4j.examples.internal;

import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The HTTP client shared by every example: plain blocking {@link HttpURLConnection} calls (inside a
 * greenlet they cooperate with the hub), plus what a real downloader needs on top: timeouts, redirects
 * followed by hand (so that an http to https hop works and every hop gets the same TLS settings),
 * retries with exponential backoff on connection errors, 408, 429 and 5xx that honour
 * {@code Retry-After}, TLS verified unless {@code insecure}, and failures turned into reasons a user can
 * act on ({@link FetchException}).
 *
 * <p>One instance may be used by any number of greenlets at once.
 */
public final class Http {
    /** The User-Agent header sent with every request. */
    public static final String USER_AGENT = "gevent4j-examples/0.1 (+https://github.com/gevent4j/gevent4j)";
    /** The longest {@code Retry-After} honoured; a server asking for more makes the download fail. */
    public static final Duration MAX_RETRY_AFTER = Duration.ofSeconds(120);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    private static final int MAX_REDIRECTS = 10;
    private static final int MAX_ERROR_BODY = 64 * 1024;

    /**
     * How requests are made.
     *
     * @param timeout connect and read timeout of each request (a read that waits longer fails)
     * @param retries how many times a failed request is tried again (0: once in all)
     * @param retryDelay the first backoff; each retry doubles it (with jitter), up to 30 s
     * @param insecure accept any TLS certificate and host name (for test servers you trust)
     */
    public record Settings(Duration timeout, int retries, Duration retryDelay, boolean insecure) {
        /**
         * Checks the values.
         *
         * @param timeout connect and read timeout
         * @param retries retries after the first attempt
         * @param retryDelay first backoff
         * @param insecure skip TLS verification
         */
        public Settings {
            Objects.requireNonNull(timeout, "timeout");
            Objects.requireNonNull(retryDelay, "retryDelay");
            if (timeout.isNegative() || timeout.isZero() || timeout.toMillis() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("--timeout must be more than 0 s and less than 24 days, got "
                        + timeout.toMillis() / 1000.0 + " s");
            }
            if (retries < 0) {
                throw new IllegalArgumentException("--retries must be 0 or more, got " + retries);
            }
            if (retryDelay.isNegative()) {
                throw new IllegalArgumentException("--retry-delay must be 0 or more, got " + retryDelay.toMillis() / 1000.0 + " s");
            }
        }
    }

    /** Told about each retry, so that the user sees why a download is slow. */
    @FunctionalInterface
    public interface RetryListener {
        /**
         * A request failed and will be made again after {@code delay}.
         *
         * @param uri the URL requested
         * @param retry which retry this will be (1 for the first)
         * @param of the most retries
         * @param reason why the last attempt failed
         * @param delay the wait before the retry
         */
        void retrying(URI uri, int retry, int of, String reason, Duration delay);
    }

    /** Supplies the request headers of each attempt (a resumed download asks for a different range each time). */
    @FunctionalInterface
    public interface RequestHeaders {
        /**
         * The headers of the next attempt.
         *
         * @return header names and values
         * @throws FetchException if the request cannot be made (a local file cannot be read...)
         */
        Map<String, String> get() throws FetchException;
    }

    /**
     * Consumes a successful (2xx) response. An {@link IOException} it throws counts as a network
     * failure and the request is retried; a {@link FetchException} is retried only if it says so.
     *
     * @param <T> what it makes of the response
     */
    @FunctionalInterface
    public interface Handler<T> {
        /**
         * Reads the response.
         *
         * @param response the response, status 2xx
         * @return the result of the fetch
         * @throws IOException if reading the body fails (retried)
         * @throws FetchException if the response is unusable
         * @throws InterruptedException if interrupted
         */
        T handle(Response response) throws IOException, FetchException, InterruptedException;
    }

    /**
     * The {@code Content-Range} of a partial response.
     *
     * @param start the first byte sent
     * @param end the last byte sent
     * @param total the size of the whole resource, or -1 if the server did not say
     */
    public record ContentRange(long start, long end, long total) {
    }

    private static final Pattern CONTENT_RANGE =
            Pattern.compile("bytes\\s+(\\d+)-(\\d+)/(\\d+|\\*)", Pattern.CASE_INSENSITIVE);

    /**
     * A response body read into memory by {@link #fetchBytes}.
     *
     * @param uri the URL that answered, after redirects
     * @param contentType the media type, lower case, "" if absent
     * @param charset the charset parameter, or {@code null}
     * @param bytes the body
     */
    public record Body(URI uri, String contentType, String charset, byte[] bytes) {
    }

    private final Settings settings;
    private final RetryListener listener;

    /**
     * Creates a client.
     *
     * @param settings how requests are made
     * @param listener told about each retry
     */
    public Http(Settings settings, RetryListener listener) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /**
     * Returns how requests are made.
     *
     * @return how requests are made
     */
    public Settings settings() {
        return settings;
    }

    /**
     * GETs {@code uri} and hands the successful response to {@code handler}, retrying what may be
     * transient.
     *
     * @param uri an http or https URL
     * @param handler reads the response
     * @param <T> the result type
     * @return what the handler returned
     * @throws FetchException when it failed for good, with the reason
     * @throws InterruptedException if interrupted (also while waiting to retry)
     */
    public <T> T fetch(URI uri, Handler<T> handler) throws FetchException, InterruptedException {
        return fetch(uri, Map::of, handler);
    }

    /**
     * GETs {@code uri} with the headers {@code headers} supplies for each attempt and hands the
     * successful response to {@code handler}, retrying connection errors, 408, 429 and 5xx with
     * exponential backoff (or the server's {@code Retry-After}).
     *
     * @param uri an http or https URL
     * @param headers the request headers of each attempt
     * @param handler reads the response
     * @param <T> the result type
     * @return what the handler returned
     * @throws FetchException when it failed for good, with the reason
     * @throws InterruptedException if interrupted (also while waiting to retry)
     */
    public <T> T fetch(URI uri, RequestHeaders headers, Handler<T> handler) throws FetchException, InterruptedException {
        for (int attempt = 0; ; attempt++) {
            String reason;
            Duration serverWait = null;
            Response response = null;
            try {
                response = open(uri, headers.get());
                int status = response.status();
                if (status >= 200 && status < 300) {
                    T value = handler.handle(response);
                    response.finish();
                    return value;
                }
                reason = "HTTP " + status + statusText(response)
                        + (response.uri().equals(uri) ? "" : " from " + response.uri());
                serverWait = retryAfter(response.header("Retry-After"));
                response.discard();
                if (!retryableStatus(status)) {
                    throw FetchException.permanent(reason);
                }
            } catch (FetchException e) {
                abort(response);
                if (!e.retryable()) {
                    throw e;
                }
                reason = e.getMessage();
            } catch (IOException e) {
                abort(response);
                FetchException permanent = permanentFailure(uri, e);
                if (permanent != null) {
                    throw permanent;
                }
                reason = describe(uri, e);
            } catch (RuntimeException | Error | InterruptedException e) {
                abort(response);
                throw e;
            }
            if (attempt >= settings.retries()) {
                throw FetchException.permanent(reason + (settings.retries() == 0 ? ""
                        : " (gave up after " + (attempt + 1) + " attempts; --retries raises the limit)"));
            }
            if (serverWait != null && serverWait.compareTo(MAX_RETRY_AFTER) > 0) {
                throw FetchException.permanent(reason + "; the server asked to retry after " + serverWait.toSeconds()
                        + " s, more than the " + MAX_RETRY_AFTER.toSeconds() + " s this tool waits; try again later");
            }
            Duration delay = serverWait != null ? serverWait : backoff(attempt);
            listener.retrying(uri, attempt + 1, settings.retries(), reason, delay);
            Thread.sleep(delay);
        }
    }

    /**
     * GETs {@code uri} into memory (a page, a playlist), with retries.
     *
     * @param uri an http or https URL
     * @param maxBytes the largest body accepted
     * @return the body, the final URL after redirects, and its content type
     * @throws FetchException when it failed for good or the body is larger than {@code maxBytes}
     * @throws InterruptedException if interrupted
     */
    public Body fetchBytes(URI uri, long maxBytes) throws FetchException, InterruptedException {
        return fetch(uri, response -> new Body(response.uri(), response.contentType(), response.charset(),
                readBody(response, maxBytes)));
    }

    /**
     * Reads a whole response body into memory, checking it against its Content-Length.
     *
     * @param response a 2xx response
     * @param maxBytes the largest body accepted
     * @return the body
     * @throws IOException if the connection fails or closes early (retried by {@link #fetch})
     * @throws FetchException if the body is larger than {@code maxBytes}
     */
    public static byte[] readBody(Response response, long maxBytes) throws IOException, FetchException {
        long declared = response.contentLength();
        if (declared > maxBytes) {
            response.abort();
            throw tooLarge(response.uri(), maxBytes);
        }
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        byte[] chunk = new byte[16 * 1024];
        InputStream in = response.body();
        int n;
        while ((n = in.read(chunk)) > 0) {
            if (buffer.size() + (long) n > maxBytes) {
                response.abort();
                throw tooLarge(response.uri(), maxBytes);
            }
            buffer.write(chunk, 0, n);
        }
        if (declared >= 0 && buffer.size() != declared) {
            throw new EOFException("connection closed after " + buffer.size() + " of " + declared + " bytes");
        }
        return buffer.toByteArray();
    }

    private static FetchException tooLarge(URI uri, long maxBytes) {
        return FetchException.permanent(uri + " is larger than the " + Units.bytes(maxBytes)
                + " accepted for a page or playlist");
    }

    private Response open(URI uri, Map<String, String> headers) throws IOException, FetchException {
        URI current = uri;
        for (int hop = 0; ; hop++) {
            HttpURLConnection connection = connect(current, headers);
            int status = connection.getResponseCode();
            Response response = new Response(connection, status, current);
            if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) {
                String location = connection.getHeaderField("Location");
                response.discard();
                if (location == null || location.isBlank()) {
                    throw FetchException.permanent("HTTP " + status + " redirect without a Location header from " + current);
                }
                if (hop >= MAX_REDIRECTS) {
                    throw FetchException.permanent("more than " + MAX_REDIRECTS + " redirects starting at " + uri);
                }
                current = resolveRedirect(current, location.strip());
                continue;
            }
            return response;
        }
    }

    private static URI resolveRedirect(URI from, String location) throws FetchException {
        URI next;
        try {
            next = from.resolve(Urls.encodeLoosely(location));
        } catch (IllegalArgumentException e) {
            throw FetchException.permanent("bad redirect Location '" + location + "' from " + from);
        }
        String scheme = next.getScheme() == null ? "" : next.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw FetchException.permanent(from + " redirects to " + next + ", which is not an http(s) URL");
        }
        return next;
    }

    private HttpURLConnection connect(URI uri, Map<String, String> headers) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
        int timeoutMillis = (int) settings.timeout().toMillis();
        connection.setConnectTimeout(timeoutMillis);
        connection.setReadTimeout(timeoutMillis);
        connection.setInstanceFollowRedirects(false);
        connection.setUseCaches(false);
        connection.setRequestProperty("User-Agent", USER_AGENT);
        connection.setRequestProperty("Accept-Encoding", "identity");
        headers.forEach(connection::setRequestProperty);
        if (settings.insecure() && connection instanceof HttpsURLConnection https) {
            https.setSSLSocketFactory(Insecure.FACTORY);
            https.setHostnameVerifier((host, session) -> true);
        }
        return connection;
    }

    private static void abort(Response response) {
        if (response != null) {
            response.abort();
        }
    }

    private static boolean retryableStatus(int status) {
        return status == 408 || status == 429 || status >= 500;
    }

    private static String statusText(Response response) {
        try {
            String message = response.connection.getResponseMessage();
            return message == null || message.isBlank() ? "" : " " + message.strip();
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * Parses a {@code Retry-After} header: seconds, or an HTTP date.
     *
     * @param value the header, or {@code null}
     * @return the wait, or {@code null} if absent or unreadable
     */
    static Duration retryAfter(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.strip();
        try {
            long seconds = Long.parseLong(v);
            return Duration.ofSeconds(Math.max(0, seconds));
        } catch (NumberFormatException notSeconds) {
            try {
                ZonedDateTime when = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
                Duration wait = Duration.between(ZonedDateTime.now(when.getZone()), when);
                return wait.isNegative() ? Duration.ZERO : wait;
            } catch (DateTimeParseException notADate) {
                return null;
            }
        }
    }

    private Duration backoff(int attempt) {
        long base = settings.retryDelay().toMillis();
        long exp = base << Math.min(attempt, 20);
        long capped = Math.min(exp < 0 ? Long.MAX_VALUE : exp, MAX_BACKOFF.toMillis());
        double jitter = 0.75 + ThreadLocalRandom.current().nextDouble() * 0.5;
        return Duration.ofMillis((long) (capped * jitter));
    }

    /** Failures that another attempt cannot fix: unknown host, untrusted certificate. */
    private static FetchException permanentFailure(URI uri, IOException e) {
        if (e instanceof UnknownHostException) {
            return FetchException.permanent("unknown host '" + uri.getHost() + "' in " + uri
                    + " (check the URL and your network or DNS)", e);
        }
        if (e instanceof SSLPeerUnverifiedException || (e instanceof SSLException && causedBy(e, CertificateException.class))) {
            return FetchException.permanent("the TLS certificate of " + hostPort(uri) + " is not trusted ("
                    + rootMessage(e) + "); certificates are verified by default: pass --insecure to download anyway,"
                    + " only from a server you trust", e);
        }
        return null;
    }

    private static String describe(URI uri, IOException e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (e instanceof SocketTimeoutException) {
            return "no answer from " + hostPort(uri) + " within the timeout (" + message + ")";
        }
        if (e instanceof ConnectException || e instanceof NoRouteToHostException) {
            return "cannot connect to " + hostPort(uri) + " (" + message + ")";
        }
        String lower = message.toLowerCase(Locale.ROOT);
        if (e instanceof EOFException || e instanceof SocketException || lower.contains("premature eof")
                || lower.contains("connection closed") || lower.contains("connection reset")) {
            return "connection dropped (" + message + ")";
        }
        return "network error (" + e.getClass().getSimpleName() + ": " + message + ")";
    }

    private static String hostPort(URI uri) {
        int port = uri.getPort();
        return uri.getHost() + (port >= 0 ? ":" + port : "");
    }

    private static boolean causedBy(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
    }

    /**
     * A response being read: status, headers and body of one {@link HttpURLConnection}.
     */
    public static final class Response {
        private final HttpURLConnection connection;
        private final int status;
        private final URI uri;
        private InputStream body;
        private boolean aborted;

        Response(HttpURLConnection connection, int status, URI uri) {
            this.connection = connection;
            this.status = status;
            this.uri = uri;
        }

        /**
         * Returns the HTTP status.
         *
         * @return the HTTP status
         */
        public int status() {
            return status;
        }

        /**
         * Returns the URL that answered, after redirects (relative links resolve against it).
         *
         * @return the URL that answered, after redirects (relative links resolve against it)
         */
        public URI uri() {
            return uri;
        }

        /**
         * A response header.
         *
         * @param name its name, any case
         * @return its value, or {@code null}
         */
        public String header(String name) {
            return connection.getHeaderField(name);
        }

        /**
         * The Content-Range header of a 206 response.
         *
         * @return the range, or {@code null} if absent or unreadable
         */
        public ContentRange contentRange() {
            String value = header("Content-Range");
            if (value == null) {
                return null;
            }
            Matcher m = CONTENT_RANGE.matcher(value.strip());
            if (!m.matches()) {
                return null;
            }
            return new ContentRange(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)),
                    m.group(3).equals("*") ? -1 : Long.parseLong(m.group(3)));
        }

        /**
         * Returns the Content-Length, or -1 if not given.
         *
         * @return the Content-Length, or -1 if not given
         */
        public long contentLength() {
            return connection.getContentLengthLong();
        }

        /**
         * Returns the media type of the Content-Type header, lower case, without parameters; "" if absent.
         *
         * @return the media type of the Content-Type header, lower case, without parameters; "" if absent
         */
        public String contentType() {
            String type = connection.getContentType();
            if (type == null) {
                return "";
            }
            int semi = type.indexOf(';');
            return (semi >= 0 ? type.substring(0, semi) : type).strip().toLowerCase(Locale.ROOT);
        }

        /**
         * Returns the charset parameter of the Content-Type header, or {@code null}.
         *
         * @return the charset parameter of the Content-Type header, or {@code null}
         */
        public String charset() {
            String type = connection.getContentType();
            if (type == null) {
                return null;
            }
            for (String param : type.split(";")) {
                String p = param.strip();
                if (p.regionMatches(true, 0, "charset=", 0, 8)) {
                    return p.substring(8).replace("\"", "").strip();
                }
            }
            return null;
        }

        /**
         * The body of a 2xx response.
         *
         * @return the body stream, read with plain blocking reads
         * @throws IOException if it cannot be opened
         */
        public InputStream body() throws IOException {
            if (body == null) {
                body = connection.getInputStream();
            }
            return body;
        }

        /** Drops the connection without reading the rest of the body (the next request opens a new one). */
        public void abort() {
            aborted = true;
            connection.disconnect();
        }

        /** Closes the body after a handler read it, so that the connection can be reused. */
        void finish() throws IOException {
            if (!aborted && body != null) {
                body.close();
            }
        }

        /** Reads and drops a small error or redirect body so that the connection can be reused. */
        void discard() {
            try (InputStream err = status >= 400 ? connection.getErrorStream() : connection.getInputStream()) {
                if (err == null) {
                    return;
                }
                byte[] skip = new byte[8192];
                long total = 0;
                int n;
                while (total < MAX_ERROR_BODY && (n = err.read(skip)) > 0) {
                    total += n;
                }
                if (total >= MAX_ERROR_BODY) {
                    abort();
                }
            } catch (IOException e) {
                // the connection is unusable for reuse: drop it; the status already tells what happened
                abort();
            }
        }
    }

    /** A TLS socket factory that trusts every certificate: only with --insecure. */
    private static final class Insecure {
        static final SSLSocketFactory FACTORY = create();

        private static SSLSocketFactory create() {
            TrustManager trustAll = new X509ExtendedTrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
                }

                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
                }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            };
            try {
                SSLContext context = SSLContext.getInstance("TLS");
                context.init(null, new TrustManager[] {trustAll}, null);
                return context.getSocketFactory();
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("this JDK cannot create a TLS context for --insecure: " + e.getMessage(), e);
            }
        }
    }
}
