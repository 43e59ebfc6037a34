package dev.apqn.api.v1alpha1;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * {@code x-kubernetes-list-type} (and, for {@code map}, {@code x-kubernetes-list-map-keys}) of a
 * list field in the generated CRD schema. Fabric8's generator has no annotation for it, so the CRD
 * generator in test scope ({@code dev.apqn.api.CrdGenerator}) reads this one and post-processes the
 * schema. {@code set}: the API server rejects duplicates ("Duplicate value") and server-side apply
 * merges the list as a set; {@code map}: entries are merged by their keys.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
public @interface ListType {

    /** {@code atomic}, {@code set} or {@code map}. */
    String value();

    /** The key properties of a {@code map} list. */
    String[] keys() default {};
}
