package dev.apqn.plan;

import dev.apqn.ap.Matrix;

import java.util.Objects;
import java.util.UUID;

/**
 * One operator-owned mediated device as it must be on the node.
 *
 * @param uuid   the mdev UUID (from the reservation, or derived stably from it)
 * @param owner  {@code namespace/name} of the reservation
 * @param matrix adapters × usage domains, plus control domains
 */
public record MdevTarget(UUID uuid, String owner, Matrix matrix) {

    public MdevTarget {
        Objects.requireNonNull(uuid, "uuid");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(matrix, "matrix");
    }
}
