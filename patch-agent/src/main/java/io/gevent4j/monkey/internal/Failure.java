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
     * @param patch the patch name
     * @param reason why, as a clause
     * @return one sentence
     */
    static String sentence(String patch, String reason) {
        String without = Options.THREADS.equals(patch) ? "without the threads option"
                : patchedLaunch ? "with GEVENT4J_OPTIONS=no" + patch + " (./gevent4j) or -D" + PatchedLaunch.OPTIONS_PROPERTY
                        + "=no" + patch
                : "with -javaagent:gevent4j-agent.jar=no" + patch + " (or Monkey.patchAll(\"no" + patch + "\"))";
        return "gevent4j: the " + Options.describe(patch) + " patch did not take on JDK " + Runtime.version() + " ("
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
