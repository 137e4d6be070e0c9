package io.gevent4j.benchmarks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Paired runs of {@code echo} (one hub) and {@code echo_hubgroup} (a {@link io.gevent4j.HubGroup}) in
 * one JVM, for the "all cores" target: the ratio echo_hubgroup / echo in each pair, and their
 * median. Pairs alternate which of the two runs first, so a slow spell of a shared machine does not
 * always fall on the same side.
 *
 * <p>Usage: {@code EchoScaling [pairs [hubs [conns [msgs [size]]]]]}, defaults 7 2 200 500 64 (echo's
 * parameters from workloads.py). Prints each {@code METRIC} line, one {@code PAIR} line per pair, and
 * {@code METRIC echo_hubgroup_ratio <median> x_of_echo}.
 */
public final class EchoScaling {
    private EchoScaling() {
    }

    /**
     * Runs the warm-up, then the pairs, and prints the figures.
     *
     * @param args {@code [pairs [hubs [conns [msgs [size]]]]]}
     * @throws Exception if a run fails
     */
    public static void main(String[] args) throws Exception {
        int pairs = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        int hubs = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int conns = args.length > 2 ? Integer.parseInt(args[2]) : 200;
        int msgs = args.length > 3 ? Integer.parseInt(args[3]) : 500;
        int size = args.length > 4 ? Integer.parseInt(args[4]) : 64;
        // warm-up, not reported
        EchoWorkload.run(conns, msgs, size);
        EchoWorkload.runHubGroup(conns, msgs, size, hubs);
        List<Double> ratios = new ArrayList<>(pairs);
        for (int i = 0; i < pairs; i++) {
            Workloads.Metric one;
            Workloads.Metric group;
            if (i % 2 == 0) {
                one = EchoWorkload.run(conns, msgs, size);
                group = EchoWorkload.runHubGroup(conns, msgs, size, hubs);
            } else {
                group = EchoWorkload.runHubGroup(conns, msgs, size, hubs);
                one = EchoWorkload.run(conns, msgs, size);
            }
            double ratio = group.value() / one.value();
            ratios.add(ratio);
            System.out.println(one);
            System.out.println(group);
            System.out.printf(Locale.ROOT, "PAIR %d echo %.1f echo_hubgroup %.1f ratio %.2f%n",
                    i + 1, one.value(), group.value(), ratio);
        }
        Collections.sort(ratios);
        int n = ratios.size();
        double median = n % 2 == 1 ? ratios.get(n / 2) : (ratios.get(n / 2 - 1) + ratios.get(n / 2)) / 2;
        System.out.println(new Workloads.Metric("echo_hubgroup_ratio", median, "x_of_echo"));
        System.out.printf(Locale.ROOT, "# median ratio %.2f over %d pairs, %d hubs, %d clients x %d msgs x %d bytes;"
                + " ratios sorted %s%n", median, n, hubs, conns, msgs, size,
                ratios.stream().map(r -> String.format(Locale.ROOT, "%.2f", r)).toList());
    }
}
