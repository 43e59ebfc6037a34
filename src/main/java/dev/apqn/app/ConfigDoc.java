package dev.apqn.app;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * What a key of {@link ApqnConfig} means, for users: kept at run time because docs/operator.md's
 * configuration table is generated from it (ConfigDocGenerator, {@code make generate}; a drift test
 * compares). Markdown is allowed (backticks).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface ConfigDoc {
    String value();
}
