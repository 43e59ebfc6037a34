package dev.apqn.api.v1alpha1;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A spec or status that exactly one of our components writes, always whole: the generated CRD marks it
 * {@code x-kubernetes-map-type: atomic} ({@code dev.apqn.api.CrdGenerator}). Server-side apply then records
 * one field for its manager instead of every leaf, and replaces the object instead of merging it leaf by leaf.
 * Why: the API server re-encodes and field-manages the whole object on every write, and a granular
 * {@code managedFields} entry of an APNodeState with a few reservations was larger than its spec (docs/bench.md).
 * Not for what users write (a reservation's spec): there several managers (kubectl, Argo CD, Helm) must be able
 * to own fields side by side.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface SingleWriter {

    /** Who writes it (documentation only), e.g. "the controller". */
    String value();
}
