package dev.apqn.plan;

import dev.apqn.ap.ApMask;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.Matrix;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Pure planning for one node: from the agent's report, the reservations bound to the node and the
 * policy, the concrete {@link HostTarget} and a {@link Decision} per reservation. No I/O, no
 * Kubernetes types, deterministic: the same inputs give the same plan and the same hashes.
 *
 * <h2>Terms</h2>
 * <ul>
 *   <li><b>Universe U</b>: the APQNs that count on the node = configured adapters × configured usage
 *       domains ∪ existing queue devices. Collateral is counted over U: a configured APQN without a
 *       queue device yet still leaves the host (the kernel hands it to vfio_ap when it appears).</li>
 *   <li><b>Held</b>: an APQN in the current allocation of a non-deleting holder, in an allocation made
 *       earlier in this plan, or in a KEPT claim. A held APQN belongs to its holder; foreign mdev APQNs
 *       are occupied for everyone.</li>
 *   <li><b>Target so far</b> (mask mode): bits cleared by someone else plus the operator bits chosen
 *       so far; an APQN (a,d) is host-owned in it iff neither a nor d is cleared.</li>
 * </ul>
 *
 * <h2>Order</h2>
 * Required-off sets first (foreign mdevs relying on operator bits, admin-declared, KEPT), then the
 * reservations by creationTimestamp, then key. Holders need no precedence in that order: their
 * current APQNs are protected up front, so a younger or older request for them gets Conflict naming
 * the holder, and a holder's spec edit never takes APQNs another holder has.
 *
 * <h2>Mask cover</h2>
 * For a rectangle A×D, let A'×D' be the part still host-owned in the target so far (rows and columns
 * already cleared drop out, so A'×D' is again a full rectangle). Any cover must clear every adapter of
 * A' or every domain of D' (if some a∈A' and d∈D' both stayed set, (a,d) would stay with the host),
 * and collateral only grows with more bits, so the two minimal candidates are "adapters A'" and
 * "domains D'"; mixed covers arise from bits already cleared (by someone else or for another claim),
 * which cost nothing. A candidate is forbidden when it would take a policy-kept APQN from the host.
 * Among allowed candidates the planner picks the least <i>new</i> collateral (host APQNs that are
 * host-owned now and would leave; so bits the operator already cleared are reused and a holder's cover
 * is sticky), then the least collateral in the target, then fewer bits, adapters before domains.
 * Cost: O(|A'|·85 + |D'|·256) per rectangle with per-adapter and per-domain indexes of U.
 */
public final class Planner {

    private Planner() {
    }

    public static NodePlan plan(NodeInput node, List<ReservationInput> reservations, PolicyView policy) {
        return new Run(node, reservations, policy).run();
    }

    /** The mdev UUID used when neither the spec nor a current allocation names one: stable per node and key. */
    public static UUID derivedMdevUuid(String nodeName, String key) {
        return UUID.nameUUIDFromBytes(("apqn.dev/" + nodeName + "/" + key).getBytes(StandardCharsets.UTF_8));
    }

    /** One planning pass; mutable state lives here only. */
    private static final class Run {
        private final NodeInput node;
        private final List<ReservationInput> reservations;
        private final PolicyView policy;
        private final boolean masks;

        private final BitSet[] uByA = new BitSet[ApMask.BITS];
        private final BitSet[] uByD = new BitSet[ApMask.BITS];
        private final BitSet[] claimedByA = new BitSet[ApMask.BITS];
        private final BitSet[] claimedByD = new BitSet[ApMask.BITS];
        private final BitSet apmaskBits = new BitSet();
        private final BitSet aqmaskBits = new BitSet();
        private final BitSet offA = new BitSet();
        private final BitSet offD = new BitSet();
        private final BitSet opA = new BitSet();
        private final BitSet opD = new BitSet();
        private final BitSet foreignA = new BitSet();
        private final BitSet foreignD = new BitSet();
        private final String[] bitOwnerA = new String[ApMask.BITS];
        private final String[] bitOwnerD = new String[ApMask.BITS];
        private final SortedSet<Apqn> overrides = new TreeSet<>();

        private final Map<Apqn, UUID> foreignMdevOf = new HashMap<>();
        private final Set<Apqn> keptSet = new HashSet<>();
        /** APQN → holder key (current allocations of non-deleting holders and KEPT owners). */
        private final Map<Apqn, String> currentHolder = new HashMap<>();
        /** APQN → key of the reservation that got it in this plan (allocated or retained). */
        private final Map<Apqn, String> heldBy = new HashMap<>();
        private final Set<Apqn> adminApqns = new HashSet<>();

        private final SortedMap<String, SortedSet<Apqn>> reserved = new TreeMap<>();
        private final SortedMap<String, SortedSet<Apqn>> kept = new TreeMap<>();
        private final SortedMap<String, SortedSet<Apqn>> admin = new TreeMap<>();
        private final SortedMap<UUID, MdevTarget> mdevs = new TreeMap<>();
        private final SortedMap<String, Decision> decisions = new TreeMap<>();
        private final List<String> warnings = new ArrayList<>();

