package io.gevent4j.celery.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.List;
import java.util.Map;

/** The one Jackson mapper of the module, and conversions between JSON text and plain Java values. */
public final class Json {
    private static final ObjectMapper PLAIN = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private Json() {
    }

    /** Parses any JSON value into plain Java values (ints as Integer/Long/BigInteger). */
    public static Object parse(String text) throws JsonProcessingException {
        return PLAIN.readValue(text, Object.class);
    }

    /** Parses a JSON object. */
    public static Map<String, Object> parseObject(String text) throws JsonProcessingException {
        return PLAIN.readValue(text, new TypeReference<Map<String, Object>>() { });
    }

    /** Serializes a value (POJOs and records through Jackson). */
    public static String write(Object value) {
        try {
            return PLAIN.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot serialize " + value.getClass().getName()
                    + " to JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Converts a plain JSON value to {@code type} (Jackson's convertValue). */
    public static <T> T convert(Object value, Class<T> type) {
        return PLAIN.convertValue(value, type);
    }

    /** Converts any object (a record, a POJO) to plain JSON values. */
    public static Object toPlain(Object value) {
        if (value == null || value instanceof String || value instanceof Number || value instanceof Boolean) {
            return value;
        }
        return PLAIN.convertValue(value, Object.class);
    }

    /** A JSON array as a list, or an error naming what it was. */
    @SuppressWarnings("unchecked")
    public static List<Object> list(Object value, String what) {
        if (value instanceof List<?> l) {
            return (List<Object>) l;
        }
        throw new IllegalArgumentException(what + " must be a JSON array, got " + describe(value));
    }

    /** A JSON object as a map, or an error naming what it was. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> map(Object value, String what) {
        if (value instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        throw new IllegalArgumentException(what + " must be a JSON object, got " + describe(value));
    }

    /** A short description of a JSON value's type. */
    public static String describe(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof String) {
            return "a string";
        }
        if (value instanceof Number) {
            return "a number";
        }
        if (value instanceof Boolean) {
            return "a boolean";
        }
        if (value instanceof List) {
            return "an array";
        }
        if (value instanceof Map) {
            return "an object";
        }
        return value.getClass().getSimpleName();
    }
}
