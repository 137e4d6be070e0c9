package io.gevent4j.examples.internal;

import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Finds the images of an HTML page: every {@code <img src>}, and every {@code srcset} candidate of {@code <img>} and {@code <source>}. */
public final class PageImages {
    private PageImages() {
    }

    /**
     * Lists the images of a page, in document order, de-duplicated, as absolute http(s) URLs
     * (relative ones resolved against the page's URL or its {@code <base href>}; {@code data:} URIs dropped).
     *
     * @param page the parsed page
     * @param pageUri the URL the page came from, after redirects
     * @return the image URLs
     */
    public static List<URI> find(Document page, URI pageUri) {
        URI base = pageUri;
        Element baseElement = page.selectFirst("base[href]");
        if (baseElement != null) {
            URI declared = Urls.resolve(pageUri, baseElement.attr("href"));
            if (declared != null) {
                base = declared;
            }
        }
        Set<URI> found = new LinkedHashSet<>();
        for (Element e : page.select("img[src], img[srcset], source[srcset]")) {
            if (e.hasAttr("src") && e.tagName().equals("img")) {
                add(found, base, e.attr("src"));
            }
            if (e.hasAttr("srcset")) {
                for (String candidate : srcsetUrls(e.attr("srcset"))) {
                    add(found, base, candidate);
                }
            }
        }
        return List.copyOf(found);
    }

    private static void add(Set<URI> found, URI base, String link) {
        URI uri = Urls.resolve(base, link);
        if (uri != null) {
            found.add(uri);
        }
    }

    /**
     * The URLs of a {@code srcset} attribute ({@code "a.png 1x, b.png 2x"},
     * {@code "small.jpg 480w, large.jpg 1080w"}), following the HTML parsing rules closely enough
     * for real pages: URLs may contain commas, descriptors may contain parentheses.
     *
     * @param srcset the attribute value
     * @return the candidate URLs, as written
     */
    public static List<String> srcsetUrls(String srcset) {
        List<String> urls = new ArrayList<>();
        int i = 0;
        int n = srcset.length();
        while (i < n) {
            while (i < n && (Character.isWhitespace(srcset.charAt(i)) || srcset.charAt(i) == ',')) {
                i++;
            }
            if (i >= n) {
                break;
            }
            int start = i;
            while (i < n && !Character.isWhitespace(srcset.charAt(i))) {
                i++;
            }
            String url = srcset.substring(start, i);
            if (url.endsWith(",")) {
                url = url.replaceAll(",+$", "");
            } else {
                boolean inParens = false;
                while (i < n) {
                    char c = srcset.charAt(i++);
                    if (c == '(') {
                        inParens = true;
                    } else if (c == ')') {
                        inParens = false;
                    } else if (c == ',' && !inParens) {
                        break;
                    }
                }
            }
            if (!url.isEmpty()) {
                urls.add(url);
            }
        }
        return urls;
    }
}
