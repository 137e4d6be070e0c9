package io.gevent4j.examples;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.server.StreamServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class EchoServerTest {
    @Test
    void echoesLinesForManyClientsAtOnceOnOneThread() throws Exception {
        Gevent.run(() -> {
            StreamServer server = EchoServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 100);
            try {
                List<Greenlet<List<String>>> clients = new ArrayList<>();
                for (int c = 0; c < 50; c++) {
                    int id = c;
                    clients.add(Gevent.spawn(() -> client(server.port(), id)));
                }
                Gevent.joinAll(clients, null, true, clients.size());
                for (int c = 0; c < 50; c++) {
                    List<String> got = clients.get(c).get();
                    assertEquals(EchoServer.WELCOME, got.getFirst());
                    assertEquals(List.of("client " + c + " line 0", "client " + c + " line 1", "client " + c + " line 2",
                            "bye"), got.subList(1, got.size()));
                }
            } finally {
                server.close();
            }
            return null;
        });
    }

    /** Plain blocking client code: connect, read the welcome, send three lines and quit. */
    private static List<String> client(int port, int id) throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            OutputStream out = s.getOutputStream();
            List<String> got = new ArrayList<>();
            got.add(in.readLine());
            for (int i = 0; i < 3; i++) {
                out.write(("client " + id + " line " + i + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                got.add(in.readLine());
                Gevent.sleep(1);
            }
            out.write("quit\n".getBytes(StandardCharsets.UTF_8));
            got.add(in.readLine());
            assertNull(in.readLine(), "the server closes after quit");
            return got;
        }
    }

    @Test
    void aPortInUseIsBadInput() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            RunResult r = RunResult.run(EchoServer::execute, "--port", String.valueOf(taken.getLocalPort()));
            assertEquals(2, r.code(), r.all());
            assertTrue(r.err().contains("cannot listen on"), r.err());
        }
        assertEquals(2, RunResult.run(EchoServer::execute, "--port", "70000").code());
    }
}
