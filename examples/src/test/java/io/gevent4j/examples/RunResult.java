package io.gevent4j.examples;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;

/** The exit code and output of a tool run in-process, plus small helpers shared by the tests. */
record RunResult(int code, String out, String err) {
    @FunctionalInterface
    interface Tool {
        int execute(PrintStream out, PrintStream err, String... args);
    }

    static RunResult run(Tool tool, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = tool.execute(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), args);
        RunResult r = new RunResult(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        // visible in target/surefire-reports/*-output.txt when a test fails
        System.out.println("exit " + code + "\n--- stdout\n" + r.out + "--- stderr\n" + r.err);
        return r;
    }

    String all() {
        return out + err;
    }

    static byte[] bytes(int seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    static String sha256(Path file) throws java.io.IOException {
        return sha256(Files.readAllBytes(file));
    }
}
