package dev.apqn.plan;

import dev.apqn.ap.ApMask;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.Matrix;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * The {@link HostTarget} under construction during one planning pass: the claims by kind and owner
 * (RESERVED, KEPT, ADMIN; COLLATERAL is derived from the mask target at the end), the operator's
 * mdevs and, in override mode, the queues whose driver_override it sets.
 */
final class TargetDraft {

    private final SortedMap<String, SortedSet<Apqn>> reserved = new TreeMap<>();
    private final SortedMap<String, SortedSet<Apqn>> kept = new TreeMap<>();
    private final SortedMap<String, SortedSet<Apqn>> admin = new TreeMap<>();
    private final SortedMap<UUID, MdevTarget> mdevs = new TreeMap<>();
    private final SortedSet<Apqn> overrides = new TreeSet<>();

    /** A KEPT claim: a deleted reservation's APQNs with {@code releasePolicy: Keep}, carried over or new. */
    void keep(String owner, Collection<Apqn> apqns) {
        kept.computeIfAbsent(owner, k -> new TreeSet<>()).addAll(apqns);
    }

    /** The KEPT claims by owner, in owner order (do not modify). */
    SortedMap<String, SortedSet<Apqn>> kept() {
        return Collections.unmodifiableSortedMap(kept);
    }

    Optional<SortedSet<Apqn>> keptBy(String owner) {
        return Optional.ofNullable(kept.get(owner));
    }

    /** An ADMIN claim: admin-declared APQNs, or APQNs a foreign mdev relies on. */
    void declareAdmin(String owner, Collection<Apqn> apqns) {
        admin.computeIfAbsent(owner, k -> new TreeSet<>()).addAll(apqns);
    }

    /** Override mode: these queues get driver_override vfio_ap. */
    void override(Collection<Apqn> apqns) {
        overrides.addAll(apqns);
    }

    boolean overridden(Apqn q) {
        return overrides.contains(q);
    }

    /** {@code key}'s mdev with {@code matrix}: its APQNs are RESERVED, no longer KEPT. */
    void allocate(String key, Matrix matrix, UUID uuid) {
        List<Apqn> apqns = matrix.apqns();
        reserved.computeIfAbsent(key, k -> new TreeSet<>()).addAll(apqns);
        SortedSet<Apqn> k = kept.get(key);
        if (k != null) {
            apqns.forEach(k::remove);
            if (k.isEmpty()) {
                kept.remove(key);
            }
        }
        mdevs.put(uuid, new MdevTarget(uuid, key, matrix));
    }

    /** The target: in mask mode with the operator's bits and the collateral they take, else with the overrides. */
    HostTarget build(NodeInput node, MaskCover maskCover) {
        boolean masks = node.mode() == OwnershipMode.MASKS;
        List<OffHostClaim> claims = new ArrayList<>();
        Set<Apqn> claimed = new HashSet<>();
        reserved.forEach((k, v) -> {
            claims.add(new OffHostClaim(OffHostClaim.Kind.RESERVED, k, v));
            claimed.addAll(v);
        });
        kept.forEach((k, v) -> {
            claims.add(new OffHostClaim(OffHostClaim.Kind.KEPT, k, v));
            claimed.addAll(v);
        });
        admin.forEach((k, v) -> {
            claims.add(new OffHostClaim(OffHostClaim.Kind.ADMIN, k, v));
            claimed.addAll(v);
        });
        if (masks) {
            maskCover.collateralByOwner(claimed)
                    .forEach((k, v) -> claims.add(new OffHostClaim(OffHostClaim.Kind.COLLATERAL, k, v)));
        }
        ApMask aOff = masks ? maskCover.operatorBits(Axis.ADAPTERS) : ApMask.none();
        ApMask dOff = masks ? maskCover.operatorBits(Axis.DOMAINS) : ApMask.none();
        return new HostTarget(node.mode(), aOff, dOff, masks ? new TreeSet<>() : overrides, mdevs, claims,
                node.inventoryGeneration());
    }
}
