package dev.apqn.plan;

import dev.apqn.ap.Apqn;

import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Why a set of APQNs must be off the host, and on whose behalf. The agent's invariant is that the
 * APQNs it took off the host are exactly the union of all claims, each with its owner.
 *
 * @param kind  reserved by a reservation, collateral of one (a mask bit pulls in more than asked),
 *              kept after release ({@code releasePolicy: Keep}), or declared by an admin policy
 * @param owner {@code namespace/name} of the reservation, or the policy name for ADMIN
 * @param apqns the APQNs of this claim
 */
public record OffHostClaim(Kind kind, String owner, SortedSet<Apqn> apqns) {

    public enum Kind { RESERVED, COLLATERAL, KEPT, ADMIN }

    public OffHostClaim {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(owner, "owner");
        apqns = new TreeSet<>(apqns);
    }
}
