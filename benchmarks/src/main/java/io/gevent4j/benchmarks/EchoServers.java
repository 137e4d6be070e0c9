package io.gevent4j.benchmarks;

import io.gevent4j.Gevent;
import io.gevent4j.HubGroup;
import io.gevent4j.server.StreamServer;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * echo_server's JVM servers, each in a process of its own, listening on a free port of 127.0.0.1 and
 * echoing what every connection sends until it closes. Each prints {@code LISTENING <port>} once it
 * accepts, then serves until the process is ended (Bench ends it after {@link EchoLoad} is done).
 *
 * <p>Usage: {@code EchoServers KIND} with KIND one of {@link #KINDS}:
 * <ul>
 * <li>{@code vthreads}: a {@link ServerSocket} accept loop in a virtual thread and a virtual thread per
 *     connection (the JDK scheduler as the JVM's flags set it: default, or one carrier);
 * <li>{@code netty}: Netty 4.2 on its native epoll transport, ONE event loop for accepting and for every
 *     connection (the JVM's reference event loop), an echo handler that writes what it reads and
 *     flushes at the end of each read batch;
 * <li>{@code gevent4j}: a {@link StreamServer} on one hub (the main thread's), handlers in plain
 *     {@code java.net} socket code, as in the {@code echo} workload;
 * <li>{@code gevent4j_hubgroup}: the same {@link StreamServer} in hub-group mode over
 *     {@code HubGroup.of(2)}: its accept loop on the main thread's hub, each connection on the next
 *     hub of the group.
 * </ul>
 */
public final class EchoServers {
    static final List<String> KINDS = List.of("vthreads", "netty", "gevent4j", "gevent4j_hubgroup");
    static final int HUBS = 2;
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final int BACKLOG = 1024;

    private EchoServers() {
    }

    private static void listening(int port) {
        System.out.println("LISTENING " + port);
        System.out.flush();
    }

    static void virtualThreads() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, BACKLOG, LOOPBACK);
             ExecutorService handlers = Executors.newVirtualThreadPerTaskExecutor()) {
            Thread acceptor = EchoWorkload.serveOnVirtualThreads(listener, handlers);
            listening(listener.getLocalPort());
            acceptor.join();
        }
    }

    /** Netty's echo: write what is read, flush once per read batch (Netty's own EchoServerHandler). */
    @ChannelHandler.Sharable
    static final class NettyEcho extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            System.err.println("echo_server netty: a connection failed: " + cause);
            ctx.close();
        }
    }

    static void netty() throws Exception {
        if (!Epoll.isAvailable()) {
            throw new IllegalStateException("echo_server netty: Netty's native epoll transport does not load here"
                    + " (it needs Linux x86_64 and netty-transport-native-epoll:linux-x86_64)", Epoll.unavailabilityCause());
        }
        EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        try {
            NettyEcho echo = new NettyEcho();
            Channel server = new ServerBootstrap()
                    .group(loop) // one event loop accepts and serves every connection
                    .channel(EpollServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, BACKLOG)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(echo);
                        }
                    })
                    .bind(new InetSocketAddress(LOOPBACK, 0)).sync().channel();
            listening(((InetSocketAddress) server.localAddress()).getPort());
            server.closeFuture().sync();
        } finally {
            loop.shutdownGracefully();
        }
    }

    static void gevent4j(HubGroup group) throws Exception {
        Gevent.run(() -> {
            StreamServer server = new StreamServer(new InetSocketAddress(LOOPBACK, 0),
                    (socket, peer) -> EchoWorkload.echo(socket)).backlog(BACKLOG);
            if (group != null) {
                server.hubGroup(group);
            }
            server.start();
            listening(server.port());
            server.serveForever();
            return null;
        });
    }

    /**
     * @param args {@code KIND}
     * @throws Exception if the server cannot start
     */
    public static void main(String[] args) throws Exception {
        String kind = args.length == 1 ? args[0] : "";
        switch (kind) {
            case "vthreads" -> virtualThreads();
            case "netty" -> netty();
            case "gevent4j" -> gevent4j(null);
            case "gevent4j_hubgroup" -> {
                try (HubGroup group = HubGroup.of(HUBS)) {
                    gevent4j(group);
                }
            }
            default -> {
                System.err.println("usage: EchoServers KIND, KIND one of " + KINDS);
                System.exit(2);
            }
        }
    }
}
