package dev.apqn.plan;

import dev.apqn.ap.ApMask;
import dev.apqn.ap.Apqn;

import java.util.BitSet;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The mask target so far (bits cleared by someone else plus the operator bits chosen so far) and
 * the cheapest cover of a rectangle in it; see {@link Planner} ("Mask cover") for why the two
 * candidates "adapters A'" and "domains D'" suffice and how one is chosen.
 */
final class MaskCover {

    /** One side's bits: what the node's mask has now, what is off in the target, and who cleared each operator bit. */
    private static final class Side {
        final BitSet hostNow = new BitSet();
        final BitSet foreignOff = new BitSet();
        final BitSet off = new BitSet();
        final BitSet operator = new BitSet();
        final String[] owner = new String[ApMask.BITS];

        Side(ApMask mask, ApMask foreign) {
            mask.ids().forEach(hostNow::set);
            foreign.ids().forEach(foreignOff::set);
            off.or(foreignOff);
        }

        void clear(int id, String by) {
            off.set(id);
            operator.set(id);
            if (owner[id] == null) {
                owner[id] = by;
            }
        }
    }

    /**
     * A cover of a rectangle: the lines of the rectangle still host-owned in the target ({@code rows}
     * × {@code cols}) and the side whose bits it clears.
     *
     * @param blocked    both candidates would take a policy-kept APQN (only reported for an allowed cover)
     * @param blockingA  policy-kept APQNs clearing the adapter bits would take
     * @param blockingD  policy-kept APQNs clearing the domain bits would take
     * @param collateral APQNs of U that leave the host with the chosen bits without being in the rectangle
     */
    record Cover(BitSet rows, BitSet cols, Axis axis, boolean blocked, SortedSet<Apqn> blockingA,
                 SortedSet<Apqn> blockingD, SortedSet<Apqn> collateral, CoverCost cost) {

        SortedSet<Apqn> blocking() {
            SortedSet<Apqn> b = new TreeSet<>(blockingA);
            b.addAll(blockingD);
            return b;
        }

        /** The bits this cover clears (the rows or the columns). */
        BitSet bits() {
            return axis == Axis.ADAPTERS ? rows : cols;
        }

        ApMask newA() {
            return axis == Axis.ADAPTERS && !blocked ? ApMask.of(rows.stream().toArray()) : ApMask.none();
        }

        ApMask newD() {
            return axis == Axis.DOMAINS && !blocked ? ApMask.of(cols.stream().toArray()) : ApMask.none();
        }
    }

    /** The collateral of clearing some bits and what it costs. */
    private record Priced(SortedSet<Apqn> collateral, CoverCost cost) {
    }

    private final Occupancy occupancy;
    private final Map<Axis, Side> sides = new EnumMap<>(Axis.class);

    MaskCover(NodeInput node, Occupancy occupancy) {
        this.occupancy = occupancy;
        sides.put(Axis.ADAPTERS, new Side(node.apmask(), node.foreignAdaptersOff()));
        sides.put(Axis.DOMAINS, new Side(node.aqmask(), node.foreignDomainsOff()));
    }

    /** The bit of line {@code id} is cleared in the target so far (by someone else or by the operator). */
    boolean off(Axis axis, int id) {
        return sides.get(axis).off.get(id);
    }

    private boolean off(Apqn q) {
        return off(Axis.ADAPTERS, q.adapter()) || off(Axis.DOMAINS, q.domain());
    }

    /** The operator's bits on one side: what the node's agent must clear. */
    ApMask operatorBits(Axis axis) {
        return ApMask.of(sides.get(axis).operator.stream().toArray());
    }

    /**
     * The cheapest cover of {@code rect} (a full rectangle) that takes no policy-kept APQN; if both
     * candidates would, the cheaper one with {@code blocked} set.
     */
    Cover allowedCover(Set<Apqn> rect, String self) {
        return cover(rect, self, true, true);
    }

    /** The cheapest cover of {@code rect} for a claim that must hold: it may take policy-kept APQNs. */
    Cover forcedCover(Set<Apqn> rect, String self) {
        return cover(rect, self, false, true);
    }

    /** The cost of the best allowed cover of a candidate rectangle; empty if none is allowed. Prices only. */
    Optional<CoverCost> cost(Set<Apqn> rect, String self) {
        Cover c = cover(rect, self, true, false);
        return c.blocked() ? Optional.empty() : Optional.of(c.cost());
    }

    /** Clears the cover's bits in the target; a bit keeps the first owner that needed it. */
    void apply(Cover c, String owner) {
        Side side = sides.get(c.axis());
        BitSet bits = c.bits();
        for (int id = bits.nextSetBit(0); id >= 0; id = bits.nextSetBit(id + 1)) {
            side.clear(id, owner);
        }
    }

