package io.gevent4j.examples.internal;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An HLS playlist reader (RFC 8216): master playlists (variants with their bandwidth and
 * resolution) and media playlists (segments with {@code #EXT-X-BYTERANGE}, the {@code #EXT-X-MAP}
 * initialisation section, {@code #EXT-X-KEY} encryption, {@code #EXT-X-ENDLIST}). Relative URIs are
 * resolved against the playlist's own URL.
 */
public final class Hls {
    private Hls() {
    }

    /** A parsed playlist. */
    public sealed interface Playlist permits Master, Media {
    }

    /**
     * One variant stream of a master playlist.
     *
     * @param number its position in the playlist, from 1 (what {@code --variant N} selects)
     * @param uri its media playlist
     * @param bandwidth the BANDWIDTH attribute, bits per second
     * @param resolution the RESOLUTION attribute ({@code 1280x720}), or ""
     * @param codecs the CODECS attribute, or ""
     */
    public record Variant(int number, URI uri, long bandwidth, String resolution, String codecs) {
        /**
         * Describes the variant for messages, e.g. {@code #2 1280x720 2.5 Mbit/s}.
         *
         * @return e.g. {@code #2 1280x720 2.5 Mbit/s}
         */
        public String describe() {
            return String.format(Locale.ROOT, "#%d %s%.1f Mbit/s", number,
                    resolution.isEmpty() ? "" : resolution + " ", bandwidth / 1e6);
        }

        /**
         * Returns the height of the resolution, or -1.
         *
         * @return the height of the resolution, or -1
         */
        public int height() {
            int x = resolution.indexOf('x');
            try {
                return x > 0 ? Integer.parseInt(resolution.substring(x + 1)) : -1;
            } catch (NumberFormatException e) {
                return -1;
            }
        }
    }

    /**
     * A master playlist.
     *
     * @param variants the variant streams, in playlist order
     * @param separateAudio true if some audio rendition lives in its own playlist ({@code #EXT-X-MEDIA} with a URI)
     */
    public record Master(List<Variant> variants, boolean separateAudio) implements Playlist {
    }

    /**
     * A byte range of a resource.
     *
     * @param length how many bytes
     * @param offset the first byte
     */
    public record ByteRange(long length, long offset) {
        /**
         * Returns the value of a {@code Range} request header for it.
         *
         * @return the value of a {@code Range} request header for it
         */
        public String header() {
            return "bytes=" + offset + "-" + (offset + length - 1);
        }
    }

    /**
     * A media segment (or the initialisation section).
     *
     * @param number its position, from 0 (the initialisation section, when there is one, comes first)
     * @param uri where it is
     * @param range the part of the resource it is, or {@code null} for the whole resource
     */
    public record Segment(int number, URI uri, ByteRange range) {
    }

    /**
     * A media playlist.
     *
     * @param segments what to download and concatenate, in order (the {@code #EXT-X-MAP} section first)
     * @param hasInitSection true if the first segment is an {@code #EXT-X-MAP} initialisation section
     * @param encryption the METHOD of the first {@code #EXT-X-KEY} other than NONE, or {@code null}
     * @param ended true if the playlist has {@code #EXT-X-ENDLIST} (not a live stream)
     */
    public record Media(List<Segment> segments, boolean hasInitSection, String encryption, boolean ended)
            implements Playlist {
    }

    /**
     * Parses a playlist.
     *
     * @param text the playlist
     * @param base its URL (after redirects): relative URIs are resolved against it
     * @return a {@link Master} or a {@link Media} playlist
     * @throws FetchException if it is not an HLS playlist or is malformed
     */
    public static Playlist parse(String text, URI base) throws FetchException {
        String body = text.startsWith("\uFEFF") ? text.substring(1) : text;
        List<String> lines = body.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        if (lines.isEmpty() || !lines.getFirst().startsWith("#EXTM3U")) {
            throw FetchException.permanent(base + " is not an HLS playlist (it does not start with #EXTM3U)");
        }
        boolean master = lines.stream().anyMatch(l -> l.startsWith("#EXT-X-STREAM-INF"));
        return master ? parseMaster(lines, base) : parseMedia(lines, base);
    }

    private static Master parseMaster(List<String> lines, URI base) throws FetchException {
        List<Variant> variants = new ArrayList<>();
        boolean separateAudio = false;
        Map<String, String> pending = null;
        for (String line : lines) {
            if (line.startsWith("#EXT-X-STREAM-INF:")) {
                pending = attributes(line.substring("#EXT-X-STREAM-INF:".length()));
            } else if (line.startsWith("#EXT-X-MEDIA:")) {
                Map<String, String> media = attributes(line.substring("#EXT-X-MEDIA:".length()));
                if ("AUDIO".equals(media.get("TYPE")) && media.containsKey("URI")) {
                    separateAudio = true;
                }
            } else if (!line.startsWith("#") && pending != null) {
                URI uri = resolve(base, line);
                variants.add(new Variant(variants.size() + 1, uri, number(pending.get("BANDWIDTH"), base),
                        pending.getOrDefault("RESOLUTION", ""), pending.getOrDefault("CODECS", "")));
                pending = null;
            }
        }
        if (variants.isEmpty()) {
            throw FetchException.permanent("the master playlist " + base + " lists no variant streams");
        }
        return new Master(List.copyOf(variants), separateAudio);
    }

    private static Media parseMedia(List<String> lines, URI base) throws FetchException {
        List<Segment> segments = new ArrayList<>();
        Map<URI, Long> rangeEnds = new HashMap<>();
        String encryption = null;
        boolean ended = false;
        boolean init = false;
        String pendingRange = null;
        for (String line : lines) {
            if (line.startsWith("#EXT-X-KEY:")) {
                String method = attributes(line.substring("#EXT-X-KEY:".length())).getOrDefault("METHOD", "NONE");
                if (!method.equals("NONE") && encryption == null) {
                    encryption = method;
                }
            } else if (line.startsWith("#EXT-X-MAP:")) {
                if (init || !segments.isEmpty()) {
                    throw FetchException.permanent(base + " changes its #EXT-X-MAP between segments; such playlists"
                            + " (discontinuities with new initialisation sections) are not supported");
                }
                Map<String, String> map = attributes(line.substring("#EXT-X-MAP:".length()));
                String uriText = map.get("URI");
                if (uriText == null) {
                    throw FetchException.permanent(base + ": #EXT-X-MAP without URI");
                }
                URI uri = resolve(base, uriText);
                ByteRange range = map.containsKey("BYTERANGE") ? byteRange(map.get("BYTERANGE"), uri, Map.of(), base) : null;
                if (range != null) {
                    rangeEnds.put(uri, range.offset() + range.length());
                }
                segments.add(new Segment(0, uri, range));
                init = true;
            } else if (line.startsWith("#EXT-X-BYTERANGE:")) {
                pendingRange = line.substring("#EXT-X-BYTERANGE:".length()).strip();
            } else if (line.equals("#EXT-X-ENDLIST")) {
                ended = true;
            } else if (!line.startsWith("#")) {
                URI uri = resolve(base, line);
                ByteRange range = null;
                if (pendingRange != null) {
                    range = byteRange(pendingRange, uri, rangeEnds, base);
                    rangeEnds.put(uri, range.offset() + range.length());
                    pendingRange = null;
                }
                segments.add(new Segment(segments.size(), uri, range));
            }
        }
        return new Media(List.copyOf(segments), init, encryption, ended);
    }

    private static ByteRange byteRange(String spec, URI uri, Map<URI, Long> rangeEnds, URI base) throws FetchException {
        int at = spec.indexOf('@');
        long length = number(at >= 0 ? spec.substring(0, at) : spec, base);
        long offset;
        if (at >= 0) {
            offset = number(spec.substring(at + 1), base);
        } else {
            Long previous = rangeEnds.get(uri);
            if (previous == null && !rangeEnds.isEmpty()) {
                throw FetchException.permanent(base + ": #EXT-X-BYTERANGE:" + spec + " has no offset and does not follow"
                        + " a range of the same resource");
            }
            offset = previous == null ? 0 : previous;
        }
        if (length <= 0) {
            throw FetchException.permanent(base + ": empty #EXT-X-BYTERANGE:" + spec);
        }
        return new ByteRange(length, offset);
    }

    private static long number(String text, URI base) throws FetchException {
        if (text == null) {
            return 0;
        }
        try {
            return Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            throw FetchException.permanent(base + ": '" + text + "' is not a number");
        }
    }

    private static URI resolve(URI base, String link) throws FetchException {
        URI uri = Urls.resolve(base, link);
        if (uri == null) {
            throw FetchException.permanent(base + ": '" + link + "' is not an http(s) URI");
        }
        return uri;
    }

    /**
     * Parses an attribute list: {@code BANDWIDTH=1280000,CODECS="avc1.4d401f,mp4a.40.2"}.
     *
     * @param list the text after the tag's colon
     * @return names to values, quotes removed, in order
     */
    public static Map<String, String> attributes(String list) {
        Map<String, String> out = new LinkedHashMap<>();
        int i = 0;
        while (i < list.length()) {
            int eq = list.indexOf('=', i);
            if (eq < 0) {
                break;
            }
            String name = list.substring(i, eq).strip();
            int j = eq + 1;
            String value;
            if (j < list.length() && list.charAt(j) == '"') {
                int close = list.indexOf('"', j + 1);
                if (close < 0) {
                    close = list.length();
                }
                value = list.substring(j + 1, close);
                j = close + 1;
                int comma = list.indexOf(',', j);
                j = comma < 0 ? list.length() : comma + 1;
            } else {
                int comma = list.indexOf(',', j);
                int end = comma < 0 ? list.length() : comma;
                value = list.substring(j, end).strip();
                j = end + 1;
            }
            out.put(name.toUpperCase(Locale.ROOT), value);
            i = j;
        }
        return out;
    }
}
