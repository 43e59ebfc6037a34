package dev.apqn.controller;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.processing.event.source.informer.TransformingItemStore;

/**
 * An informer cache that drops {@code metadata.managedFields} from what it keeps (controller-runtime's
 * default transform does the same). Every object we and the agents server-side apply carries an
 * entry per field manager listing every field it owns, often larger than the object itself; the
 * controller never reads it (its writes build fresh objects), so keeping it would only cost heap,
 * roughly half of a reservation's cached size.
 */
public class WithoutManagedFields<R extends HasMetadata> extends TransformingItemStore<R> {

    public WithoutManagedFields() {
        super(r -> {
            r.getMetadata().setManagedFields(null);
            return r;
        });
    }
}
