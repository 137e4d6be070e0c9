/**
 * Servers whose connections are handled by greenlets (gevent's {@code gevent.server}):
 * {@link io.gevent4j.server.StreamServer} accepts TCP (optionally TLS) connections on a hub and runs a
 * plain blocking handler for each in its own greenlet.
 */
package io.gevent4j.server;
