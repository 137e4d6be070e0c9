package io.gevent4j.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Exempts a test method or class from {@link GeventLeakCheck}: what it leaves behind is still cleaned up,
 * but the test does not fail. Say why in {@link #value()}.
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface AllowLeaks {
    /** {@return why this test may leave greenlets, timers or servers behind} */
    String value();
}
