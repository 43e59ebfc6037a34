package dev.apqn.plan;

import dev.apqn.ap.ApMask;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.Matrix;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Picks {@code adapters} × {@code domains} free APQNs. The exact problem (a least-collateral
 * biclique) is NP-hard in general, so this is a bounded greedy search: every adapter with enough
 * free domains seeds two groups (adapters sharing the most free domains with the seed; adapters
 * that cost the host least), each group gets two domain choices (least domain-cover collateral;
 * lowest ids), and every candidate is priced with the exact cover cost. The cheapest wins, ties to
 * the lowest adapter ids, then domain ids. O(A² + A·(D·n + cover)) for A candidate adapters.
 */
final class Selector {
    /** The picked matrix, or why none could be picked. */
    record Result(Matrix matrix, Refusal refusal) {
    }

    private final NodeInput node;
    private final Occupancy occupancy;
    private final MaskCover masks;
    private final PolicyView policy;
    private final ReservationInput r;
    private final ReservationRequest.Selection sel;

    Selector(NodeInput node, Occupancy occupancy, MaskCover masks, PolicyView policy, ReservationInput r,
             ReservationRequest.Selection sel) {
        this.node = node;
        this.occupancy = occupancy;
        this.masks = masks;
        this.policy = policy;
        this.r = r;
        this.sel = sel;
    }

    Result run() {
        int n = sel.adapters();
        int m = sel.domains();
        Map<Integer, BitSet> free = domainsByAdapter();
        List<Integer> ac = free.entrySet().stream().filter(e -> e.getValue().cardinality() >= m)
                .map(Map.Entry::getKey).sorted().toList();
        if (ac.size() < n) {
            return new Result(null, RefusalRules.tooFewAdapters(sel, node.nodeName(), ac.size()));
        }
        int[] adapterCost = new int[ApMask.BITS];
        int[] domainCost = new int[ApMask.BITS];
        for (int a = 0; a < ApMask.BITS; a++) {
            BitSet u = occupancy.universe(Axis.ADAPTERS, a);
            for (int d = u.nextSetBit(0); d >= 0; d = u.nextSetBit(d + 1)) {
                if (countsForHost(a, d)) {
                    adapterCost[a]++;
                    domainCost[d]++;
                }
            }
        }
        Candidate best = null;
        Set<String> seen = new HashSet<>();
        for (int s : ac) {
            BitSet fs = free.get(s);
            int[] overlap = new int[ApMask.BITS];
            for (int a : ac) {
                overlap[a] = intersect(fs, free.get(a));
            }
            List<Comparator<Integer>> orders = List.of(
                    Comparator.<Integer>comparingInt(a -> -overlap[a])
                            .thenComparingInt(a -> adapterCost[a]).thenComparingInt(a -> a),
                    Comparator.<Integer>comparingInt(a -> adapterCost[a]).thenComparingInt(a -> a));
            for (Comparator<Integer> order : orders) {
                List<Integer> group = new ArrayList<>(List.of(s));
                BitSet inter = (BitSet) fs.clone();
                List<Integer> others = new ArrayList<>(ac);
                others.remove(Integer.valueOf(s));
                others.sort(order);
                for (int a : others) {
                    if (group.size() == n) {
                        break;
                    }
                    BitSet j = (BitSet) inter.clone();
                    j.and(free.get(a));
                    if (j.cardinality() >= m) {
                        group.add(a);
                        inter = j;
                    }
                }
                if (group.size() < n) {
                    continue;
                }
                group.sort(null);
                for (List<Integer> doms : List.of(cheapestDomains(inter, group, domainCost, m), lowest(inter, m))) {
                    if (!seen.add(group + "x" + doms)) {
                        continue;
                    }
                    Set<Apqn> rect = new HashSet<>();
                    group.forEach(a -> doms.forEach(d -> rect.add(Apqn.of(a, d))));
                    Optional<CoverCost> cost = masks.cost(rect, r.key());
                    if (cost.isEmpty()) {
                        continue;
                    }
                    Candidate c = new Candidate(cost.get(), group, doms);
                    if (best == null || c.compareTo(best) < 0) {
                        best = c;
                    }
                }
            }
        }
        if (best == null) {
            return new Result(null, RefusalRules.noRectangleWithAllowedCover(sel, node.nodeName()));
        }
        return new Result(Matrix.of(ApMask.of(best.adapters()), ApMask.of(best.domains())), null);
    }

    /** Free for a new selection: an existing queue that nobody holds, keeps, uses or took off the host. */
    private boolean freeForSelection(Apqn q) {
        QueueInfo qi = node.queues().get(q);
        if (qi == null) {
            return false;
        }
        if (!sel.generations().isEmpty() && !sel.generations().contains(qi.generation())) {
            return false;
        }
        if (!sel.modes().isEmpty() && !sel.modes().contains(qi.mode())) {
            return false;
        }
        if (occupancy.usedByForeignMdev(q) || occupancy.heldOffByForeign(q) || occupancy.policyKeeps(q)
                || occupancy.isAdmin(q)) {
            return false;
        }
        if (!policy.grants(r.namespace(), q)) {
            return false;
        }
        String h = occupancy.holderOf(q);
        return h == null || h.equals(r.key());
    }

    private Map<Integer, BitSet> domainsByAdapter() {
        Map<Integer, BitSet> out = new TreeMap<>();
        for (Apqn q : node.queues().keySet()) {
            if (freeForSelection(q)) {
                out.computeIfAbsent(q.adapter(), k -> new BitSet()).set(q.domain());
            }
        }
        return out;
    }

    /** Host-owned now and in the target so far, and not claimed by another: what clearing a bit would cost. */
    private boolean countsForHost(int a, int d) {
        if (masks.off(Axis.ADAPTERS, a) || masks.off(Axis.DOMAINS, d)) {
            return false;
        }
        Apqn q = Apqn.of(a, d);
        return occupancy.hostOwnedNow(q) && !occupancy.isHeld(q);
    }

    private List<Integer> cheapestDomains(BitSet inter, List<Integer> group, int[] domainCost, int m) {
        Map<Integer, Integer> cost = new HashMap<>();
        inter.stream().forEach(d -> {
            int c = masks.off(Axis.DOMAINS, d) ? 0 : domainCost[d];
            for (int a : group) {
                if (occupancy.universe(Axis.ADAPTERS, a).get(d) && countsForHost(a, d)) {
                    c--;
                }
            }
            cost.put(d, c);
        });
        return inter.stream().boxed().sorted(Comparator.<Integer>comparingInt(cost::get).thenComparingInt(d -> d))
                .limit(m).sorted().toList();
    }

    private static List<Integer> lowest(BitSet inter, int m) {
        return inter.stream().limit(m).boxed().toList();
    }

    private static int intersect(BitSet x, BitSet y) {
        BitSet b = (BitSet) x.clone();
        b.and(y);
        return b.cardinality();
    }

    record Candidate(CoverCost cost, List<Integer> adapters, List<Integer> domains) implements Comparable<Candidate> {
        @Override
        public int compareTo(Candidate o) {
            int c = cost.compareTo(o.cost);
            if (c == 0) {
                c = compareLists(adapters, o.adapters);
            }
            return c != 0 ? c : compareLists(domains, o.domains);
        }

        private static int compareLists(List<Integer> x, List<Integer> y) {
            for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
                int c = Integer.compare(x.get(i), y.get(i));
                if (c != 0) {
                    return c;
                }
            }
            return Integer.compare(x.size(), y.size());
        }
    }
}
