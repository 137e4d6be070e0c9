package io.gevent4j.server;


import java.io.IOException;
import java.net.BindException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.Objects;

/**
 * A UDP server that runs a handler in a greenlet for each datagram received (gevent's
 * {@code gevent.server.DatagramServer}); the handler answers with {@link #sendto}.
 * <pre>{@code
 * var server = new DatagramServer(new InetSocketAddress("127.0.0.1", 9000),
 *         (data, peer, srv) -> srv.sendto(data, peer));   // echo
 * server.serveForever();                                   // until stop(), from anywhere
 * }</pre>
 * The life cycle, {@link #stop(java.time.Duration) stop}, {@link #spawner spawner} (a {@code Pool} bounds
 * the handlers: the receive loop waits for room, and the kernel's socket buffer queues meanwhile) and
 * {@link #hubGroup hub-group mode} are {@link BaseServer}'s. A handler's exception is reported with the
 * peer's address and the server keeps serving. A datagram is at most {@value #MAX_DATAGRAM} bytes.
 */
public final class DatagramServer extends BaseServer<DatagramServer> {
    /** The largest UDP payload (IPv4): bigger datagrams cannot exist. */
    public static final int MAX_DATAGRAM = 65_507;

    /**
     * The code run for each datagram, in its own greenlet; plain blocking code.
     */
    @FunctionalInterface
    public interface Handler {
        /**
         * Handles one datagram.
         *
         * @param data the datagram's bytes (a copy the handler owns)
         * @param peer who sent it; answer with {@code server.sendto(reply, peer)}
         * @param server this server
         * @throws Exception anything; it is reported with the peer's address
         */
        void handle(byte[] data, InetSocketAddress peer, DatagramServer server) throws Exception;
    }

    private final Handler handler;
    private int receiveBufferSize;
    private volatile DatagramSocket socket;

    /**
     * Creates a server that will receive on {@code address} once {@link #start() started}.
     *
     * @param address where to receive; port 0 picks a free port, read it with {@link #port()} after start
     * @param handler handles each datagram in its own greenlet
     */
    public DatagramServer(InetSocketAddress address, Handler handler) {
        super(address);
        this.handler = Objects.requireNonNull(handler, "handler");
    }

    /**
     * Asks the kernel for a socket receive buffer of {@code bytes} ({@code SO_RCVBUF}): how many bytes
     * of datagrams wait while the handlers are busy before the kernel drops new ones.
     *
     * @param bytes a positive size; by default the system's
     * @return this server
     */
    public DatagramServer receiveBufferSize(int bytes) {
        checkNew("receiveBufferSize");
        if (bytes <= 0) {
            throw new IllegalArgumentException("DatagramServer receiveBufferSize must be positive, got " + bytes);
        }
        this.receiveBufferSize = bytes;
        return this;
    }

    /**
     * Sends {@code data} to {@code peer} from the server's socket (gevent's {@code sendto}). Any thread
     * or greenlet, typically a handler answering its datagram.
     *
     * @param data the payload, at most {@value #MAX_DATAGRAM} bytes
     * @param peer where to send it
     * @throws IOException if the socket is closed (the server stopped) or the send fails
     */
    public void sendto(byte[] data, InetSocketAddress peer) throws IOException {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(peer, "peer");
        DatagramSocket s = socket;
        if (s == null) {
            throw new IOException("gevent4j: " + this + " has no socket yet: start() it before sending");
        }
        s.send(new DatagramPacket(data, data.length, peer));
    }

    @Override
    String kind() {
        return "DatagramServer";
    }

    @Override
    String loopName() {
        return "the receive loop";
    }

    @Override
    InetSocketAddress bind() throws IOException {
        DatagramSocket s = new DatagramSocket(null);
        try {
            // no SO_REUSEADDR: on Linux it lets a second UDP socket bind the same port and take its datagrams
            s.setReuseAddress(false);
            if (receiveBufferSize > 0) {
                s.setReceiveBufferSize(receiveBufferSize);
            }
            s.bind(requested());
        } catch (IOException e) {
            s.close();
            if (e instanceof BindException) {
                BindException named = new BindException("gevent4j: DatagramServer cannot receive on " + requested()
                        + ": " + e.getMessage() + "; choose another port (0 picks a free one) or stop what holds this one");
                named.initCause(e);
                throw named;
            }
            throw e;
        }
        socket = s;
        return (InetSocketAddress) s.getLocalSocketAddress();
    }

    @Override
    void closeSocket() {
        DatagramSocket s = socket;
        if (s != null) {
            s.close();
        }
    }

    @Override
    void serveLoop() throws InterruptedException {
        byte[] buffer = new byte[MAX_DATAGRAM];
        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        DatagramSocket s = socket;
        while (!stopping()) {
            packet.setLength(buffer.length);
            try {
                s.receive(packet);
            } catch (IOException e) {
                if (loopMustEnd("receive", s.isClosed(), e)) {
                    return;
                }
                // a failed receive (an ICMP error for an earlier send, say) concerns one datagram only
                hub().reportError(this + ": receive", e);
                continue;
            }
            byte[] data = Arrays.copyOfRange(buffer, packet.getOffset(), packet.getOffset() + packet.getLength());
            dispatch(new Datagram(data, (InetSocketAddress) packet.getSocketAddress()));
        }
    }

    /** One datagram and its handler. */
    private final class Datagram extends Job {
        final byte[] data;
        final InetSocketAddress peer;

        Datagram(byte[] data, InetSocketAddress peer) {
            this.data = data;
            this.peer = peer;
        }

        @Override
        void run() throws Exception {
            handler.handle(data, peer, DatagramServer.this);
        }

        @Override
        void release() {
            // a datagram holds nothing once handled: the socket is the server's
        }

        @Override
        String greenletName() {
            return "DatagramServer-handler " + peer;
        }

        @Override
        String describe() {
            return String.valueOf(peer);
        }
    }

    /**
     * The number of datagrams whose handler has not ended. Any thread.
     *
     * @return the running (or waiting) handlers
     */
    public int handlerCount() {
        return jobCount();
    }


    @Override
    public String toString() {
        return "DatagramServer[" + address() + "]";
    }
}
