/**
 * The hub's agent-facing interface: the only hub surface the patch agent ({@code io.gevent4j.monkey})
 * uses besides the public API. Everything the agent's patched JDK methods need from a hub that is not
 * a gevent concept goes through {@link io.gevent4j.spi.AgentSupport}: routing a greenlet's socket
 * readiness waits to its hub's own epoll, finishing the waits of a greenlet pinned to its carrier, and
 * the modules that need {@code java.base} opened to them.
 *
 * <p>Not for application code: it changes with the agent, which ships in the same jar. The layering
 * test (architecture-test) fails the build if the agent imports any other non-public hub type.
 */
package io.gevent4j.spi;
