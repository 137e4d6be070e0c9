package io.gevent4j.monkey.internal;

/**
 * The agent could not be installed, or a patch did not take: the message is the one sentence the user
 * sees (the patch, the JDK, what to do). {@code Monkey.patchAll} rethrows it as the public
 * {@code MonkeyPatchException}; at start-up {@link Agent} prints it and ends the JVM. (The internal
 * package throws its own type so that it does not depend back on the public one.)
 */
final class PatchFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    PatchFailure(String sentence) {
        super(sentence);
    }

    PatchFailure(String sentence, Throwable cause) {
        super(sentence, cause);
    }
}