        Run(NodeInput node, List<ReservationInput> reservations, PolicyView policy) {
            this.node = node;
            this.reservations = reservations;
            this.policy = policy;
            this.masks = node.mode() == OwnershipMode.MASKS;
            for (int i = 0; i < ApMask.BITS; i++) {
                uByA[i] = new BitSet();
                uByD[i] = new BitSet();
                claimedByA[i] = new BitSet();
                claimedByD[i] = new BitSet();
            }
            node.configuredAdapters().ids().forEach(a -> node.configuredDomains().ids().forEach(d -> addU(a, d)));
            node.queues().keySet().forEach(q -> addU(q.adapter(), q.domain()));
            node.apmask().ids().forEach(apmaskBits::set);
            node.aqmask().ids().forEach(aqmaskBits::set);
            node.foreignAdaptersOff().ids().forEach(foreignA::set);
            node.foreignDomainsOff().ids().forEach(foreignD::set);
            offA.or(foreignA);
            offD.or(foreignD);
        }

        /** Someone (a holder, a KEPT or ADMIN claim, a foreign mdev) has this APQN: a fast pre-check for collateral. */
        private void mark(Apqn q) {
            claimedByA[q.adapter()].set(q.domain());
            claimedByD[q.domain()].set(q.adapter());
        }

        private void addU(int a, int d) {
            uByA[a].set(d);
            uByD[d].set(a);
        }

        NodePlan run() {
            Set<String> keys = new HashSet<>();
            for (ReservationInput r : reservations) {
                if (!keys.add(r.key())) {
                    throw new IllegalArgumentException("reservation " + r.key() + " is listed twice for node " + node.nodeName());
                }
            }
            for (ForeignMdev m : node.foreignMdevs()) {
                m.matrix().apqns().forEach(q -> {
                    foreignMdevOf.putIfAbsent(q, m.uuid());
                    mark(q);
                });
            }
            policy.keptApqns().forEach(keptSet::add);
            for (int a = 0; a < ApMask.BITS; a++) {
                int fa = a;
                uByA[a].stream().forEach(d -> {
                    if (policy.keeps(Apqn.of(fa, d))) {
                        keptSet.add(Apqn.of(fa, d));
                    }
                });
            }
            for (Apqn k : new TreeSet<>(keptSet)) {
                if (heldOffByForeign(k) && inU(k)) {
                    warnings.add("the policy keeps " + k + " for the host, but someone else took it off the host"
                            + " (a mask bit or driver_override the operator did not set); the operator leaves it alone");
                }
            }

            List<ReservationInput> active = new ArrayList<>();
            for (ReservationInput r : reservations) {
                if (r.deleting()) {
                    release(r);
                } else {
                    active.add(r);
                }
            }
            for (ReservationInput r : sorted(active)) {
                r.current().ifPresent(c -> c.matrix().apqns().forEach(q -> {
                    String prev = currentHolder.putIfAbsent(q, r.key());
                    mark(q);
                    if (prev != null && !prev.equals(r.key())) {
                        warnings.add("APNodeState.spec records " + q + " for both " + prev + " and " + r.key()
                                + "; " + prev + " keeps it");
                    }
                }));
            }
            for (OffHostClaim c : node.keptClaims()) {
                kept.computeIfAbsent(c.owner(), k -> new TreeSet<>()).addAll(c.apqns());
            }
            for (var e : kept.entrySet()) {
                e.getValue().forEach(q -> {
                    currentHolder.putIfAbsent(q, e.getKey());
                    mark(q);
                });
            }

            requireForeignMdevs();
            if (!policy.adminOffHost().isEmpty()) {
                admin.put(policy.name(), new TreeSet<>(policy.adminOffHost()));
                adminApqns.addAll(policy.adminOffHost());
                policy.adminOffHost().forEach(this::mark);
                require(policy.adminOffHost(), policy.name(), "admin-declared APQNs of policy " + policy.name());
            }
            for (var e : kept.entrySet()) {
                require(e.getValue(), e.getKey(), "KEPT APQNs of " + e.getKey());
            }

            for (ReservationInput r : sorted(active)) {
                decide(r);
            }
            return finish();
        }

        private static List<ReservationInput> sorted(List<ReservationInput> rs) {
            List<ReservationInput> out = new ArrayList<>(rs);
            out.sort(Comparator.comparing(ReservationInput::created).thenComparing(ReservationInput::key));
            return out;
        }

        // ---------------------------------------------------------------- deletion

        private void release(ReservationInput r) {
            SortedSet<Apqn> keep = new TreeSet<>();
            SortedSet<Apqn> affected = new TreeSet<>();
            List<String> notes = new ArrayList<>();
            if (r.current().isPresent()) {
                List<Apqn> held = r.current().get().matrix().apqns();
                for (Apqn q : held) {
                    QueueInfo qi = node.queues().get(q);
                    if (qi != null && qi.inUse()) {
                        affected.add(q);
                    }
                }
                if (r.releasePolicy() == ReleasePolicy.KEEP) {
                    keep.addAll(held);
                    kept.computeIfAbsent(r.key(), k -> new TreeSet<>()).addAll(held);
                    notes.add("releasePolicy Keep: " + held.size() + " APQNs stay off the host as KEPT claims of " + r.key());
                }
                if (!affected.isEmpty()) {
                    notes.add("a running guest still uses " + affected + "; the mdev is removed once the guest stops");
                }
            }
            String hash = new PlanHash().line("node", node.nodeName()).line("generation", node.inventoryGeneration())
                    .line("reservation", r.key()).line("decision", "Released").apqns("kept", keep)
                    .apqns("affected", affected).hash();
            decisions.put(r.key(), new Decision.Released(keep, affected, notes, hash));
        }

