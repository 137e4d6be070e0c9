package io.gevent4j.monitor.internal;

import io.gevent4j.internal.loop.Loop;
import io.gevent4j.internal.loop.LoopListener;
import io.gevent4j.monitor.BlockingDetector;
import io.gevent4j.monitor.RunInfoDump;

/**
 * Starts the monitors named by system properties ({@code -Dgevent4j.maxBlockingTime},
 * {@code -Dgevent4j.dumpOnSignal}) when the first loop is created: the hook through which monitors
 * start, instead of the hub's constructor knowing them. Listed in
 * {@code META-INF/services/io.gevent4j.internal.loop.LoopListener}. Each property is read once; a
 * malformed one fails the first {@code Hub.current()} with a message naming it, and only that one.
 */
public final class StartMonitors implements LoopListener {
    /** Made by {@link java.util.ServiceLoader}. */
    public StartMonitors() {
    }

    @Override
    public void loopCreated(Loop loop) {
        try {
            BlockingDetector.startFromSystemProperty();
        } finally {
            RunInfoDump.installFromSystemProperty();
        }
    }
}
