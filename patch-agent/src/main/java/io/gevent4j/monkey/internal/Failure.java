package io.gevent4j.monkey.internal;

/** The one-sentence failure of a patch, and how start-up ends on it. */
final class Failure {
    /** Set by {@link PatchedLaunch}: patches are switched off with GEVENT4J_OPTIONS there, not -javaagent options. */
    static volatile boolean patchedLaunch;

    private Failure() {
    }

    /**
     * The sentence for a patch that did not take: the patch, the JDK, and what to do.
     *
     * @param patch the patch
     * @param reason why, as a clause
     * @return one sentence
     */
    static String sentence(Patch patch, String reason) {
        String name = patch.name();
        String without = !patch.byDefault() ? "without the " + name + " option"
                : patchedLaunch ? "with GEVENT4J_OPTIONS=no" + name + " (./gevent4j)"
                : "with -javaagent:gevent4j-agent.jar=no" + name + " (or Monkey.patchAll(\"no" + name + "\"))";
        return "gevent4j: the " + patch.description() + " patch did not take on JDK " + Runtime.version() + " ("
                + System.getProperty("java.vendor") + ", " + System.getProperty("java.home") + ") because " + reason
                + "; start the program " + without + " to run without that patch, or run it on a JDK 25 that gevent4j"
                + " supports (e.g. Temurin 25).";
    }

    /**
     * Ends the JVM during start-up (premain, or the loading of the main class) with the sentence on
     * stderr and exit status 1, before the program's main runs.
     *
     * @param sentence what went wrong and what to do
     */
    static void exitAtStartup(String sentence) {
        System.err.println(sentence);
        System.err.flush();
        Runtime.getRuntime().exit(1);
    }
}
