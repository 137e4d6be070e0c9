package io.gevent4j.examples.internal;

import java.util.Map;
import java.util.Set;

/** File extensions for the media types the downloaders meet. */
public final class MediaTypes {
    private static final Map<String, String> EXTENSIONS = Map.ofEntries(
            Map.entry("image/png", "png"),
            Map.entry("image/apng", "png"),
            Map.entry("image/jpeg", "jpg"),
            Map.entry("image/pjpeg", "jpg"),
            Map.entry("image/gif", "gif"),
            Map.entry("image/webp", "webp"),
            Map.entry("image/avif", "avif"),
            Map.entry("image/svg+xml", "svg"),
            Map.entry("image/bmp", "bmp"),
            Map.entry("image/x-icon", "ico"),
            Map.entry("image/vnd.microsoft.icon", "ico"),
            Map.entry("image/tiff", "tiff"),
            Map.entry("video/mp2t", "ts"),
            Map.entry("video/mp4", "mp4"),
            Map.entry("video/webm", "webm"),
            Map.entry("video/quicktime", "mov"),
            Map.entry("video/x-matroska", "mkv"),
            Map.entry("audio/mp4", "m4a"),
            Map.entry("audio/aac", "aac"),
            Map.entry("audio/mpeg", "mp3"),
            Map.entry("audio/ogg", "ogg"),
            Map.entry("application/pdf", "pdf"),
            Map.entry("application/zip", "zip"));

    private static final Set<String> IMAGE_EXTENSIONS = Set.of(
            "png", "jpg", "jpeg", "jpe", "gif", "webp", "avif", "svg", "bmp", "ico", "tif", "tiff", "heic");

    private MediaTypes() {
    }

    /**
     * The extensions {@link #extensionFor} gives the {@code image/*} types, each once.
     *
     * @return e.g. png, jpg, gif, webp...
     */
    public static Set<String> imageTypeExtensions() {
        Set<String> out = new java.util.TreeSet<>();
        for (Map.Entry<String, String> e : EXTENSIONS.entrySet()) {
            if (e.getKey().startsWith("image/")) {
                out.add(e.getValue());
            }
        }
        return out;
    }

    /**
     * The usual extension of a media type.
     *
     * @param mediaType e.g. {@code image/png} (lower case, no parameters)
     * @return e.g. {@code png}, or "" if unknown
     */
    public static String extensionFor(String mediaType) {
        return EXTENSIONS.getOrDefault(mediaType, "");
    }

    /**
     * Whether a file extension is an image format's.
     *
     * @param extension lower case, without dot
     * @return true for png, jpg, gif, webp...
     */
    public static boolean isImageExtension(String extension) {
        return IMAGE_EXTENSIONS.contains(extension);
    }

    /**
     * Whether a response of this media type may be saved as an image: {@code image/*}, or a type
     * that says nothing ({@code application/octet-stream}, absent).
     *
     * @param mediaType lower case, no parameters, "" if absent
     * @return false for HTML, JSON, text: an error page served with status 200
     */
    public static boolean mayBeImage(String mediaType) {
        return mediaType.isEmpty() || mediaType.startsWith("image/") || mediaType.equals("application/octet-stream")
                || mediaType.equals("binary/octet-stream");
    }

    /**
     * Whether a media type is an HLS playlist's.
     *
     * @param mediaType lower case, no parameters
     * @return true for {@code application/vnd.apple.mpegurl} and its aliases
     */
    public static boolean isPlaylist(String mediaType) {
        return mediaType.equals("application/vnd.apple.mpegurl") || mediaType.equals("application/x-mpegurl")
                || mediaType.equals("audio/mpegurl") || mediaType.equals("audio/x-mpegurl");
    }

    /**
     * Whether a media type is HTML.
     *
     * @param mediaType lower case, no parameters
     * @return true for {@code text/html} and {@code application/xhtml+xml}
     */
    public static boolean isHtml(String mediaType) {
        return mediaType.equals("text/html") || mediaType.equals("application/xhtml+xml");
    }
}
