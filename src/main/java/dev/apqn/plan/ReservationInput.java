package dev.apqn.plan;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * One reservation bound to the node, as the controller sees it.
 *
 * @param key           {@code namespace/name}
 * @param created       creationTimestamp: the older wins a conflict between non-holders
 * @param current       what it holds now per {@code APNodeState.spec}; present = holder
 * @param request       what it asks for
 * @param releasePolicy what happens to its APQNs when it is deleted
 * @param deleting      deletionTimestamp set: excluded from the plan
 * @param approval      whether its plan waits for {@code approvedHash}
 * @param approvedHash  the plan hash a user approved, if any
 * @param mdevUuid      the mdev UUID the spec names, if any (else the current one, else derived)
 */
public record ReservationInput(String key, Instant created, Optional<Allocation> current, ReservationRequest request,
                               ReleasePolicy releasePolicy, boolean deleting, ApprovalMode approval,
                               Optional<String> approvedHash, Optional<UUID> mdevUuid) {

    public ReservationInput {
        Objects.requireNonNull(key, "key");
        if (key.indexOf('/') <= 0 || key.indexOf('/') == key.length() - 1) {
            throw new IllegalArgumentException("reservation key \"" + key + "\" must be namespace/name");
        }
        Objects.requireNonNull(created, "created");
        Objects.requireNonNull(current, "current");
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(releasePolicy, "releasePolicy");
        Objects.requireNonNull(approval, "approval");
        Objects.requireNonNull(approvedHash, "approvedHash");
        Objects.requireNonNull(mdevUuid, "mdevUuid");
    }

    /** An automatic, ReturnToHost, non-deleting reservation without allocation. */
    public static ReservationInput of(String key, Instant created, ReservationRequest request) {
        return new ReservationInput(key, created, Optional.empty(), request, ReleasePolicy.RETURN_TO_HOST, false,
                ApprovalMode.AUTOMATIC, Optional.empty(), Optional.empty());
    }

    public String namespace() {
        return key.substring(0, key.indexOf('/'));
    }

    public boolean holder() {
        return current.isPresent();
    }

    public ReservationInput withCurrent(Allocation allocation) {
        return new ReservationInput(key, created, Optional.of(allocation), request, releasePolicy, deleting, approval,
                approvedHash, mdevUuid);
    }

    public ReservationInput withRequest(ReservationRequest r) {
        return new ReservationInput(key, created, current, r, releasePolicy, deleting, approval, approvedHash, mdevUuid);
    }

    public ReservationInput deleted(ReleasePolicy policy) {
        return new ReservationInput(key, created, current, request, policy, true, approval, approvedHash, mdevUuid);
    }

    public ReservationInput manual(Optional<String> approved) {
        return new ReservationInput(key, created, current, request, releasePolicy, deleting, ApprovalMode.MANUAL,
                approved, mdevUuid);
    }
}