    /**
     * {@code collect=false} prices only: the collateral set stays empty, the counts are exact. With
     * {@code strict}, {@code blocked} reports that both candidates take a kept APQN.
     */
    private Cover cover(Set<Apqn> rect, String self, boolean strict, boolean collect) {
        BitSet rows = new BitSet();
        BitSet cols = new BitSet();
        for (Apqn q : rect) {
            if (!off(q)) {
                rows.set(q.adapter());
                cols.set(q.domain());
            }
        }
        SortedSet<Apqn> emptySet = new TreeSet<>();
        if (rows.isEmpty()) {
            return new Cover(rows, cols, Axis.ADAPTERS, false, emptySet, emptySet, emptySet, CoverCost.NONE);
        }
        SortedSet<Apqn> blockA = new TreeSet<>();
        SortedSet<Apqn> blockD = new TreeSet<>();
        for (Apqn k : occupancy.policyKept()) {
            if (rect.contains(k) || off(k) || occupancy.isHeld(k)) {
                continue;
            }
            if (rows.get(k.adapter())) {
                blockA.add(k);
            }
            if (cols.get(k.domain())) {
                blockD.add(k);
            }
        }
        Map<Axis, BitSet> rectLines = new EnumMap<>(Axis.class);
        rectLines.put(Axis.ADAPTERS, new BitSet());
        rectLines.put(Axis.DOMAINS, new BitSet());
        rect.forEach(q -> {
            rectLines.get(Axis.ADAPTERS).set(q.adapter());
            rectLines.get(Axis.DOMAINS).set(q.domain());
        });
        Priced byA = collateral(Axis.ADAPTERS, rows, rectLines, self, collect);
        Priced byD = collateral(Axis.DOMAINS, cols, rectLines, self, collect);
        boolean okA = blockA.isEmpty();
        boolean okD = blockD.isEmpty();
        boolean chooseA;
        if (okA != okD) {
            chooseA = okA;
        } else {
            int cmp = byA.cost().compareTo(byD.cost());
            chooseA = cmp < 0 || cmp == 0 && rows.cardinality() <= cols.cardinality();
        }
        boolean blocked = !okA && !okD && strict;
        return chooseA
                ? new Cover(rows, cols, Axis.ADAPTERS, blocked, blockA, blockD, byA.collateral(), byA.cost())
                : new Cover(rows, cols, Axis.DOMAINS, blocked, blockA, blockD, byD.collateral(), byD.cost());
    }

    /**
     * Collateral of clearing {@code bits} of one side: APQNs of U still host-owned in the target,
     * outside the rectangle, not had by another holder, KEPT, ADMIN or a foreign mdev. The new
     * collateral counts those host-owned now. Word-parallel on BitSets; per-APQN work only for
     * claimed APQNs and when collecting.
     */
    private Priced collateral(Axis axis, BitSet bits, Map<Axis, BitSet> rectLines, String self, boolean collect) {
        Axis cross = axis.other();
        SortedSet<Apqn> out = new TreeSet<>();
        int fresh = 0;
        int total = 0;
        for (int b = bits.nextSetBit(0); b >= 0; b = bits.nextSetBit(b + 1)) {
            BitSet cand = (BitSet) occupancy.universe(axis, b).clone();
            cand.andNot(sides.get(cross).off);
            if (rectLines.get(axis).get(b)) {
                cand.andNot(rectLines.get(cross));
            }
            BitSet claimed = (BitSet) occupancy.claimed(axis, b).clone();
            claimed.and(cand);
            for (int o = claimed.nextSetBit(0); o >= 0; o = claimed.nextSetBit(o + 1)) {
                Apqn q = axis.apqn(b, o);
                String h = occupancy.holderOf(q);
                if (occupancy.usedByForeignMdev(q) || occupancy.isAdmin(q) || h != null && !h.equals(self)) {
                    cand.clear(o);
                }
            }
            total += cand.cardinality();
            if (sides.get(axis).hostNow.get(b)) {
                BitSet now = (BitSet) cand.clone();
                now.and(sides.get(cross).hostNow);
                fresh += now.cardinality();
            }
            if (collect) {
                for (int o = cand.nextSetBit(0); o >= 0; o = cand.nextSetBit(o + 1)) {
                    out.add(axis.apqn(b, o));
                }
            }
        }
        return new Priced(out, new CoverCost(fresh, total));
    }

    /**
     * The APQNs of U the operator's bits take off the host beyond {@code claimed} (and foreign mdevs),
     * by the owner of the bit that takes them (the adapter bit's owner when both bits are the
     * operator's); bits someone else cleared take nothing of the operator's.
     */
    SortedMap<String, SortedSet<Apqn>> collateralByOwner(Set<Apqn> claimed) {
        Side sa = sides.get(Axis.ADAPTERS);
        Side sd = sides.get(Axis.DOMAINS);
        Map<String, SortedSet<Apqn>> collateral = new LinkedHashMap<>();
        for (int a = 0; a < ApMask.BITS; a++) {
            BitSet ds = occupancy.universe(Axis.ADAPTERS, a);
            for (int d = ds.nextSetBit(0); d >= 0; d = ds.nextSetBit(d + 1)) {
                Apqn q = Apqn.of(a, d);
                if (sa.foreignOff.get(a) || sd.foreignOff.get(d) || !(sa.operator.get(a) || sd.operator.get(d))
                        || claimed.contains(q) || occupancy.usedByForeignMdev(q)) {
                    continue;
                }
                String owner = sa.operator.get(a) ? sa.owner[a] : sd.owner[d];
                collateral.computeIfAbsent(owner, k -> new TreeSet<>()).add(q);
            }
        }
        return new TreeMap<>(collateral);
    }
}