        // ---------------------------------------------------------------- required-off sets

        /** Foreign mdev APQNs that are off the host only through operator edits must stay off. */
        private void requireForeignMdevs() {
            for (ForeignMdev m : node.foreignMdevs()) {
                SortedSet<Apqn> need = new TreeSet<>();
                for (Apqn q : m.matrix().apqns()) {
                    boolean offByOperator = masks
                            ? !hostOwnedNow(q) && !heldOffByForeign(q)
                            : node.queues().containsKey(q) && !node.queues().get(q).hostOwned() && !heldOffByForeign(q);
                    if (offByOperator) {
                        need.add(q);
                    }
                }
                if (!need.isEmpty()) {
                    String owner = "mdev/" + m.uuid();
                    admin.computeIfAbsent(owner, k -> new TreeSet<>()).addAll(need);
                    adminApqns.addAll(need);
                    need.forEach(this::mark);
                    require(need, owner, "APQNs of mdev " + m.uuid() + " (not made by the operator)");
                }
            }
        }

        /** Makes a non-reservation claim's APQNs non-host-owned; never refuses (warns when it must take a kept APQN). */
        private void require(Collection<Apqn> apqns, String owner, String what) {
            if (!masks) {
                apqns.stream().filter(q -> !node.foreignOverrides().contains(q)).forEach(overrides::add);
                return;
            }
            List<Set<Apqn>> parts = isRectangle(apqns) ? List.of(new HashSet<>(apqns))
                    : apqns.stream().map(q -> Set.of(q)).toList();
            for (Set<Apqn> part : parts) {
                Cover c = bestCover(part, owner, false);
                if (c.blocked()) {
                    warnings.add(what + " need a mask cover that takes policy-kept APQNs " + c.blocking()
                            + " from the host; applied anyway because they are already off the host");
                }
                apply(c, owner);
            }
        }

        // ---------------------------------------------------------------- reservations

