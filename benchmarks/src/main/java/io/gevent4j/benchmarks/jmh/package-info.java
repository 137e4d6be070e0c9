/**
 * JMH micro-benchmarks of gevent4j's building blocks: the raw greenlet switch, {@code sleep(0)}, spawn
 * and join, hub timers, a queue round trip and a cross-thread wake-up of an idle hub. Built into
 * {@code benchmarks/target/benchmarks.jar}; run with {@code ./gevent4j bench jmh [jmh-args]}. Every
 * benchmark runs single-threaded ({@code -t 1}, the default): a hub and its greenlets belong to the
 * thread that created them. See {@code docs/benchmarks.md}.
 */
package io.gevent4j.benchmarks.jmh;
