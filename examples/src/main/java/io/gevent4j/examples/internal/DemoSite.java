package io.gevent4j.examples.internal;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The demo's web site, on 127.0.0.1 and a free port: a gallery page with generated PNG images
 * (drawn with {@link ImageIO}) and an HLS media playlist of generated MPEG-TS segments. Every
 * response waits a random 1x to 2x {@code delay} first, like a distant server. It runs on platform
 * threads of its own ({@code com.sun.net.httpserver}), not on a hub.
 */
public final class DemoSite implements AutoCloseable {
    private static final int TS_PACKET = 188;

    private record Resource(byte[] body, String type) {
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final Map<String, Resource> resources;
    private final Duration delay;
    private final AtomicInteger requests = new AtomicInteger();
    private final int images;
    private final int segments;
    private final long imageBytes;
    private final long videoBytes;

    private DemoSite(HttpServer server, Map<String, Resource> resources, Duration delay, int images, int segments,
                     long imageBytes, long videoBytes) {
        this.server = server;
        this.resources = resources;
        this.delay = delay;
        this.images = images;
        this.segments = segments;
        this.imageBytes = imageBytes;
        this.videoBytes = videoBytes;
        this.executor = Executors.newFixedThreadPool(64,
                r -> Thread.ofPlatform().daemon(true).name("demo-site").unstarted(r));
        server.setExecutor(executor);
        server.createContext("/", this::serve);
        server.start();
    }

    /**
     * Generates the content and starts serving it.
     *
     * @param images how many PNG images the gallery shows
     * @param segments how many segments the video has
     * @param delay the shortest delay of a response (the longest is twice that)
     * @return the running site
     * @throws IOException if it cannot listen on 127.0.0.1
     */
    public static DemoSite start(int images, int segments, Duration delay) throws IOException {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        // Without TCP_NODELAY the JDK's server sends a response's body only after the client's delayed
        // ACK of its headers (40 ms on Linux), which would add a hidden delay to every request.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
        Map<String, Resource> resources = new HashMap<>();
        StringBuilder page = new StringBuilder("""
                <!doctype html>
                <html><head><meta charset="utf-8"><title>gevent4j demo gallery</title></head>
                <body><h1>Generated gallery</h1>
                """);
        long imageBytes = 0;
        for (int i = 1; i <= images; i++) {
            String name = String.format(Locale.ROOT, "photo-%02d.png", i);
            byte[] png = png(i, images);
            imageBytes += png.length;
            resources.put("/gallery/img/" + name, new Resource(png, "image/png"));
            // a mix of the ways pages refer to images: relative, absolute path, srcset
            String src = switch (i % 3) {
                case 0 -> "img/" + name;
                case 1 -> "/gallery/img/" + name;
                default -> "./img/" + name;
            };
            page.append(i % 5 == 0
                    ? "<picture><source srcset=\"" + src + " 1x\"><img src=\"" + src + "\" alt=\"photo " + i + "\"></picture>\n"
                    : "<img src=\"" + src + "\" alt=\"photo " + i + "\" width=\"240\" height=\"160\">\n");
        }
        page.append("<p>The same photos again, as thumbnails (downloaded once):</p>\n");
        for (int i = 1; i <= Math.min(5, images); i++) {
            page.append(String.format(Locale.ROOT, "<img src=\"img/photo-%02d.png\" width=\"60\">%n", i));
        }
        page.append("</body></html>\n");
        resources.put("/gallery/", new Resource(page.toString().getBytes(StandardCharsets.UTF_8), "text/html; charset=utf-8"));

        StringBuilder playlist = new StringBuilder("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n");
        long videoBytes = 0;
        for (int i = 0; i < segments; i++) {
            byte[] ts = transportStream(i);
            videoBytes += ts.length;
            String name = String.format(Locale.ROOT, "segment-%03d.ts", i);
            resources.put("/video/" + name, new Resource(ts, "video/mp2t"));
            playlist.append("#EXTINF:2.000,\n").append(name).append('\n');
        }
        playlist.append("#EXT-X-ENDLIST\n");
        resources.put("/video/demo.m3u8", new Resource(playlist.toString().getBytes(StandardCharsets.UTF_8),
                "application/vnd.apple.mpegurl"));

        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
        return new DemoSite(server, Map.copyOf(resources), delay, images, segments, imageBytes, videoBytes);
    }

