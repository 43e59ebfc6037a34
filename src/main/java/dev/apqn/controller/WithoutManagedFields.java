package dev.apqn.controller;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.processing.event.source.informer.TransformingItemStore;

/**
 * An informer cache that drops {@code metadata.managedFields} from what it keeps (controller-runtime's
 * default transform does the same). The controller never reads it (its writes build fresh objects),
 * so keeping it would only cost heap: before our specs and statuses became atomic
 * ({@link dev.apqn.api.v1alpha1.SingleWriter}) it was roughly half of a reservation's cached size,
 * and it is still a fifth.
 */
public class WithoutManagedFields<R extends HasMetadata> extends TransformingItemStore<R> {

    public WithoutManagedFields() {
        super(r -> {
            r.getMetadata().setManagedFields(null);
            return r;
        });
    }
}
