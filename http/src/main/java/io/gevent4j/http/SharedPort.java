package io.gevent4j.http;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.lang.reflect.Field;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;

/**
 * Lets several JDK {@link HttpServer}s listen on one port: sets {@code SO_REUSEPORT} on the listening
 * channel inside a JDK server before it is bound, and the kernel then spreads new connections over the
 * servers. The JDK's server runs one dispatcher thread and offers no way to set the option, so this reaches
 * its private fields ({@code sun.net.httpserver.HttpServerImpl.server}, {@code ServerImpl.schan}); that
 * needs the package opened to this code, which the gevent4j agent and the patched launch do (elsewhere:
 * {@code --add-opens jdk.httpserver/sun.net.httpserver=ALL-UNNAMED}). Where it cannot, {@link #unavailable()}
 * says why and {@link GeventHttpServer} serves a hub group from one JDK server instead.
 */
final class SharedPort {
    private static final String PACKAGE = "sun.net.httpserver";
    /** Why ports cannot be shared here, or {@code null} if they can. */
    private static final String UNAVAILABLE = probe();

    private SharedPort() {
    }

    /** {@return why this JVM cannot share a port between JDK servers, or {@code null} if it can} */
    static String unavailable() {
        return UNAVAILABLE;
    }

    /**
     * Sets {@code SO_REUSEPORT} on {@code server}'s listening channel; call before binding it.
     *
     * @param server a JDK server created unbound ({@code HttpServer.create()})
     * @throws IOException if the channel refuses the option
     * @throws IllegalStateException if {@link #unavailable()} is not {@code null}
     */
    static void enable(HttpServer server) throws IOException {
        if (UNAVAILABLE != null) {
            throw new IllegalStateException("gevent4j: cannot share a port between JDK servers here: " + UNAVAILABLE);
        }
        try {
            Object impl = field(server.getClass(), "server").get(server);
            ServerSocketChannel channel = (ServerSocketChannel) field(impl.getClass(), "schan").get(impl);
            channel.setOption(StandardSocketOptions.SO_REUSEPORT, true);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("gevent4j: the JDK's HttpServer (" + server.getClass().getName()
                    + ") has changed; its listening channel was not found", e);
        }
    }

    private static String probe() {
        Module module = HttpServer.class.getModule();
        if (!module.isOpen(PACKAGE, SharedPort.class.getModule())) {
            return module.getName() + " does not open " + PACKAGE + " to gevent4j (run under the gevent4j agent or the"
                    + " patched launch, or add --add-opens " + module.getName() + "/" + PACKAGE + "=ALL-UNNAMED)";
        }
        try (ServerSocketChannel channel = ServerSocketChannel.open()) {
            if (!channel.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT)) {
                return "this OS has no SO_REUSEPORT";
            }
        } catch (IOException e) {
            return "no server socket channel could be opened to look (" + e + ")";
        }
        try {
            field(Class.forName(PACKAGE + ".HttpServerImpl"), "server");
            field(Class.forName(PACKAGE + ".HttpsServerImpl"), "server");
            field(Class.forName(PACKAGE + ".ServerImpl"), "schan");
            return null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return "the JDK's HttpServer has changed (" + e + ")";
        }
    }

    private static Field field(Class<?> type, String name) throws NoSuchFieldException {
        Field f = type.getDeclaredField(name);
        f.setAccessible(true);
        return f;
    }
}