        private void decide(ReservationInput r) {
            Optional<Allocation> cur = r.current();
            Set<Apqn> own = new HashSet<>();
            cur.ifPresent(c -> own.addAll(c.matrix().apqns()));
            Optional.ofNullable(kept.get(r.key())).ifPresent(own::addAll);

            Matrix matrix;
            if (r.request() instanceof ReservationRequest.Explicit ex) {
                if (ex.apqns().isEmpty()) {
                    refuse(r, ReasonCode.InvalidRequest, "spec.apqns is empty: list at least one APQN as"
                            + " \"<adapter>.<domain>\" (e.g. 05.0004) or use spec.select", Set.of());
                    return;
                }
                if (!isRectangle(ex.apqns())) {
                    Matrix m = Matrix.of(ApMask.of(ex.apqns().stream().map(Apqn::adapter).toList()),
                            ApMask.of(ex.apqns().stream().map(Apqn::domain).toList()));
                    SortedSet<Apqn> missing = new TreeSet<>(m.apqns());
                    missing.removeAll(ex.apqns());
                    refuse(r, ReasonCode.NotRectangle, "spec.apqns " + ex.apqns() + " is not an adapters x domains"
                            + " rectangle (a guest always gets every domain on every adapter of its matrix): add "
                            + missing + " or drop APQNs so every adapter has the same domains", missing);
                    return;
                }
                matrix = Matrix.ofRectangle(ex.apqns()).withControlDomains(ex.controlDomains());
            } else {
                ReservationRequest.Selection sel = (ReservationRequest.Selection) r.request();
                if (sel.adapters() <= 0 || sel.domains() <= 0) {
                    refuse(r, ReasonCode.InvalidRequest, "spec.select.adapters and spec.select.domains must both be"
                            + " at least 1 (got " + sel.adapters() + " x " + sel.domains() + ")", Set.of());
                    return;
                }
                if (cur.isPresent()) {
                    matrix = cur.get().matrix();
                } else {
                    Optional<Matrix> picked = select(r, sel);
                    if (picked.isEmpty()) {
                        return;
                    }
                    matrix = picked.get().withControlDomains(sel.controlDomainsFor(picked.get()));
                }
            }
            List<Apqn> apqns = matrix.apqns();

            SortedSet<Apqn> bad = new TreeSet<>();
            if (refuseAboveMaximum(r, matrix)) {
                return;
            }
            SortedSet<Apqn> outside = new TreeSet<>();
            apqns.stream().filter(q -> !inU(q)).forEach(outside::add);
            if (!outside.isEmpty() && !node.assignsOutsideHostConfiguration()) {
                refuse(r, ReasonCode.NotOnNode, "spec.apqns " + outside + " are not in node " + node.nodeName()
                        + "'s host configuration (adapters " + node.configuredAdapters().toRangeList() + ", domains "
                        + node.configuredDomains().toRangeList() + ") and have no queue device, and "
                        + whyThisKernelRefuses() + "; choose APQNs the node has, have them added to the LPAR's"
                        + " configuration, or use a mask-mode node with a 6.0+ kernel (it accepts them and reports the"
                        + " reservation Degraded until they are configured)", outside);
                return;
            }
            apqns.stream().filter(foreignMdevOf::containsKey).forEach(bad::add);
            if (!bad.isEmpty()) {
                Set<UUID> who = bad.stream().map(foreignMdevOf::get).collect(Collectors.toCollection(TreeSet::new));
                refuse(r, ReasonCode.ForeignMdev, "spec.apqns " + bad + " are used by mdev " + who + ", which the"
                        + " operator did not make; choose other APQNs or remove that mdev on the node", bad);
                return;
            }
            apqns.stream().filter(q -> !own.contains(q) && !policy.grants(r.namespace(), q)).forEach(bad::add);
            if (!bad.isEmpty()) {
                Optional<PolicyView.Grant> g = policy.grantOf(r.namespace());
                refuse(r, ReasonCode.NamespaceNotGranted, "namespace " + r.namespace() + " may not reserve " + bad
                        + (g.isEmpty() ? " (APQNPolicy " + policy.name() + " grants it nothing)"
                                : " (APQNPolicy " + policy.name() + " grants it " + g.get().describe() + ")")
                        + "; choose granted APQNs in spec.apqns or ask the admin to extend the policy's spec.grants", bad);
                return;
            }
            apqns.stream().filter(q -> !own.contains(q) && keptSet.contains(q)).forEach(bad::add);
            if (!bad.isEmpty()) {
                refuse(r, ReasonCode.PolicyKept, "spec.apqns " + bad + " are kept for the host by APQNPolicy "
                        + policy.name() + " (spec.hostKeep); choose other APQNs or ask the admin to release them", bad);
                return;
            }
            SortedMap<Apqn, String> contested = new TreeMap<>();
            for (Apqn q : apqns) {
                String h = heldBy.get(q);
                if (h == null) {
                    h = currentHolder.get(q);
                }
                if (h != null && !h.equals(r.key())) {
                    contested.put(q, h);
                }
            }
            if (!contested.isEmpty()) {
                String holder = contested.values().iterator().next();
                Set<String> holders = new TreeSet<>(contested.values());
                boolean keptHolder = kept.containsKey(holder) && !heldBy.containsValue(holder);
                String msg = "spec.apqns " + new TreeSet<>(contested.keySet()) + " are held by " + String.join(", ", holders)
                        + (keptHolder ? " (kept off the host after its release, releasePolicy Keep)" : "")
                        + "; this reservation becomes Ready by itself once the holder releases them, or choose other APQNs";
                String hash = decisionHash(r, "Conflict", holder, contested.keySet());
                decisions.put(r.key(), new Decision.Conflict(holder, new TreeSet<>(contested.keySet()), msg, cur, hash));
                retain(r);
                return;
            }

            UUID uuid = r.mdevUuid().or(() -> cur.map(Allocation::mdev))
                    .orElseGet(() -> derivedMdevUuid(node.nodeName(), r.key()));
            Set<Apqn> rect = new HashSet<>(apqns);
            Cover cover = null;
            SortedSet<Apqn> edits = new TreeSet<>();
            if (masks) {
                cover = bestCover(rect, r.key(), true);
                if (cover.blocked()) {
                    refuse(r, ReasonCode.PolicyKept, "every mask cover of " + matrixText(matrix) + " takes APQNs that"
                            + " APQNPolicy " + policy.name() + " keeps for the host: clearing adapter bits "
                            + ids(cover.rows()) + " would take " + cover.blockingA() + ", clearing domain bits "
                            + ids(cover.cols()) + " would take " + cover.blockingD() + "; choose other APQNs in spec.apqns,"
                            + " or ask the admin to release them (or use a driver_override node)", cover.blocking());
                    return;
                }
            } else {
                apqns.stream().filter(q -> !node.foreignOverrides().contains(q) && !overrides.contains(q)).forEach(edits::add);
            }
            SortedSet<Apqn> collateral = cover == null ? new TreeSet<>() : cover.collateral();
            List<String> notes = new ArrayList<>();
            if (!outside.isEmpty()) {
                notes.add(outsideNote(matrix, outside));
            }
            ApMask badCtl = matrix.controlDomains().andNot(node.configuredControlDomains());
            if (!badCtl.isEmpty()) {
                notes.add("spec.controlDomains " + badCtl.toRangeList() + " are not control domains of node "
                        + node.nodeName() + " (" + node.configuredControlDomains().toRangeList() + "); the kernel filters"
                        + " them out of the guest's matrix");
            }
            SortedSet<Apqn> missingQueues = new TreeSet<>();
            for (Apqn q : apqns) {
                if (!node.queues().containsKey(q) && !outside.contains(q)) {
                    missingQueues.add(q);
                }
            }
            if (!missingQueues.isEmpty()) {
                notes.add("no queue device exists yet for " + missingQueues + "; the kernel keeps their adapters out of"
                        + " the guest (guest_matrix) until they appear");
            }
            SortedSet<Apqn> affected = new TreeSet<>();
            cur.ifPresent(c -> {
                Set<Integer> dropped = missingQueues.stream()
                        .filter(q -> node.configuredAdapters().get(q.adapter()) && node.configuredDomains().get(q.domain()))
                        .map(Apqn::adapter).collect(Collectors.toSet());
                for (Apqn q : c.matrix().apqns()) {
                    QueueInfo qi = node.queues().get(q);
                    if (qi != null && qi.inUse() && (!matrix.contains(q) || dropped.contains(q.adapter()))) {
                        affected.add(q);
                    }
                }
            });
            ApMask aBits = cover == null ? ApMask.none() : cover.newA();
            ApMask dBits = cover == null ? ApMask.none() : cover.newD();
            String hash = new PlanHash().line("node", node.nodeName()).line("mode", node.mode())
                    .line("generation", node.inventoryGeneration()).line("reservation", r.key())
                    .matrix("matrix", matrix).line("mdev", uuid).mask("adapterBits", aBits).mask("domainBits", dBits)
                    .apqns("overrides", edits).apqns("collateral", collateral).apqns("affected", affected).hash();
            ReservationPlan plan = new ReservationPlan(matrix, uuid, aBits, dBits, edits, collateral, affected, notes, hash);

            boolean unchanged = cur.isPresent() && cur.get().matrix().equals(matrix) && cur.get().mdev().equals(uuid);
            String why = null;
            if (!unchanged && r.approval() == ApprovalMode.MANUAL) {
                why = "approval: Manual; set spec.approvedPlan to " + hash + " to run this plan";
            } else if (!unchanged && policy.collateralNeedsApproval() && !collateral.isEmpty()) {
                why = "APQNPolicy " + policy.name() + " requires approval for collateral " + collateral
                        + "; set spec.approvedPlan to " + hash + " to run this plan";
            }
            if (why != null && !r.approvedHash().filter(hash::equals).isPresent()) {
                decisions.put(r.key(), new Decision.AwaitingApproval(plan, why, cur));
                retain(r);
                return;
            }
            if (cover != null) {
                apply(cover, r.key());
            }
            overrides.addAll(edits);
            allocate(r.key(), matrix, uuid);
            decisions.put(r.key(), new Decision.Allocated(plan));
        }

