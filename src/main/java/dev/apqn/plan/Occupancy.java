package dev.apqn.plan;

import dev.apqn.ap.ApMask;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.Matrix;

import java.util.BitSet;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Who has which APQN on the node during one planning pass: the universe U (configured adapters ×
 * configured usage domains ∪ existing queue devices), foreign mdevs, policy-kept APQNs, admin-declared
 * APQNs, the holders recorded in {@code APNodeState.spec} (and KEPT owners) and what this plan gave
 * away so far. Per side of the matrix it indexes U and the claimed APQNs, so the mask cover can
 * count collateral a line at a time.
 */
final class Occupancy {

    private final NodeInput node;
    private final Map<Axis, BitSet[]> universe = new EnumMap<>(Axis.class);
    /** Someone (a holder, a KEPT or ADMIN claim, a foreign mdev) has the APQN: a fast pre-check for collateral. */
    private final Map<Axis, BitSet[]> claimed = new EnumMap<>(Axis.class);
    private final Map<Apqn, UUID> foreignMdevOf = new HashMap<>();
    private final Set<Apqn> policyKept = new HashSet<>();
    private final Set<Apqn> admin = new HashSet<>();
    /** APQN → holder key (current allocations of non-deleting holders and KEPT owners). */
    private final Map<Apqn, String> currentHolder = new HashMap<>();
    /** APQN → key of the reservation that got it in this plan (allocated or retained). */
    private final Map<Apqn, String> heldBy = new HashMap<>();

    Occupancy(NodeInput node, PolicyView policy) {
        this.node = node;
        for (Axis axis : Axis.values()) {
            universe.put(axis, lines());
            claimed.put(axis, lines());
        }
        node.configuredAdapters().ids().forEach(a -> node.configuredDomains().ids().forEach(d -> set(universe, Apqn.of(a, d))));
        node.queues().keySet().forEach(q -> set(universe, q));
        for (ForeignMdev m : node.foreignMdevs()) {
            m.matrix().apqns().forEach(q -> {
                foreignMdevOf.putIfAbsent(q, m.uuid());
                mark(q);
            });
        }
        policyKept.addAll(policy.keptApqns());
        for (int a = 0; a < ApMask.BITS; a++) {
            BitSet ds = universe(Axis.ADAPTERS, a);
            for (int d = ds.nextSetBit(0); d >= 0; d = ds.nextSetBit(d + 1)) {
                if (policy.keeps(Apqn.of(a, d))) {
                    policyKept.add(Apqn.of(a, d));
                }
            }
        }
    }

    private static BitSet[] lines() {
        BitSet[] out = new BitSet[ApMask.BITS];
        for (int i = 0; i < out.length; i++) {
            out[i] = new BitSet();
        }
        return out;
    }

    private static void set(Map<Axis, BitSet[]> index, Apqn q) {
        for (Axis axis : Axis.values()) {
            index.get(axis)[axis.id(q)].set(axis.other().id(q));
        }
    }

    private void mark(Apqn q) {
        set(claimed, q);
    }

    /** The ids on the other side that are in U on line {@code id} of {@code axis} (do not modify). */
    BitSet universe(Axis axis, int id) {
        return universe.get(axis)[id];
    }

    /** The ids on the other side that someone has on line {@code id} of {@code axis} (do not modify). */
    BitSet claimed(Axis axis, int id) {
        return claimed.get(axis)[id];
    }

    boolean inU(Apqn q) {
        return universe(Axis.ADAPTERS, q.adapter()).get(q.domain());
    }

    /** The matrix's APQNs outside U: not in the host configuration and without a queue device. */
    SortedSet<Apqn> outside(Matrix matrix) {
        SortedSet<Apqn> outside = new TreeSet<>();
        matrix.apqns().stream().filter(q -> !inU(q)).forEach(outside::add);
        return outside;
    }

    Optional<UUID> foreignMdev(Apqn q) {
        return Optional.ofNullable(foreignMdevOf.get(q));
    }

    boolean usedByForeignMdev(Apqn q) {
        return foreignMdevOf.containsKey(q);
    }

    /** APQNs the policy keeps for the host (spec.hostKeep), listed or on a kept adapter or domain of U. */
    Set<Apqn> policyKept() {
        return Collections.unmodifiableSet(policyKept);
    }

    boolean policyKeeps(Apqn q) {
        return policyKept.contains(q);
    }

    /** An admin-declared or foreign-mdev-required APQN: off the host for no reservation. */
    void declareAdmin(Apqn q) {
        admin.add(q);
        mark(q);
    }

    boolean isAdmin(Apqn q) {
        return admin.contains(q);
    }

    /**
     * Records {@code key} as the holder of {@code q} from {@code APNodeState.spec} (or a KEPT claim);
     * returns the earlier holder when there was one.
     */
    Optional<String> recordCurrentHolder(Apqn q, String key) {
        String prev = currentHolder.putIfAbsent(q, key);
        mark(q);
        return Optional.ofNullable(prev);
    }

    /** {@code key} got {@code q} in this plan. */
    void hold(Apqn q, String key) {
        heldBy.put(q, key);
        mark(q);
    }

    /** Who has {@code q}: the reservation that got it in this plan, else its recorded holder; null if nobody. */
    String holderOf(Apqn q) {
        String h = heldBy.get(q);
        return h != null ? h : currentHolder.get(q);
    }

    boolean isHeld(Apqn q) {
        return heldBy.containsKey(q) || currentHolder.containsKey(q);
    }

    boolean gotSomethingInThisPlan(String key) {
        return heldBy.containsValue(key);
    }

    /** Someone else (a mask bit or driver_override the operator did not set) took {@code q} off the host. */
    boolean heldOffByForeign(Apqn q) {
        return node.foreignAdaptersOff().get(q.adapter()) || node.foreignDomainsOff().get(q.domain())
                || node.foreignOverrides().contains(q);
    }

    /** Host-owned as the node reports it now: by the masks in mask mode, by the queue's driver otherwise. */
    boolean hostOwnedNow(Apqn q) {
        if (node.mode() == OwnershipMode.MASKS) {
            return node.apmask().get(q.adapter()) && node.aqmask().get(q.domain());
        }
        QueueInfo qi = node.queues().get(q);
        return qi == null || qi.hostOwned();
    }
}
