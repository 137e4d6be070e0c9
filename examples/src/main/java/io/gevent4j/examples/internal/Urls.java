package io.gevent4j.examples.internal;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** Parsing and cleaning of URLs given by users or found in pages and playlists. */
public final class Urls {
    private static final String HEX = "0123456789ABCDEF";

    private Urls() {
    }

    /**
     * Parses a URL typed by the user.
     *
     * @param text the argument
     * @return the URL
     * @throws IllegalArgumentException with a message for the user if it is not an absolute http(s) URL
     */
    public static URI parseUserUrl(String text) {
        String t = text == null ? "" : text.strip();
        URI uri;
        try {
            uri = new URI(encodeLoosely(t));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("'" + text + "' is not a valid URL (" + e.getReason()
                    + "); give a full http(s) URL such as https://example.com/gallery.html");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("'" + text + "' is not an http(s) URL; give a full URL such as"
                    + " https://example.com/gallery.html");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new IllegalArgumentException("'" + text + "' has no host name; give a full URL such as"
                    + " https://example.com/gallery.html");
        }
        return withoutFragment(uri);
    }

    /**
     * Resolves a link found in a page or playlist against the URL of that document.
     *
     * @param base the document's URL (after redirects)
     * @param link the link as written
     * @return the absolute http(s) URL without fragment, or {@code null} if the link is not one
     *         (data:, javascript:, mailto:, malformed)
     */
    public static URI resolve(URI base, String link) {
        if (link == null || link.isBlank()) {
            return null;
        }
        try {
            URI uri = withoutFragment(base.resolve(new URI(encodeLoosely(link.strip()))));
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
                return removeDotSegmentsAboveRoot(uri.normalize());
            }
            return null;
        } catch (URISyntaxException | IllegalArgumentException e) {
            return null;
        }
    }

    /** {@link URI#normalize()} keeps {@code ..} segments that climb above the root; RFC 3986 drops them. */
    private static URI removeDotSegmentsAboveRoot(URI uri) {
        String path = uri.getRawPath();
        if (path == null || !path.startsWith("/..")) {
            return uri;
        }
        while (path.startsWith("/../")) {
            path = path.substring(3);
        }
        if (path.equals("/..")) {
            path = "/";
        }
        return URI.create(uri.getScheme() + "://" + uri.getRawAuthority() + path
                + (uri.getRawQuery() != null ? "?" + uri.getRawQuery() : ""));
    }

    /**
     * Drops the {@code #fragment}: it is not sent to servers, so two URLs differing only in it name
     * the same resource.
     *
     * @param uri a URL
     * @return the URL without fragment
     */
    public static URI withoutFragment(URI uri) {
        if (uri.getRawFragment() == null) {
            return uri;
        }
        String s = uri.toString();
        return URI.create(s.substring(0, s.indexOf('#')));
    }

    /**
     * Percent-encodes the characters that are not allowed in a URI but appear in real links (spaces,
     * non-ASCII, {@code | ^ { } " < > \}), leaving existing escapes and reserved characters alone.
     *
     * @param text a URL as written
     * @return a string {@link URI} accepts
     */
    public static String encodeLoosely(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean bad = c <= ' ' || c >= 0x7f || "\"<>\\^`{|}".indexOf(c) >= 0;
            if (c == '%' && !(i + 2 < text.length() && isHex(text.charAt(i + 1)) && isHex(text.charAt(i + 2)))) {
                bad = true;
            }
            if (!bad) {
                if (out != null) {
                    out.append(c);
                }
                continue;
            }
            if (out == null) {
                out = new StringBuilder(text.length() + 16).append(text, 0, i);
            }
            int cp = text.codePointAt(i);
            if (Character.charCount(cp) == 2) {
                i++;
            }
            for (byte b : new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8)) {
                out.append('%').append(HEX.charAt((b >> 4) & 0xf)).append(HEX.charAt(b & 0xf));
            }
        }
        return out == null ? text : out.toString();
    }

    private static boolean isHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    /**
     * The last path segment of a URL, percent-decoded: the raw material of a file name (still to be
     * made safe with {@link OutputDir#safeName}).
     *
     * @param uri a URL
     * @return the decoded last segment, possibly empty
     */
    public static String lastSegment(URI uri) {
        String path = uri.getRawPath();
        if (path == null) {
            return "";
        }
        int slash = path.lastIndexOf('/');
        String raw = slash >= 0 ? path.substring(slash + 1) : path;
        return percentDecode(raw);
    }

    private static String percentDecode(String raw) {
        if (raw.indexOf('%') < 0) {
            return raw;
        }
        byte[] out = new byte[raw.length() * 4];
        int n = 0;
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%' && i + 2 < raw.length() && isHex(raw.charAt(i + 1)) && isHex(raw.charAt(i + 2))) {
                out[n++] = (byte) Integer.parseInt(raw.substring(i + 1, i + 3), 16);
                i += 2;
            } else {
                for (byte b : String.valueOf(c).getBytes(StandardCharsets.UTF_8)) {
                    out[n++] = b;
                }
            }
        }
        return new String(out, 0, n, StandardCharsets.UTF_8);
    }
}