        /**
         * Ids above the node's maximum (ap_max_adapter_id / ap_max_domain_id): the kernel refuses the
         * assignment itself (ENODEV, ap-bus.md §1.8) on every kind of node, so the plan would never
         * converge. Returns true if the reservation was refused.
         */
        private boolean refuseAboveMaximum(ReservationInput r, Matrix matrix) {
            ApMask aHigh = above(matrix.adapters(), node.maxAdapterId());
            ApMask dHigh = above(matrix.domains(), node.maxDomainId());
            ApMask cHigh = above(matrix.controlDomains(), node.maxDomainId());
            if (aHigh.isEmpty() && dHigh.isEmpty() && cHigh.isEmpty()) {
                return false;
            }
            List<String> parts = new ArrayList<>();
            if (!aHigh.isEmpty()) {
                parts.add("adapters " + aHigh.toRangeList() + " are above the node's maximum adapter id "
                        + node.maxAdapterId() + " (ap_max_adapter_id)");
            }
            if (!dHigh.isEmpty()) {
                parts.add("usage domains " + dHigh.toRangeList() + " are above the node's maximum domain id "
                        + node.maxDomainId() + " (ap_max_domain_id)");
            }
            if (!cHigh.isEmpty()) {
                parts.add("spec.controlDomains " + cHigh.toRangeList() + " are above the node's maximum domain id "
                        + node.maxDomainId() + " (ap_max_domain_id)");
            }
            SortedSet<Apqn> high = new TreeSet<>();
            matrix.apqns().stream().filter(q -> aHigh.get(q.adapter()) || dHigh.get(q.domain())).forEach(high::add);
            refuse(r, ReasonCode.NotOnNode, (high.isEmpty() ? "" : "spec.apqns " + high + ": ") + "on node "
                    + node.nodeName() + " " + String.join(", ", parts)
                    + ": the kernel refuses to assign them (ENODEV; a machine without APXA has adapters 0-63 and domains"
                    + " 0-15); choose adapters 0-" + node.maxAdapterId() + " and domains 0-" + node.maxDomainId()
                    + ", or a node whose machine has them", high);
            return true;
        }

        private static ApMask above(ApMask ids, int max) {
            return max >= NodeInput.MAX_ID ? ApMask.none() : ids.andNot(ApMask.fromRange(0, max));
        }

        /** Why this node's kernel cannot take an APQN that is outside its host configuration. */
        private String whyThisKernelRefuses() {
            if (!masks) {
                return "this node uses driver_override (6.19+), where the masks stay all ones and a queue that does not"
                        + " exist cannot get an override, so the kernel keeps it host-owned and refuses the assignment"
                        + " (EADDRNOTAVAIL)";
            }
            return "this node's vfio_ap is not known to be 6.0+ (the agent does not report guest_matrix): before 6.0"
                    + " every assigned APQN must be a queue bound to vfio_ap, so the kernel refuses the assignment"
                    + " (EADDRNOTAVAIL)";
        }

        /** The warning for APQNs outside the host configuration on a node whose kernel accepts them. */
        private String outsideNote(Matrix matrix, SortedSet<Apqn> outside) {
            ApMask a = matrix.adapters().andNot(node.configuredAdapters());
            ApMask d = matrix.domains().andNot(node.configuredDomains());
            List<String> what = new ArrayList<>();
            if (!a.isEmpty()) {
                what.add("adapter" + (a.cardinality() == 1 ? " " : "s ") + a.toRangeList());
            }
            if (!d.isEmpty()) {
                what.add("domain" + (d.cardinality() == 1 ? " " : "s ") + d.toRangeList());
            }
            int count = a.cardinality() + d.cardinality();
            return String.join(" and ", what) + (count == 1 ? " is" : " are") + " not in node " + node.nodeName()
                    + "'s host configuration: the kernel accepts the assignment but filters it out of guest_matrix, so the"
                    + " reservation will be Degraded (APQNs " + outside + ")";
        }

