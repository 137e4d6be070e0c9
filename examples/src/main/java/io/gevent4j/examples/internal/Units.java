package io.gevent4j.examples.internal;

import java.time.Duration;
import java.util.Locale;

/** Human-readable sizes, rates and durations for progress lines and summaries. */
public final class Units {
    private Units() {
    }

    /**
     * Formats a byte count: {@code 999 B}, {@code 12.3 KB}, {@code 4.5 MB} (powers of 1024).
     *
     * @param bytes the count
     * @return the text
     */
    public static String bytes(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        double value = bytes;
        String[] units = {"KB", "MB", "GB", "TB"};
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, value >= 100 ? "%.0f %s" : "%.1f %s", value, units[unit]);
    }

    /**
     * Formats a transfer rate.
     *
     * @param bytesPerSecond the rate
     * @return the text, e.g. {@code 1.2 MB/s}
     */
    public static String rate(double bytesPerSecond) {
        return bytes((long) bytesPerSecond) + "/s";
    }

    /**
     * Formats a duration for a summary: {@code 0.42 s}, {@code 12.3 s}, {@code 2m05s}.
     *
     * @param duration the duration
     * @return the text
     */
    public static String seconds(Duration duration) {
        double s = duration.toNanos() / 1e9;
        if (s < 10) {
            return String.format(Locale.ROOT, "%.2f s", s);
        }
        if (s < 120) {
            return String.format(Locale.ROOT, "%.1f s", s);
        }
        long whole = (long) s;
        return String.format(Locale.ROOT, "%dm%02ds", whole / 60, whole % 60);
    }

    /**
     * Formats an estimated time left: {@code 4s}, {@code 2m05s}, {@code 1h02m}.
     *
     * @param seconds the estimate
     * @return the text
     */
    public static String eta(double seconds) {
        if (Double.isNaN(seconds) || Double.isInfinite(seconds) || seconds < 0) {
            return "--";
        }
        long s = Math.round(seconds);
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
    }
}
