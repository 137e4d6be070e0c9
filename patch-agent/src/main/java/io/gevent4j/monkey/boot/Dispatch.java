package io.gevent4j.monkey.boot;

/**
 * Where the agent's inlined advice finds the installed {@link Hooks}: advice reads {@link #hooks()} and
 * calls the hook itself, so a patched JDK method reaches the agent's code in one call. This class is
 * defined in the bootstrap class loader at install, so that advice inlined into JDK classes can see it.
 * Before the agent installs its hooks (and after a failed self-test) {@link #hooks()} is {@code null}
 * and the patched JDK methods run unchanged.
 *
 * <p>This class, {@link Hooks} and {@link Offloaded} must not reference any class outside the JDK, and
 * must have no nested classes: the agent defines exactly these three classes in the bootstrap loader.
 */
public final class Dispatch {
    private static volatile Hooks hooks;
    private static volatile String installed;

    private Dispatch() {
    }

    /**
     * Sets the hooks every patched method forwards to; {@code null} makes every patched method run
     * its original body again.
     *
     * @param newHooks the agent's hooks, or {@code null}
     */
    public static void setHooks(Hooks newHooks) {
        hooks = newHooks;
    }

    /**
     * Records that the agent is installed, with the names of its patches: the one JVM-wide flag
     * that makes a second install a no-op, whichever class loader the second copy comes from.
     *
     * @param patchNames the installed patches, comma-separated
     */
    public static void setInstalled(String patchNames) {
        installed = patchNames;
    }

    /** {@return the patch names given to {@link #setInstalled}, or {@code null} before an install} */
    public static String installed() {
        return installed;
    }

    /** {@return the installed hooks, or {@code null} (then the patched method runs its own body)} */
    public static Hooks hooks() {
        return hooks;
    }

}