        private void refuse(ReservationInput r, ReasonCode code, String message, Collection<Apqn> apqns) {
            String hash = decisionHash(r, "Refused/" + code, message, apqns);
            decisions.put(r.key(), new Decision.Refused(code, message, new TreeSet<>(apqns), r.current(), hash));
            retain(r);
        }

        /** A holder whose new request did not go through keeps what it has. */
        private void retain(ReservationInput r) {
            if (r.current().isEmpty()) {
                return;
            }
            Allocation c = r.current().get();
            Set<Apqn> rect = new HashSet<>(c.matrix().apqns());
            if (masks) {
                apply(bestCover(rect, r.key(), false), r.key());
            } else {
                rect.stream().filter(q -> !node.foreignOverrides().contains(q)).forEach(overrides::add);
            }
            allocate(r.key(), c.matrix(), c.mdev());
        }

        private void allocate(String key, Matrix matrix, UUID uuid) {
            List<Apqn> apqns = matrix.apqns();
            apqns.forEach(q -> {
                heldBy.put(q, key);
                mark(q);
            });
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

        private String decisionHash(ReservationInput r, String decision, Object detail, Collection<Apqn> apqns) {
            return new PlanHash().line("node", node.nodeName()).line("generation", node.inventoryGeneration())
                    .line("reservation", r.key()).line("decision", decision).line("detail", detail)
                    .apqns("apqns", apqns).hash();
        }

        // ---------------------------------------------------------------- selection

        private Optional<Matrix> select(ReservationInput r, ReservationRequest.Selection sel) {
            Selector.Result res = new Selector(this, r, sel).run();
            if (res.matrix() == null) {
                refuse(r, ReasonCode.NoCapacity, res.message(), Set.of());
                return Optional.empty();
            }
            return Optional.of(res.matrix());
        }

        /** Free for a new selection: an existing queue that nobody holds, keeps, uses or took off the host. */
        boolean freeForSelection(Apqn q, ReservationInput r, ReservationRequest.Selection sel) {
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
            if (foreignMdevOf.containsKey(q) || heldOffByForeign(q) || keptSet.contains(q) || adminApqns.contains(q)) {
                return false;
            }
            if (!policy.grants(r.namespace(), q)) {
                return false;
            }
            String h = heldBy.getOrDefault(q, currentHolder.get(q));
            return h == null || h.equals(r.key());
        }

        Map<Integer, BitSet> domainsByAdapter(ReservationInput r, ReservationRequest.Selection sel) {
            Map<Integer, BitSet> out = new TreeMap<>();
            for (Apqn q : node.queues().keySet()) {
                if (freeForSelection(q, r, sel)) {
                    out.computeIfAbsent(q.adapter(), k -> new BitSet()).set(q.domain());
                }
            }
            return out;
        }

        // ---------------------------------------------------------------- mask covers

        record Cover(BitSet rows, BitSet cols, boolean useAdapters, boolean blocked, SortedSet<Apqn> blockingA,
                     SortedSet<Apqn> blockingD, SortedSet<Apqn> collateral, int newCost, int totalCost) {

            SortedSet<Apqn> blocking() {
                SortedSet<Apqn> b = new TreeSet<>(blockingA);
                b.addAll(blockingD);
                return b;
            }

            ApMask newA() {
                return useAdapters && !blocked ? ApMask.of(rows.stream().toArray()) : ApMask.none();
            }

            ApMask newD() {
                return !useAdapters && !blocked ? ApMask.of(cols.stream().toArray()) : ApMask.none();
            }
        }

        /**
         * The cheapest cover of {@code rect} (must be a full rectangle) in the target so far. With {@code strict},
         * a cover that takes a kept APQN is not allowed and {@code blocked} reports that both are
         * forbidden; without it the cheaper forbidden one is returned (for claims that must hold).
         */
        Cover bestCover(Set<Apqn> rect, String self, boolean strict) {
            return bestCover(rect, self, strict, true);
        }

        /** {@code collect=false} prices only: the collateral set stays empty, the counts are exact. */
        Cover bestCover(Set<Apqn> rect, String self, boolean strict, boolean collect) {
            BitSet rows = new BitSet();
            BitSet cols = new BitSet();
            for (Apqn q : rect) {
                if (!offA.get(q.adapter()) && !offD.get(q.domain())) {
                    rows.set(q.adapter());
                    cols.set(q.domain());
                }
            }
            SortedSet<Apqn> emptySet = new TreeSet<>();
            if (rows.isEmpty()) {
                return new Cover(rows, cols, true, false, emptySet, emptySet, emptySet, 0, 0);
            }
            SortedSet<Apqn> blockA = new TreeSet<>();
            SortedSet<Apqn> blockD = new TreeSet<>();
            for (Apqn k : keptSet) {
                if (rect.contains(k) || offA.get(k.adapter()) || offD.get(k.domain()) || heldBy.containsKey(k)
                        || currentHolder.containsKey(k)) {
                    continue;
                }
                if (rows.get(k.adapter())) {
                    blockA.add(k);
                }
                if (cols.get(k.domain())) {
                    blockD.add(k);
                }
            }
            int[] costA = new int[2];
            int[] costD = new int[2];
            BitSet rectA = new BitSet();
            BitSet rectD = new BitSet();
            rect.forEach(q -> {
                rectA.set(q.adapter());
                rectD.set(q.domain());
            });
            SortedSet<Apqn> colA = collateral(rows, true, rectA, rectD, self, costA, collect);
            SortedSet<Apqn> colD = collateral(cols, false, rectA, rectD, self, costD, collect);
            boolean okA = blockA.isEmpty();
            boolean okD = blockD.isEmpty();
            boolean chooseA;
            if (okA != okD) {
                chooseA = okA;
            } else {
                Comparator<int[]> byCost = Comparator.<int[]>comparingInt(c -> c[0]).thenComparingInt(c -> c[1]);
                int cmp = byCost.compare(costA, costD);
                chooseA = cmp < 0 || cmp == 0 && rows.cardinality() <= cols.cardinality();
            }
            boolean blocked = !okA && !okD && strict;
            return chooseA
                    ? new Cover(rows, cols, true, blocked, blockA, blockD, colA, costA[0], costA[1])
                    : new Cover(rows, cols, false, blocked, blockA, blockD, colD, costD[0], costD[1]);
        }

        /**
         * Collateral of clearing {@code bits} (adapters or domains): APQNs of U still host-owned in the
         * target, outside the rectangle rectA×rectD, not claimed by another holder, KEPT, ADMIN or a
         * foreign mdev. {@code cost[0]} counts those host-owned now (new collateral), {@code cost[1]} all.
         * Word-parallel on BitSets; per-APQN work only for claimed APQNs and when collecting.
         */
        SortedSet<Apqn> collateral(BitSet bits, boolean adapters, BitSet rectA, BitSet rectD, String self, int[] cost,
                                   boolean collect) {
            SortedSet<Apqn> out = new TreeSet<>();
            int fresh = 0;
            int total = 0;
            for (int b = bits.nextSetBit(0); b >= 0; b = bits.nextSetBit(b + 1)) {
                BitSet cand = (BitSet) (adapters ? uByA[b] : uByD[b]).clone();
                cand.andNot(adapters ? offD : offA);
                if ((adapters ? rectA : rectD).get(b)) {
                    cand.andNot(adapters ? rectD : rectA);
                }
                BitSet claimed = (BitSet) (adapters ? claimedByA[b] : claimedByD[b]).clone();
                claimed.and(cand);
                for (int o = claimed.nextSetBit(0); o >= 0; o = claimed.nextSetBit(o + 1)) {
                    Apqn q = adapters ? Apqn.of(b, o) : Apqn.of(o, b);
                    String h = heldBy.getOrDefault(q, currentHolder.get(q));
                    if (foreignMdevOf.containsKey(q) || adminApqns.contains(q) || h != null && !h.equals(self)) {
                        cand.clear(o);
                    }
                }
                total += cand.cardinality();
                boolean bitHostNow = (adapters ? apmaskBits : aqmaskBits).get(b);
                if (bitHostNow) {
                    BitSet now = (BitSet) cand.clone();
                    now.and(adapters ? aqmaskBits : apmaskBits);
                    fresh += now.cardinality();
                }
                if (collect) {
                    for (int o = cand.nextSetBit(0); o >= 0; o = cand.nextSetBit(o + 1)) {
                        out.add(adapters ? Apqn.of(b, o) : Apqn.of(o, b));
                    }
                }
            }
            cost[0] = fresh;
            cost[1] = total;
            return out;
        }

        /** New collateral and total collateral of the best allowed cover of a candidate rectangle; null if none is allowed. */
        int[] coverCost(Set<Apqn> rect, String self) {
            Cover c = bestCover(rect, self, true, false);
            return c.blocked() ? null : new int[] {c.newCost(), c.totalCost()};
        }

        private void apply(Cover c, String owner) {
            if (c.useAdapters()) {
                for (int a = c.rows().nextSetBit(0); a >= 0; a = c.rows().nextSetBit(a + 1)) {
                    offA.set(a);
                    opA.set(a);
                    if (bitOwnerA[a] == null) {
                        bitOwnerA[a] = owner;
                    }
                }
            } else {
                for (int d = c.cols().nextSetBit(0); d >= 0; d = c.cols().nextSetBit(d + 1)) {
                    offD.set(d);
                    opD.set(d);
                    if (bitOwnerD[d] == null) {
                        bitOwnerD[d] = owner;
                    }
                }
            }
        }

        // ---------------------------------------------------------------- helpers

        boolean inU(Apqn q) {
            return uByA[q.adapter()].get(q.domain());
        }

        boolean hostOwnedNow(Apqn q) {
            if (masks) {
                return node.apmask().get(q.adapter()) && node.aqmask().get(q.domain());
            }
            QueueInfo qi = node.queues().get(q);
            return qi == null || qi.hostOwned();
        }

        boolean heldOffByForeign(Apqn q) {
            return foreignA.get(q.adapter()) || foreignD.get(q.domain()) || node.foreignOverrides().contains(q);
        }

        BitSet offA() {
            return offA;
        }

        BitSet offD() {
            return offD;
        }

        BitSet adapterUniverse(int a) {
            return uByA[a];
        }

        BitSet domainUniverse(int d) {
            return uByD[d];
        }

        private static boolean isRectangle(Collection<Apqn> apqns) {
            long rows = apqns.stream().map(Apqn::adapter).distinct().count();
            long cols = apqns.stream().map(Apqn::domain).distinct().count();
            return rows * cols == new HashSet<>(apqns).size();
        }

        private static String ids(BitSet b) {
            return ApMask.of(b.stream().toArray()).toRangeList();
        }

        private static String matrixText(Matrix m) {
            return "adapters " + m.adapters().toRangeList() + " x domains " + m.domains().toRangeList();
        }

        // ---------------------------------------------------------------- output

        private NodePlan finish() {
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
                Map<String, SortedSet<Apqn>> collateral = new LinkedHashMap<>();
                for (int a = 0; a < ApMask.BITS; a++) {
                    for (int d = uByA[a].nextSetBit(0); d >= 0; d = uByA[a].nextSetBit(d + 1)) {
                        Apqn q = Apqn.of(a, d);
                        if (foreignA.get(a) || foreignD.get(d) || !(opA.get(a) || opD.get(d)) || claimed.contains(q)
                                || foreignMdevOf.containsKey(q)) {
                            continue;
                        }
                        String owner = opA.get(a) ? bitOwnerA[a] : bitOwnerD[d];
                        collateral.computeIfAbsent(owner, k -> new TreeSet<>()).add(q);
                    }
                }
                new TreeMap<>(collateral).forEach((k, v) -> claims.add(new OffHostClaim(OffHostClaim.Kind.COLLATERAL, k, v)));
            }
            ApMask aOff = masks ? ApMask.of(opA.stream().toArray()) : ApMask.none();
            ApMask dOff = masks ? ApMask.of(opD.stream().toArray()) : ApMask.none();
            HostTarget target = new HostTarget(node.mode(), aOff, dOff, masks ? new TreeSet<>() : overrides, mdevs, claims,
                    node.inventoryGeneration());
            return new NodePlan(target, decisions, PlanHash.of(node.nodeName(), target), warnings);
        }
    }

