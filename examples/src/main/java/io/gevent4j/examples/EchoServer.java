package io.gevent4j.examples;

import io.gevent4j.examples.internal.Cli;
import io.gevent4j.examples.internal.Fanout;
import io.gevent4j.pool.Pool;
import io.gevent4j.server.StreamServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Writer;
import java.io.OutputStreamWriter;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

/**
 * {@code ./gevent4j echo-server [--port P]}: gevent's classic echo server. A {@link StreamServer}
 * runs {@link #handle} for each connection in its own greenlet; the handler is plain blocking socket
 * code (read a line, write it back), and thousands of clients are served by one thread.
 *
 * <p>Try it: {@code ./gevent4j echo-server} then {@code nc 127.0.0.1 16000} (or {@code telnet}); type
 * lines, {@code quit} to leave.
 */
@Command(name = "echo-server", mixinStandardHelpOptions = true, version = "gevent4j echo-server 0.1.0",
        description = "A StreamServer echo server: every connection is a greenlet running plain blocking socket code."
                + " Connect with 'nc 127.0.0.1 16000', type lines, 'quit' to leave.",
        footer = "%nExit codes: 0 stopped, 2 bad input (e.g. the port is in use).")
public final class EchoServer implements Callable<Integer> {
    /** The greeting sent to each client. */
    public static final String WELCOME = "Welcome to the gevent4j echo server! Type quit to exit.";

    @Option(names = {"-p", "--port"}, defaultValue = "16000", paramLabel = "P",
            description = "The TCP port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    private int port;

    @Option(names = "--host", defaultValue = "127.0.0.1", paramLabel = "ADDRESS",
            description = "The address to listen on (default: ${DEFAULT-VALUE}; 0.0.0.0 for every interface).")
    private String host;

    @Option(names = "--max-connections", defaultValue = "10000", paramLabel = "N",
            description = "Connections served at once (a Pool); more wait in the listen backlog (default: ${DEFAULT-VALUE}).")
    private int maxConnections;

    private PrintStream stdout = System.out;
    private PrintStream stderr = System.err;

    /** Creates the command; picocli sets its options. */
    public EchoServer() {
    }

    /**
     * The command line entry point; serves until the process is stopped (Ctrl-C).
     *
     * @param args options; {@code --help} lists them
     */
    public static void main(String[] args) {
        System.exit(execute(System.out, System.err, args));
    }

    /**
     * Runs the command as {@link #main} does, without exiting.
     *
     * @param out standard output
     * @param err standard error
     * @param args options
     * @return the exit code once the server stops
     */
    public static int execute(PrintStream out, PrintStream err, String... args) {
        EchoServer command = new EchoServer();
        command.stdout = out;
        command.stderr = err;
        return Cli.execute(command, out, err, args);
    }

    /**
     * Serves until the server is stopped.
     *
     * @return the exit code
     * @throws Exception only for a bug
     */
    @Override
    public Integer call() throws Exception {
        if (port < 0 || port > 65535) {
            stderr.println("echo-server: --port must be between 0 and 65535, got " + port);
            return Cli.BAD_INPUT;
        }
        if (maxConnections < 1) {
            stderr.println("echo-server: --max-connections must be at least 1, got " + maxConnections);
            return Cli.BAD_INPUT;
        }
        return Fanout.inHub(() -> {
            StreamServer server;
            try {
                server = start(new InetSocketAddress(host, port), maxConnections);
            } catch (BindException e) {
                stderr.println("echo-server: " + e.getMessage());
                return Cli.BAD_INPUT;
            }
            stdout.println("echo-server: listening on " + server.address().getHostString() + ":" + server.port()
                    + " (try: nc " + server.address().getHostString() + " " + server.port() + "; Ctrl-C stops)");
            stdout.flush();
            server.serveForever();
            return Cli.OK;
        });
    }

    /**
     * Starts an echo server on the current hub; it serves while the calling thread blocks in gevent4j
     * calls ({@code serveForever}, {@code join}...).
     *
     * @param address where to listen (port 0 picks a free port)
     * @param maxConnections connections served at once
     * @return the started server; {@link StreamServer#close()} stops it
     * @throws IOException if it cannot listen (a {@link BindException} names the address)
     */
    public static StreamServer start(InetSocketAddress address, int maxConnections) throws IOException {
        return new StreamServer(address, EchoServer::handle).spawner(new Pool(maxConnections)).backlog(1024).start();
    }

    /**
     * Serves one client: plain blocking socket code, run in its own greenlet. Sends {@link #WELCOME},
     * then echoes every line until the client sends {@code quit} or closes.
     *
     * @param socket the connection
     * @param peer the client's address
     * @throws IOException if the connection fails
     */
    public static void handle(Socket socket, InetSocketAddress peer) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        Writer out = new OutputStreamWriter(socket.getOutputStream(), StandardCharsets.UTF_8);
        out.write(WELCOME + "\r\n");
        out.flush();
        String line;
        while ((line = in.readLine()) != null) {
            if (line.strip().equalsIgnoreCase("quit")) {
                out.write("bye\r\n");
                out.flush();
                return;
            }
            out.write(line + "\r\n");
            out.flush();
        }
    }
}
