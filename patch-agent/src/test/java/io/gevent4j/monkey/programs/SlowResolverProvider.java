package io.gevent4j.monkey.programs;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.spi.InetAddressResolver;
import java.net.spi.InetAddressResolverProvider;
import java.util.stream.Stream;

/**
 * A name service for the DNS test: names ending in {@code .slow.test} resolve to 127.0.0.1 after
 * holding the calling thread for 400 ms without parking (as a native {@code getaddrinfo} does, so a
 * greenlet calling it without the agent really stalls its hub); every other name goes to the JDK's
 * resolver. It records the last thread that resolved a slow name. Installed only in the child JVMs of
 * that test, through a {@code META-INF/services} file the test writes.
 */
public final class SlowResolverProvider extends InetAddressResolverProvider {
    /** The last thread that resolved a {@code .slow.test} name. */
    public static volatile Thread lastSlowResolver;

    /** Creates the provider (the JDK's ServiceLoader calls this). */
    public SlowResolverProvider() {
    }

    @Override
    public InetAddressResolver get(Configuration configuration) {
        InetAddressResolver builtin = configuration.builtinResolver();
        return new InetAddressResolver() {
            @Override
            public Stream<InetAddress> lookupByName(String host, LookupPolicy policy) throws UnknownHostException {
                if (!host.endsWith(".slow.test")) {
                    return builtin.lookupByName(host, policy);
                }
                lastSlowResolver = Thread.currentThread();
                long until = System.nanoTime() + 400_000_000L;
                while (System.nanoTime() < until) {
                    Thread.onSpinWait();
                }
                return Stream.of(InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1}));
            }

            @Override
            public String lookupByAddress(byte[] addr) throws UnknownHostException {
                return builtin.lookupByAddress(addr);
            }
        };
    }

    @Override
    public String name() {
        return "gevent4j-test-slow-resolver";
    }
}