    /**
     * Picks {@code adapters} × {@code domains} free APQNs. The exact problem (a least-collateral
     * biclique) is NP-hard in general, so this is a bounded greedy search: every adapter with enough
     * free domains seeds two groups (adapters sharing the most free domains with the seed; adapters
     * that cost the host least), each group gets two domain choices (least domain-cover collateral;
     * lowest ids), and every candidate is priced with the exact cover cost. The cheapest wins, ties to
     * the lowest adapter ids, then domain ids. O(A² + A·(D·n + cover)) for A candidate adapters.
     */
    private static final class Selector {
        record Result(Matrix matrix, String message) {
        }

        private final Run run;
        private final ReservationInput r;
        private final ReservationRequest.Selection sel;

        Selector(Run run, ReservationInput r, ReservationRequest.Selection sel) {
            this.run = run;
            this.r = r;
            this.sel = sel;
        }

        Result run() {
            int n = sel.adapters();
            int m = sel.domains();
            Map<Integer, BitSet> free = run.domainsByAdapter(r, sel);
            List<Integer> ac = free.entrySet().stream().filter(e -> e.getValue().cardinality() >= m)
                    .map(Map.Entry::getKey).sorted().toList();
            String what = "spec.select " + n + " adapters x " + m + " domains"
                    + (sel.generations().isEmpty() ? "" : ", generations " + new TreeSet<>(sel.generations()))
                    + (sel.modes().isEmpty() ? "" : ", modes " + new TreeSet<>(sel.modes()));
            String fix = "; free means an existing queue that no reservation holds, the policy does not keep, no foreign"
                    + " mdev uses and nobody else took off the host; lower the counts, relax the filters or release APQNs";
            if (ac.size() < n) {
                return new Result(null, what + " cannot be met on node " + run.node.nodeName() + ": only " + ac.size()
                        + " adapters have " + m + " free matching domains" + fix);
            }
            int[] adapterCost = new int[ApMask.BITS];
            int[] domainCost = new int[ApMask.BITS];
            for (int a = 0; a < ApMask.BITS; a++) {
                BitSet u = run.adapterUniverse(a);
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
                        int[] cost = run.coverCost(rect, r.key());
                        if (cost == null) {
                            continue;
                        }
                        Candidate c = new Candidate(cost[0], cost[1], group, doms);
                        if (best == null || c.compareTo(best) < 0) {
                            best = c;
                        }
                    }
                }
            }
            if (best == null) {
                return new Result(null, what + " cannot be met on node " + run.node.nodeName() + ": no " + n
                        + " adapters share " + m + " free matching domains whose mask cover leaves the policy-kept"
                        + " APQNs with the host" + fix);
            }
            return new Result(Matrix.of(ApMask.of(best.adapters()), ApMask.of(best.domains())), null);
        }

        /** Host-owned now and in the target so far, and not claimed by another: what clearing a bit would cost. */
        private boolean countsForHost(int a, int d) {
            if (run.offA().get(a) || run.offD().get(d)) {
                return false;
            }
            Apqn q = Apqn.of(a, d);
            return run.hostOwnedNow(q) && !run.heldBy.containsKey(q) && !run.currentHolder.containsKey(q);
        }

        private List<Integer> cheapestDomains(BitSet inter, List<Integer> group, int[] domainCost, int m) {
            Map<Integer, Integer> cost = new HashMap<>();
            inter.stream().forEach(d -> {
                int c = run.offD().get(d) ? 0 : domainCost[d];
                for (int a : group) {
                    if (run.adapterUniverse(a).get(d) && countsForHost(a, d)) {
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

        record Candidate(int newCost, int totalCost, List<Integer> adapters, List<Integer> domains)
                implements Comparable<Candidate> {
            @Override
            public int compareTo(Candidate o) {
                int c = Integer.compare(newCost, o.newCost);
                if (c == 0) {
                    c = Integer.compare(totalCost, o.totalCost);
                }
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
}
