package io.gevent4j.celery;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Java exceptions as Celery's exception dicts. */
class ExceptionMapperTest {

    @Test
    void javaExceptionsBecomePythonBuiltinsWhereOneFits() {
        assertEquals(Map.of("exc_type", "ValueError", "exc_message", List.of("m"), "exc_module", "builtins"),
                ExceptionMapper.toCelery(new NumberFormatException("m")));
        assertEquals("ZeroDivisionError", ExceptionMapper.toCelery(new ArithmeticException("/ by zero")).get("exc_type"));
        assertEquals("FileNotFoundError", ExceptionMapper.toCelery(new java.nio.file.NoSuchFileException("f")).get("exc_type"));
        assertEquals("OSError", ExceptionMapper.toCelery(new java.io.IOException("io")).get("exc_type"));
        assertEquals(List.of(), ExceptionMapper.toCelery(new IllegalStateException()).get("exc_message"));
        Map<String, Object> nested = ExceptionMapper.toCelery(new Nested("n"));
        assertEquals("ExceptionMapperTest.Nested", nested.get("exc_type"));
        assertEquals("io.gevent4j.celery", nested.get("exc_module"));
    }

    @Test
    void aCeleryExceptionKeepsItsPythonClass() {
        assertEquals(Map.of("exc_type", "TaskRevokedError", "exc_message", List.of("revoked"), "exc_module", "celery.exceptions"),
                ExceptionMapper.toCelery(new CeleryException("celery.exceptions", "TaskRevokedError", "revoked")));
    }

    static final class Nested extends RuntimeException {
        Nested(String m) {
            super(m);
        }
    }
}
