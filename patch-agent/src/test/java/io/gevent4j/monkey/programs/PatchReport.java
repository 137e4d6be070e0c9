package io.gevent4j.monkey.programs;

import io.gevent4j.monkey.Monkey;
import io.gevent4j.monkey.MonkeyPatchException;

/**
 * Prints what {@code Monkey} reports: {@code patched} (the installed patches), one
 * {@code isPatched.<name>} line per patch, {@code mainIsVirtual} and {@code httpServerOpen} (whether
 * {@code jdk.httpserver/sun.net.httpserver} is open to the program). With the argument
 * {@code patchAll} it first calls {@code Monkey.patchAll()} twice, printing {@code before} (the
 * patches before the first call), {@code patchAll} ({@code returned}, or the exception's message) and
 * {@code second} (the patches after the second call).
 */
public final class PatchReport {
    private PatchReport() {
    }

    /**
     * Runs the program; prints its findings as {@code key=value} lines.
     *
     * @param args see the class comment
     * @throws Exception whatever the program throws (the child's exit status then shows it)
     */
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("patchAll")) {
            System.out.println("before=" + String.join(",", Monkey.patchedNames()));
            try {
                Monkey.patchAll();
                System.out.println("patchAll=returned");
                String first = String.join(",", Monkey.patchedNames());
                Monkey.patchAll();
                System.out.println("second=" + (first.equals(String.join(",", Monkey.patchedNames())) ? "unchanged" : "changed"));
            } catch (MonkeyPatchException e) {
                System.out.println("patchAll=" + e.getMessage());
            }
            long t0 = System.nanoTime();
            Thread.sleep(1); // whatever got installed must leave a plain thread's sleep alone
            System.out.println("plainSleepMs=" + (System.nanoTime() - t0) / 1_000_000);
        }
        System.out.println("patched=" + String.join(",", Monkey.patchedNames()));
        for (String name : Monkey.PATCH_NAMES) {
            System.out.println("isPatched." + name + "=" + Monkey.isPatched(name));
        }
        System.out.println("mainIsVirtual=" + Thread.currentThread().isVirtual());
        // GeventHttpServer's one JDK server per hub needs the JDK HTTP server's package open to the program
        System.out.println("httpServerOpen=" + com.sun.net.httpserver.HttpServer.class.getModule()
                .isOpen("sun.net.httpserver", PatchReport.class.getModule()));
        System.out.println("main-ran");
    }
}
