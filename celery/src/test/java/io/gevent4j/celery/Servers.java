package io.gevent4j.celery;

import io.gevent4j.celery.internal.RedisUrl;
import io.gevent4j.celery.internal.Resp;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The real servers of the tests: a redis-server on a free loopback port, Python Celery (Debian's
 * /usr/bin/python3 with python3-celery), and gevent4j worker processes. Missing software fails the
 * test with the command that installs it.
 */
final class Servers {
    static final String INSTALL = "run 'apt-get install -y redis-server python3-celery celery python3-redis' (.ci/run does)";
    static final String PYTHON = "/usr/bin/python3";

    private Servers() {
    }

    /** A redis-server of the test's own. */
    static final class Redis implements AutoCloseable {
        final int port;
        final Process process;
        final Path dir;

        Redis() throws Exception {
            this(freePort());
        }

        Redis(int port) throws Exception {
            String binary = findOnPath("redis-server");
            if (binary == null) {
                throw new AssertionError("redis-server is not installed: " + INSTALL);
            }
            dir = Files.createTempDirectory("celery-redis-");
            this.port = port;
            process = new ProcessBuilder(binary, "--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "",
                    "--appendonly", "no", "--dir", dir.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
            waitFor(Duration.ofSeconds(20), "redis-server on port " + port + " to answer", this::answers);
        }

        String url() {
            return "redis://127.0.0.1:" + port + "/0";
        }

        private boolean answers() {
            try (Resp r = Resp.connect(RedisUrl.parse(url()))) {
                return r.call("PING") != null;
            } catch (IOException e) {
                return false;
            }
        }

        Object call(Object... command) throws IOException {
            try (Resp r = Resp.connect(RedisUrl.parse(url()))) {
                return r.call(command);
            }
        }

        @Override
        public void close() throws Exception {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static String findOnPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            File f = new File(dir, name);
            if (f.canExecute()) {
                return f.getPath();
            }
        }
        for (String dir : List.of("/usr/bin", "/usr/sbin", "/usr/local/bin")) {
            File f = new File(dir, name);
            if (f.canExecute()) {
                return f.getPath();
            }
        }
        return null;
    }

    static void waitFor(Duration timeout, String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    /** A condition that may fail with an exception (a Redis call): a failure counts as not yet. */
    @FunctionalInterface
    interface Check {
        boolean test() throws Exception;
    }

    static void waitUntil(Duration timeout, String what, Check check) throws InterruptedException {
        waitFor(timeout, what, () -> {
            try {
                return check.test();
            } catch (Exception e) {
                return false;
            }
        });
    }

    /** The directory of the Python helper scripts (src/test/resources/celery_py). */
    static Path pythonDir() {
        try {
            return Path.of(Servers.class.getResource("/celery_py/pyapp.py").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static void checkPythonCelery() throws Exception {
        if (!new File(PYTHON).canExecute()) {
            throw new AssertionError(PYTHON + " is missing: " + INSTALL);
        }
        Process p = new ProcessBuilder(PYTHON, "-c", "import celery, redis").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new AssertionError("Python Celery is not importable by " + PYTHON + " (" + out.trim() + "): " + INSTALL);
        }
    }

    /** Runs a Python script of celery_py and returns its stdout; fails with its output if it fails. */
    static String python(String broker, Duration timeout, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(PYTHON);
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(pythonDir().toFile());
        pb.environment().put("CELERY_BROKER", broker);
        Path err = Files.createTempFile("celery-py-", ".err");
        pb.redirectError(err.toFile());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("python " + String.join(" ", args) + " did not finish in " + timeout + "; stderr:\n" + Files.readString(err));
        }
        if (p.exitValue() != 0) {
            throw new AssertionError("python " + String.join(" ", args) + " exited " + p.exitValue() + "; stdout:\n" + out
                    + "\nstderr:\n" + Files.readString(err));
        }
        Files.deleteIfExists(err);
        return out;
    }

    /** A Python `celery worker` on the test's Redis. */
    static Process pythonWorker(String broker, String pool, String queue, String name, Path log) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(PYTHON, "-m", "celery", "-A", "pyapp", "worker", "-P", pool, "-c",
                pool.equals("solo") ? "1" : "20", "-Q", queue, "-n", name, "--without-mingle", "--without-gossip",
                "-l", "INFO").directory(pythonDir().toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("CELERY_BROKER", broker);
        return pb.start();
    }

    /** A gevent4j worker in a JVM of its own (the test class path, so it has TestTasks). */
    static Process javaWorker(String broker, Path log, String... options) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--add-opens");
        command.add("java.base/java.lang=ALL-UNNAMED");
        command.add("--add-opens");
        command.add("java.base/sun.nio.ch=ALL-UNNAMED");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("io.gevent4j.celery.CeleryCli");
        command.add("worker");
        command.add("--broker");
        command.add(broker);
        command.addAll(List.of(options));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("CELERY_TEST_REDIS", broker);
        return pb.start();
    }

    static void stop(Process p) throws InterruptedException {
        if (p != null && p.isAlive()) {
            p.destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
            }
        }
    }

    static Map<String, Object> json(String line) throws Exception {
        return io.gevent4j.celery.internal.Json.parseObject(line.strip().lines().reduce((a, b) -> b).orElse("{}"));
    }
}
