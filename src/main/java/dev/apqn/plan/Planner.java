package dev.apqn.plan;

import dev.apqn.apbus.ApMask;
import dev.apqn.apbus.Apqn;
import dev.apqn.apbus.Matrix;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
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

    /**
     * One planning pass: the claims, mdevs and decisions made so far. Who has which APQN is in
     * {@link Occupancy}, the mask target so far in {@link MaskCover}.
     */
    private static final class Run {
        private final NodeInput node;
        private final List<ReservationInput> reservations;
        private final PolicyView policy;
        private final boolean masks;

        private final Occupancy occupancy;
        private final MaskCover maskCover;
        /** Override mode: the queues whose driver_override the operator sets. */
        private final SortedSet<Apqn> overrides = new TreeSet<>();

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
            this.occupancy = new Occupancy(node, policy);
            this.maskCover = new MaskCover(node, occupancy);
        }

        NodePlan run() {
            Set<String> keys = new HashSet<>();
            for (ReservationInput r : reservations) {
                if (!keys.add(r.key())) {
                    throw new IllegalArgumentException("reservation " + r.key() + " is listed twice for node " + node.nodeName());
                }
            }
            for (Apqn k : new TreeSet<>(occupancy.policyKept())) {
                if (occupancy.heldOffByForeign(k) && occupancy.inU(k)) {
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
                r.current().ifPresent(c -> c.matrix().apqns().forEach(q -> occupancy.recordCurrentHolder(q, r.key())
                        .filter(prev -> !prev.equals(r.key()))
                        .ifPresent(prev -> warnings.add("APNodeState.spec records " + q + " for both " + prev + " and "
                                + r.key() + "; " + prev + " keeps it"))));
            }
            for (OffHostClaim c : node.keptClaims()) {
                kept.computeIfAbsent(c.owner(), k -> new TreeSet<>()).addAll(c.apqns());
            }
            for (var e : kept.entrySet()) {
                e.getValue().forEach(q -> occupancy.recordCurrentHolder(q, e.getKey()));
            }

            requireForeignMdevs();
            if (!policy.adminOffHost().isEmpty()) {
                admin.put(policy.name(), new TreeSet<>(policy.adminOffHost()));
                policy.adminOffHost().forEach(occupancy::declareAdmin);
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
                            ? !occupancy.hostOwnedNow(q) && !occupancy.heldOffByForeign(q)
                            : node.queues().containsKey(q) && !node.queues().get(q).hostOwned()
                                    && !occupancy.heldOffByForeign(q);
                    if (offByOperator) {
                        need.add(q);
                    }
                }
                if (!need.isEmpty()) {
                    String owner = "mdev/" + m.uuid();
                    admin.computeIfAbsent(owner, k -> new TreeSet<>()).addAll(need);
                    need.forEach(occupancy::declareAdmin);
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
                MaskCover.Cover c = maskCover.forcedCover(part, owner);
                if (c.blocked()) {
                    warnings.add(what + " need a mask cover that takes policy-kept APQNs " + c.blocking()
                            + " from the host; applied anyway because they are already off the host");
                }
                maskCover.apply(c, owner);
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
            apqns.stream().filter(q -> !occupancy.inU(q)).forEach(outside::add);
            if (!outside.isEmpty() && !node.assignsOutsideHostConfiguration()) {
                refuse(r, ReasonCode.NotOnNode, "spec.apqns " + outside + " are not in node " + node.nodeName()
                        + "'s host configuration (adapters " + node.configuredAdapters().toRangeList() + ", domains "
                        + node.configuredDomains().toRangeList() + ") and have no queue device, and "
                        + whyThisKernelRefuses() + "; choose APQNs the node has, have them added to the LPAR's"
                        + " configuration, or use a mask-mode node with a 6.0+ kernel (it accepts them and reports the"
                        + " reservation Degraded until they are configured)", outside);
                return;
            }
            apqns.stream().filter(occupancy::usedByForeignMdev).forEach(bad::add);
            if (!bad.isEmpty()) {
                Set<UUID> who = bad.stream().map(q -> occupancy.foreignMdev(q).orElseThrow())
                        .collect(Collectors.toCollection(TreeSet::new));
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
            apqns.stream().filter(q -> !own.contains(q) && occupancy.policyKeeps(q)).forEach(bad::add);
            if (!bad.isEmpty()) {
                refuse(r, ReasonCode.PolicyKept, "spec.apqns " + bad + " are kept for the host by APQNPolicy "
                        + policy.name() + " (spec.hostKeep); choose other APQNs or ask the admin to release them", bad);
                return;
            }
            SortedMap<Apqn, String> contested = new TreeMap<>();
            for (Apqn q : apqns) {
                String h = occupancy.holderOf(q);
                if (h != null && !h.equals(r.key())) {
                    contested.put(q, h);
                }
            }
            if (!contested.isEmpty()) {
                String holder = contested.values().iterator().next();
                Set<String> holders = new TreeSet<>(contested.values());
                boolean keptHolder = kept.containsKey(holder) && !occupancy.gotSomethingInThisPlan(holder);
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
            MaskCover.Cover cover = null;
            SortedSet<Apqn> edits = new TreeSet<>();
            if (masks) {
                cover = maskCover.allowedCover(rect, r.key());
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
                maskCover.apply(cover, r.key());
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
                maskCover.apply(maskCover.forcedCover(rect, r.key()), r.key());
            } else {
                rect.stream().filter(q -> !node.foreignOverrides().contains(q)).forEach(overrides::add);
            }
            allocate(r.key(), c.matrix(), c.mdev());
        }

        private void allocate(String key, Matrix matrix, UUID uuid) {
            List<Apqn> apqns = matrix.apqns();
            apqns.forEach(q -> occupancy.hold(q, key));
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
            Selector.Result res = new Selector(node, occupancy, maskCover, policy, r, sel).run();
            if (res.matrix() == null) {
                refuse(r, ReasonCode.NoCapacity, res.message(), Set.of());
                return Optional.empty();
            }
            return Optional.of(res.matrix());
        }

        // ---------------------------------------------------------------- helpers

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
                maskCover.collateralByOwner(claimed)
                        .forEach((k, v) -> claims.add(new OffHostClaim(OffHostClaim.Kind.COLLATERAL, k, v)));
            }
            ApMask aOff = masks ? maskCover.operatorBits(Axis.ADAPTERS) : ApMask.none();
            ApMask dOff = masks ? maskCover.operatorBits(Axis.DOMAINS) : ApMask.none();
            HostTarget target = new HostTarget(node.mode(), aOff, dOff, masks ? new TreeSet<>() : overrides, mdevs, claims,
                    node.inventoryGeneration());
            return new NodePlan(target, decisions, PlanHash.of(node.nodeName(), target), warnings);
        }
    }
}
