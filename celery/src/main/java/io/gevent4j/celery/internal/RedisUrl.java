package io.gevent4j.celery.internal;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * A parsed {@code redis://[[user]:password@]host[:port][/db]} broker or backend address, as Celery
 * and kombu accept it.
 *
 * @param host the host name
 * @param port the TCP port (6379 when absent)
 * @param db the database number (0 when absent)
 * @param user the ACL user, or null
 * @param password the password, or null
 */
public record RedisUrl(String host, int port, int db, String user, String password) {

    /**
     * Parses a URL.
     *
     * @param url the text
     * @return the address
     * @throws IllegalArgumentException naming what is wrong and the expected form
     */
    public static RedisUrl parse(String url) {
        String form = "expected redis://HOST:PORT/DB, e.g. redis://127.0.0.1:6379/0";
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("no Redis URL given; " + form);
        }
        URI uri;
        try {
            uri = new URI(url.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("'" + url + "' is not a URL (" + e.getMessage() + "); " + form, e);
        }
        if (!"redis".equals(uri.getScheme())) {
            throw new IllegalArgumentException("'" + url + "' is not a redis:// URL (only Redis is supported as broker and backend); " + form);
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            host = "127.0.0.1";
        }
        int port = uri.getPort() < 0 ? 6379 : uri.getPort();
        int db = 0;
        String path = uri.getPath();
        if (path != null && path.length() > 1) {
            try {
                db = Integer.parseInt(path.substring(1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + url + "': the database '" + path.substring(1) + "' is not a number; " + form, e);
            }
            if (db < 0) {
                throw new IllegalArgumentException("'" + url + "': the database must be 0 or more; " + form);
            }
        }
        String user = null;
        String password = null;
        String info = uri.getRawUserInfo();
        if (info != null) {
            int colon = info.indexOf(':');
            if (colon < 0) {
                password = decode(info);
            } else {
                user = colon == 0 ? null : decode(info.substring(0, colon));
                password = decode(info.substring(colon + 1));
            }
        }
        return new RedisUrl(host, port, db, user, password);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    /** The address without the password, for messages. */
    public String display() {
        return "redis://" + host + ":" + port + "/" + db;
    }

    @Override
    public String toString() {
        return display();
    }
}
