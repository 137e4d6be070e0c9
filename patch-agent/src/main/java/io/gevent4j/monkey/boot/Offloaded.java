package io.gevent4j.monkey.boot;

/**
 * What {@link Hooks#offload} returns for a call that ran on the hub's thread pool: the method's result
 * ({@code null} for a void method or a {@code null} result). The offload advice returns it from its enter
 * advice, which skips the method's body, and its exit advice makes {@link #value} the method's return
 * value. Defined in the bootstrap class loader with {@link Hooks} and {@link Dispatch}.
 *
 * @param value the result of the call
 */
public record Offloaded(Object value) {
}
