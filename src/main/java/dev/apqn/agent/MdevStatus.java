package dev.apqn.agent;

import dev.apqn.ap.Matrix;

import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * The agent's verdict on one operator mdev after a converge: wanted (in the target) or being
 * released (owned but no longer in the target).
 *
 * @param uuid        the mdev
 * @param owner       the reservation it belongs to
 * @param wanted      true if the target lists it; false while it is being released
 * @param state       the sync state
 * @param reason      a sentence for the condition message (empty when Ready)
 * @param matrix      what the kernel has assigned now (empty if the mdev does not exist)
 * @param guestMatrix what a guest gets now (6.0+), or the matrix on legacy kernels
 */
public record MdevStatus(UUID uuid, String owner, boolean wanted, SyncState state, String reason,
                         Optional<Matrix> matrix, Optional<Matrix> guestMatrix) {

    public MdevStatus {
        Objects.requireNonNull(uuid, "uuid");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(state, "state");
        reason = reason == null ? "" : reason;
        Objects.requireNonNull(matrix, "matrix");
        Objects.requireNonNull(guestMatrix, "guestMatrix");
    }

    public boolean ready() {
        return state == SyncState.READY;
    }
}
