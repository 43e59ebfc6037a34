package dev.apqn.api.v1alpha1;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Schema constraints on the items of a list of strings or integers in the generated CRD, which
 * Fabric8's annotations can only put on the list itself. Read by the CRD generator in test scope.
 * Bounds on items also keep the API server's CEL cost estimates low.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
public @interface ItemFormat {

    /** {@code pattern} of string items; empty for none. */
    String pattern() default "";

    /** {@code maxLength} of string items; negative for none. */
    long maxLength() default -1;

    /** {@code minimum} of integer items; {@link Long#MIN_VALUE} for none. */
    long minimum() default Long.MIN_VALUE;

    /** {@code maximum} of integer items; {@link Long#MAX_VALUE} for none. */
    long maximum() default Long.MAX_VALUE;
}
