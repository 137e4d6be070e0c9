package io.gevent4j.celery.internal;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One connection to Redis speaking RESP2 over a plain blocking {@link Socket}. Inside a greenlet the
 * socket cooperates (a greenlet is a virtual thread), so a blocked read parks only that greenlet.
 * Not thread-safe: one user at a time (see {@link RedisPool}); pub/sub and BRPOP take a connection of
 * their own.
 * <p>
 * Replies: simple strings and bulk strings are {@code byte[]} (null for a nil bulk), integers
 * {@code Long}, arrays {@code List<Object>} (null for a nil array), errors a {@link RedisError} value
 * inside a pipeline's reply list and thrown by {@link #call}.
 */
public final class Resp implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final String where;

    private Resp(Socket socket, String where) throws IOException {
        this.socket = socket;
        this.where = where;
        this.in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        this.out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
    }

    /** An error reply from Redis (a {@code -ERR ...} line). */
    public static final class RedisError extends IOException {
        public RedisError(String message) {
            super(message);
        }
    }

    /**
     * Connects, authenticates and selects the database of {@code url}.
     *
     * @param url where Redis is
     * @return an open connection
     * @throws IOException if Redis cannot be reached or refuses the login
     */
    public static Resp connect(RedisUrl url) throws IOException {
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.setKeepAlive(true);
            socket.connect(new InetSocketAddress(url.host(), url.port()), 10_000);
            Resp resp = new Resp(socket, url.display());
            if (url.password() != null) {
                if (url.user() != null) {
                    resp.call("AUTH", url.user(), url.password());
                } else {
                    resp.call("AUTH", url.password());
                }
            }
            if (url.db() != 0) {
                resp.call("SELECT", Integer.toString(url.db()));
            }
            return resp;
        } catch (IOException e) {
            socket.close();
            throw new IOException("cannot connect to Redis at " + url.display() + ": " + e.getMessage()
                    + " (is redis-server running? start it with 'redis-server --port " + url.port() + "')", e);
        }
    }

    /** Where this connection goes, for messages. */
    public String where() {
        return where;
    }

    /**
     * Sends one command and reads its reply.
     *
     * @param args the command and its arguments ({@code String} or {@code byte[]})
     * @return the reply
     * @throws IOException on a broken connection or an error reply
     */
    public Object call(Object... args) throws IOException {
        write(args);
        out.flush();
        Object reply = read();
        if (reply instanceof RedisError e) {
            throw new RedisError(e.getMessage() + " (command " + args[0] + " on " + where + ")");
        }
        return reply;
    }

    /**
     * Sends several commands in one write and reads all their replies (error replies stay in the list).
     *
     * @param commands the commands
     * @return one reply per command
     * @throws IOException on a broken connection
     */
    public List<Object> pipeline(List<Object[]> commands) throws IOException {
        for (Object[] command : commands) {
            write(command);
        }
        out.flush();
        List<Object> replies = new ArrayList<>(commands.size());
        for (int i = 0; i < commands.size(); i++) {
            replies.add(read());
        }
        return replies;
    }

    /**
     * Sends a command without reading its reply (pub/sub: the replies come back as pushed messages).
     *
     * @param args the command
     * @throws IOException on a broken connection
     */
    public void send(Object... args) throws IOException {
        write(args);
        out.flush();
    }

    /**
     * Reads the next reply or pushed message.
     *
     * @return the reply
     * @throws IOException on a broken connection
     */
    public Object read() throws IOException {
        int type = in.read();
        if (type < 0) {
            throw new EOFException("Redis at " + where + " closed the connection");
        }
        switch (type) {
            case '+':
                return readLine();
            case '-':
                return new RedisError(new String(readLine(), StandardCharsets.UTF_8));
            case ':':
                return Long.parseLong(new String(readLine(), StandardCharsets.US_ASCII));
            case '$': {
                int length = Integer.parseInt(new String(readLine(), StandardCharsets.US_ASCII));
                if (length < 0) {
                    return null;
                }
                byte[] data = in.readNBytes(length);
                if (data.length < length || in.read() != '\r' || in.read() != '\n') {
                    throw new EOFException("Redis at " + where + " closed the connection in a reply");
                }
                return data;
            }
            case '*': {
                int count = Integer.parseInt(new String(readLine(), StandardCharsets.US_ASCII));
                if (count < 0) {
                    return null;
                }
                List<Object> items = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    items.add(read());
                }
                return items;
            }
            default:
                throw new IOException("Redis at " + where + " sent a reply of unknown type '" + (char) type
                        + "': is that port really a Redis server?");
        }
    }

    private byte[] readLine() throws IOException {
        java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream(32);
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("Redis at " + where + " closed the connection in a reply");
            }
            if (b == '\r') {
                if (in.read() != '\n') {
                    throw new IOException("Redis at " + where + " sent a malformed line");
                }
                return line.toByteArray();
            }
            line.write(b);
        }
    }

    private void write(Object[] args) throws IOException {
        out.write('*');
        out.write(Integer.toString(args.length).getBytes(StandardCharsets.US_ASCII));
        out.write('\r');
        out.write('\n');
        for (Object arg : args) {
            byte[] data = arg instanceof byte[] b ? b : String.valueOf(arg).getBytes(StandardCharsets.UTF_8);
            out.write('$');
            out.write(Integer.toString(data.length).getBytes(StandardCharsets.US_ASCII));
            out.write('\r');
            out.write('\n');
            out.write(data);
            out.write('\r');
            out.write('\n');
        }
    }

    /** Decodes a bulk reply as UTF-8 (null stays null). */
    public static String str(Object reply) {
        if (reply == null) {
            return null;
        }
        if (reply instanceof byte[] b) {
            return new String(b, StandardCharsets.UTF_8);
        }
        return reply.toString();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // closing a socket that is already broken: nothing left to release
            System.getLogger("io.gevent4j.celery").log(System.Logger.Level.DEBUG, "closing " + where, e);
        }
    }
}
