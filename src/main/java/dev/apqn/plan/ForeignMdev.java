package dev.apqn.plan;

import dev.apqn.ap.Matrix;

import java.util.Objects;
import java.util.UUID;

/** An mdev on the node that the operator did not make: its APQNs are occupied and never touched. */
public record ForeignMdev(UUID uuid, Matrix matrix) {

    public ForeignMdev {
        Objects.requireNonNull(uuid, "uuid");
        Objects.requireNonNull(matrix, "matrix");
    }
}
