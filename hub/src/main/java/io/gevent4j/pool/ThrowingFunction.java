package io.gevent4j.pool;

/**
 * The function of {@link Group#map}, {@link Group#imap} and {@link Group#imapUnordered}: a
 * {@link java.util.function.Function} that may throw, called once per item in its own greenlet.
 *
 * @param <A> the item type
 * @param <R> the result type
 */
@FunctionalInterface
public interface ThrowingFunction<A, R> {
    /**
     * Computes the result for one item.
     *
     * @param item the item
     * @return the result, which may be {@code null}
     * @throws Exception anything; it fails this item's greenlet and is raised to the caller of map
     */
    R apply(A item) throws Exception;
}
