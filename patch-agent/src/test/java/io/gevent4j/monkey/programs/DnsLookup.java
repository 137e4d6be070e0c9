package io.gevent4j.monkey.programs;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;

import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * DNS look-ups in greenlets: {@code InetAddress.getByName("localhost")}, {@code getAllByName} and a
 * reverse look-up work; and with {@link SlowResolverProvider} installed, a slow name
 * ({@code slow.slow.test}) does not stop another greenlet from ticking. Prints {@code localhost},
 * {@code all}, {@code reverse}, {@code slow}, {@code ticksWhileResolving} and
 * {@code resolvedInGreenlet} (whether the name service ran in the calling greenlet's thread).
 */
public final class DnsLookup {
    private DnsLookup() {
    }

    /**
     * Runs the program; prints its findings as {@code key=value} lines.
     *
     * @param args see the class comment
     * @throws Exception whatever the program throws (the child's exit status then shows it)
     */
    public static void main(String[] args) throws Exception {
        Greenlet<String> plain = Gevent.spawn(() -> {
            InetAddress localhost = InetAddress.getByName("localhost");
            InetAddress[] all = InetAddress.getAllByName("localhost");
            String reverse = InetAddress.getByAddress(new byte[] {127, 0, 0, 1}).getCanonicalHostName();
            return localhost.isLoopbackAddress() + " " + all.length + " " + !reverse.isEmpty();
        });
        String[] plainResult = plain.get().split(" ");
        System.out.println("localhost=" + plainResult[0]);
        System.out.println("all=" + plainResult[1]);
        System.out.println("reverse=" + plainResult[2]);

        AtomicInteger ticks = new AtomicInteger();
        AtomicBoolean done = new AtomicBoolean();
        AtomicBoolean resolving = new AtomicBoolean();
        Greenlet<String> slow = Gevent.spawn(() -> {
            resolving.set(true);
            try {
                InetAddress address = InetAddress.getByName("slow.slow.test");
                System.out.println("resolvedInGreenlet=" + (SlowResolverProvider.lastSlowResolver == Thread.currentThread()));
                return address.getHostAddress();
            } finally {
                done.set(true);
            }
        });
        Greenlet<Void> ticker = Gevent.spawn(() -> {
            while (!done.get()) {
                Thread.sleep(10);
                if (resolving.get() && !done.get()) {
                    ticks.incrementAndGet();
                }
            }
        });
        Gevent.joinAll(List.of(slow, ticker));
        System.out.println("slow=" + slow.get());
        System.out.println("ticksWhileResolving=" + ticks.get());
    }
}
