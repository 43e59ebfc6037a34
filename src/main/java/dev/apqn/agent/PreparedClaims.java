package dev.apqn.agent;

import java.util.Optional;
import java.util.UUID;

/**
 * Which mdevs the kubelet plugin has handed to a pod (a prepared ResourceClaim, docs/dra.md): such an
 * mdev is in use even before a guest opens it, so its removal waits (InUse) as for a running guest.
 */
@FunctionalInterface
public interface PreparedClaims {

    /** Nothing prepared (no kubelet plugin on this node). */
    PreparedClaims NONE = mdev -> Optional.empty();

    /** The prepared claim that uses {@code mdev}, described for a message ("ResourceClaim ns/name of pod ns/pod"), if any. */
    Optional<String> claimUsing(UUID mdev);
}
