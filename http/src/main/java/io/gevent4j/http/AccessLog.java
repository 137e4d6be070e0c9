package io.gevent4j.http;

import java.net.InetSocketAddress;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * pywsgi's access log line ({@code WSGIHandler.format_request}):
 * {@code CLIENT - - [YYYY-MM-DD HH:MM:SS] "REQUEST LINE" STATUS LENGTH SECONDS}, with {@code -} for an
 * unknown client or length and the duration to the microsecond.
 */
final class AccessLog {
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);

    private AccessLog() {
    }

    static String line(InetSocketAddress client, LocalDateTime now, String requestLine, int status, long length,
                       long nanos) {
        String who = client == null || client.getAddress() == null ? "-" : client.getAddress().getHostAddress();
        String code = status <= 0 ? "000" : Integer.toString(status);
        String len = length > 0 ? Long.toString(length) : "-";
        return String.format(Locale.ROOT, "%s - - [%s] \"%s\" %s %s %.6f", who, WHEN.format(now), requestLine, code, len,
                nanos / 1e9);
    }
}
