package io.gevent4j.server;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.gevent4j.server.ServerTestSupport.LOOPBACK;
import static io.gevent4j.server.ServerTestSupport.anyPort;
import static io.gevent4j.server.ServerTestSupport.readLine;
import static io.gevent4j.server.ServerTestSupport.writeLine;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** TLS through an SSLContext, with a self-signed certificate made by the JDK's keytool for this run. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StreamServerTlsTest {
    private static final char[] PASSWORD = "changeit".toCharArray();
    private static SSLContext serverContext;
    private static SSLContext clientContext;

    @BeforeAll
    static void makeCertificate(@TempDir Path dir) throws Exception {
        Path store = dir.resolve("server.p12");
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process p = new ProcessBuilder(List.of(keytool.toString(), "-genkeypair", "-alias", "server",
                "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", store.toString(),
                "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD)))
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "keytool finished");
        assertEquals(0, p.exitValue(), "keytool failed: " + output);

        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keys.load(in, PASSWORD);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, PASSWORD);
        serverContext = SSLContext.getInstance("TLS");
        serverContext.init(kmf.getKeyManagers(), null, null);

        Certificate cert = keys.getCertificate("server");
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("server", cert);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        clientContext = SSLContext.getInstance("TLS");
        clientContext.init(null, tmf.getTrustManagers(), null);
    }

    @AfterEach
    void freshHub() throws InterruptedException {
        ServerTestSupport.closeHub();
    }

    private static final StreamServer.Handler TLS_ECHO = (socket, peer) -> {
        SSLSocket tls = (SSLSocket) socket;
        writeLine(socket, tls.getSession().getProtocol());
        for (String line; (line = readLine(socket)) != null; ) {
            writeLine(socket, "echo " + line);
        }
    };

    private static SSLSocket connectTls(int port) throws Exception {
        SSLSocket s = (SSLSocket) clientContext.getSocketFactory().createSocket(LOOPBACK, port);
        s.startHandshake();
        return s;
    }

    @Test
    void tlsRoundTrip() throws Exception {
        try (StreamServer server = new StreamServer(anyPort(), TLS_ECHO).sslContext(serverContext)) {
            server.start();
            assertTrue(server.toString().contains("TLS"), server.toString());
            Gevent.run(() -> {
                try (SSLSocket s = connectTls(server.port())) {
                    String protocol = readLine(s);
                    assertTrue(protocol.startsWith("TLSv1."), protocol);
                    assertEquals(protocol, s.getSession().getProtocol());
                    for (int i = 0; i < 3; i++) {
                        writeLine(s, "hello tls " + i);
                        assertEquals("echo hello tls " + i, readLine(s));
                    }
                }
                return null;
            });
        }
    }

    @Test
    void aStalledHandshakeDoesNotBlockOtherClients() throws Exception {
        try (StreamServer server = new StreamServer(anyPort(), TLS_ECHO).sslContext(serverContext)
                .stopTimeout(Duration.ZERO)) {
            server.start();
            Gevent.run(() -> {
                // connects at the TCP level and never says hello: its handshake waits in its own greenlet
                try (Socket silent = new Socket(LOOPBACK, server.port())) {
                    ServerTestSupport.awaitCondition("silent client accepted", Duration.ofSeconds(20),
                            () -> server.connectionCount() == 1);
                    List<Greenlet<String>> clients = List.of(
                            Gevent.spawn(() -> talk(server.port(), "a")),
                            Gevent.spawn(() -> talk(server.port(), "b")));
                    Gevent.joinAll(clients, Duration.ofSeconds(30), true, 2);
                    assertEquals("echo a", clients.get(0).get());
                    assertEquals("echo b", clients.get(1).get());
                    assertTrue(silent.isConnected());
                }
                return null;
            });
        }
    }

    private static String talk(int port, String word) throws Exception {
        try (SSLSocket s = connectTls(port)) {
            readLine(s);
            writeLine(s, word);
            return readLine(s);
        }
    }
}
