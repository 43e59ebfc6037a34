package dev.apqn.plan;

import dev.apqn.ap.Matrix;

import java.util.Objects;
import java.util.UUID;

/**
 * What a reservation currently holds on the node, as recorded in {@code APNodeState.spec}: a
 * reservation with an allocation is the holder of its APQNs and wins every conflict over them.
 *
 * @param ready the agent reported the matrix in place (the guest may be using it)
 */
public record Allocation(Matrix matrix, UUID mdev, boolean ready) {

    public Allocation {
        Objects.requireNonNull(matrix, "matrix");
        Objects.requireNonNull(mdev, "mdev");
    }
}