    /**
     * Draws one photo: a gradient, rings and some grain, different for each number.
     *
     * @param number which photo, from 1
     * @param of how many there are (spreads the colours)
     * @return the PNG file
     */
    static byte[] png(int number, int of) {
        int w = 240;
        int h = 160;
        Random random = new Random(number);
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            float hue = (float) number / of;
            g.setPaint(new GradientPaint(0, 0, Color.getHSBColor(hue, 0.55f, 0.95f), w, h,
                    Color.getHSBColor(hue + 0.35f, 0.8f, 0.45f)));
            g.fillRect(0, 0, w, h);
            for (int c = 0; c < 3 + number % 5; c++) {
                g.setColor(Color.getHSBColor(random.nextFloat(), 0.7f, 1f));
                g.setStroke(new BasicStroke(2 + random.nextInt(6)));
                int r = 10 + random.nextInt(50);
                g.drawOval(random.nextInt(w) - r, random.nextInt(h) - r, 2 * r, 2 * r);
            }
            for (int bar = 0; bar < number; bar++) { // the photo's number, as tally marks
                g.setColor(Color.WHITE);
                g.fillRect(8 + (bar % 20) * 6, 8 + (bar / 20) * 14, 3, 10);
            }
        } finally {
            g.dispose();
        }
        for (int p = 0; p < 300; p++) { // film grain, so that the file is not trivially small
            int x = random.nextInt(w);
            int y = random.nextInt(h);
            image.setRGB(x, y, image.getRGB(x, y) ^ (random.nextInt(0x40) * 0x010101));
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, "png", png)) {
                throw new IllegalStateException("this JDK has no PNG writer in ImageIO");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode a demo PNG", e);
        }
        return png.toByteArray();
    }

    /**
     * An MPEG-TS-shaped segment: 160 packets of 188 bytes, each with the sync byte, a PID and a
     * continuity counter, and a deterministic payload. Not a playable video: a stand-in with the right
     * framing and size.
     */
    private static byte[] transportStream(int segment) {
        int packets = 160;
        byte[] ts = new byte[packets * TS_PACKET];
        Random random = new Random(1000 + segment);
        random.nextBytes(ts);
        for (int p = 0; p < packets; p++) {
            int o = p * TS_PACKET;
            ts[o] = 0x47;
            ts[o + 1] = (byte) (p == 0 ? 0x41 : 0x01);
            ts[o + 2] = 0x00;
            ts[o + 3] = (byte) (0x10 | ((segment * packets + p) & 0x0f));
        }
        return ts;
    }

    private void serve(HttpExchange exchange) throws IOException {
        try (exchange) {
            requests.incrementAndGet();
            long millis = delay.toMillis();
            if (millis > 0) {
                try {
                    Thread.sleep(millis + ThreadLocalRandom.current().nextLong(millis + 1));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            String path = exchange.getRequestURI().getPath();
            Resource resource = resources.get(path.equals("/gallery") ? "/gallery/" : path);
            if (resource == null) {
                byte[] msg = ("no such demo resource: " + path).getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
                exchange.sendResponseHeaders(404, msg.length);
                exchange.getResponseBody().write(msg);
                return;
            }
            exchange.getResponseHeaders().set("Content-Type", resource.type());
            exchange.sendResponseHeaders(200, resource.body().length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(resource.body());
            }
        }
    }

    /**
     * Returns the gallery page's URL.
     *
     * @return the gallery page's URL
     */
    public URI galleryUrl() {
        return URI.create(base() + "/gallery/");
    }

    /**
     * Returns the HLS playlist's URL.
     *
     * @return the HLS playlist's URL
     */
    public URI videoUrl() {
        return URI.create(base() + "/video/demo.m3u8");
    }

    private String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /**
     * Returns how many images the gallery has.
     *
     * @return how many images the gallery has
     */
    public int images() {
        return images;
    }

    /**
     * Returns how many segments the video has.
     *
     * @return how many segments the video has
     */
    public int segments() {
        return segments;
    }

    /**
     * Returns the images' total size.
     *
     * @return the images' total size
     */
    public long imageBytes() {
        return imageBytes;
    }

    /**
     * Returns the video's size.
     *
     * @return the video's size
     */
    public long videoBytes() {
        return videoBytes;
    }

    /**
     * Returns the requests served so far.
     *
     * @return the requests served so far
     */
    public int requests() {
        return requests.get();
    }

    /** Stops serving. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
