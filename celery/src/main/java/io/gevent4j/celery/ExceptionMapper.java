package io.gevent4j.celery;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Java exceptions as Celery's JSON exception dicts ({@code backends/base.py} {@code prepare_exception}):
 * {@code {"exc_type", "exc_message": [args], "exc_module"}}. Where a Python built-in fits, the Java
 * exception becomes it (module {@code builtins}), so a Python client re-raises the real class;
 * otherwise the type is the Java simple name and the module its package. It lives beside
 * {@link CeleryException} (whose Python class it writes) rather than in {@code internal}, which
 * never depends back on the public package.
 */
final class ExceptionMapper {
    /** Most specific first: the first match wins. */
    private static final List<Map.Entry<Class<?>, String>> BUILTINS = List.of(
            Map.entry(NumberFormatException.class, "ValueError"),
            Map.entry(IllegalArgumentException.class, "ValueError"),
            Map.entry(ArithmeticException.class, "ZeroDivisionError"),
            Map.entry(IndexOutOfBoundsException.class, "IndexError"),
            Map.entry(java.util.NoSuchElementException.class, "KeyError"),
            Map.entry(ClassCastException.class, "TypeError"),
            Map.entry(NullPointerException.class, "TypeError"),
            Map.entry(UnsupportedOperationException.class, "NotImplementedError"),
            Map.entry(IllegalStateException.class, "RuntimeError"),
            Map.entry(java.io.FileNotFoundException.class, "FileNotFoundError"),
            Map.entry(java.nio.file.NoSuchFileException.class, "FileNotFoundError"),
            Map.entry(java.nio.file.FileAlreadyExistsException.class, "FileExistsError"),
            Map.entry(java.nio.file.AccessDeniedException.class, "PermissionError"),
            Map.entry(java.net.ConnectException.class, "ConnectionRefusedError"),
            Map.entry(java.net.SocketTimeoutException.class, "TimeoutError"),
            Map.entry(java.util.concurrent.TimeoutException.class, "TimeoutError"),
            Map.entry(java.io.UncheckedIOException.class, "OSError"),
            Map.entry(java.io.IOException.class, "OSError"),
            Map.entry(OutOfMemoryError.class, "MemoryError"),
            Map.entry(StackOverflowError.class, "RecursionError"),
            Map.entry(AssertionError.class, "AssertionError"));

    private ExceptionMapper() {
    }

    /** An exception as Celery's exception dict. */
    static Map<String, Object> toCelery(Throwable error) {
        if (error instanceof CeleryException celery) {
            List<Object> args = new ArrayList<>();
            if (celery.getMessage() != null) {
                args.add(celery.getMessage());
            }
            return dict(celery.pythonType(), celery.pythonModule(), args);
        }
        String message = error.getMessage();
        List<Object> args = new ArrayList<>();
        if (message != null) {
            args.add(message);
        }
        for (Map.Entry<Class<?>, String> entry : BUILTINS) {
            if (entry.getKey().isInstance(error)) {
                return dict(entry.getValue(), "builtins", args);
            }
        }
        Class<?> type = error.getClass();
        String pkg = type.getPackageName();
        String name = type.getName().substring(pkg.isEmpty() ? 0 : pkg.length() + 1).replace('$', '.');
        return dict(name, pkg.isEmpty() ? "java" : pkg, args);
    }

    private static Map<String, Object> dict(String type, String module, List<Object> args) {
        Map<String, Object> dict = new LinkedHashMap<>();
        dict.put("exc_type", type);
        dict.put("exc_message", args);
        dict.put("exc_module", module);
        return dict;
    }

    /** The stack trace as text, for the meta's {@code traceback}. */
    static String traceback(Throwable error) {
        StringWriter text = new StringWriter();
        error.printStackTrace(new PrintWriter(text));
        return text.toString();
    }
}
