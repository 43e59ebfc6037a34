package dev.apqn.plan;

import dev.apqn.ap.ApMask;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.Matrix;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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
 *
 * <h2>Parts</h2>
 * {@link Occupancy} (who has which APQN, U per {@link Axis}), {@link MaskCover} (the target so far,
 * covers priced as {@link CoverCost}), {@link RefusalRules} (every refusal and its message),
 * {@link Selector} (picks a matrix for {@code spec.select}), {@link PlanNotes} (the other sentences),
 * {@link TargetDraft} (the HostTarget being built). The pass itself ({@code Run}) puts them in order.
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
     * One planning pass: the required-off sets, then each reservation in order, and the decisions and
     * node warnings made so far.
     */
    private static final class Run {
        private final NodeInput node;
        private final List<ReservationInput> reservations;
        private final PolicyView policy;
        private final boolean masks;

        private final Occupancy occupancy;
        private final MaskCover maskCover;
        private final RefusalRules rules;
        private final TargetDraft target = new TargetDraft();

        private final SortedMap<String, Decision> decisions = new TreeMap<>();
        private final List<String> warnings = new ArrayList<>();

        Run(NodeInput node, List<ReservationInput> reservations, PolicyView policy) {
            this.node = node;
            this.reservations = reservations;
            this.policy = policy;
            this.masks = node.mode() == OwnershipMode.MASKS;
            this.occupancy = new Occupancy(node, policy);
            this.maskCover = new MaskCover(node, occupancy);
            this.rules = new RefusalRules(node, occupancy, policy);
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
                    warnings.add(PlanNotes.keptButTakenBySomeoneElse(k));
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
                        .ifPresent(prev -> warnings.add(PlanNotes.recordedForBoth(q, prev, r.key())))));
            }
            for (OffHostClaim c : node.keptClaims()) {
                target.keep(c.owner(), c.apqns());
            }
            for (var e : target.kept().entrySet()) {
                e.getValue().forEach(q -> occupancy.recordCurrentHolder(q, e.getKey()));
            }

            requireForeignMdevs();
            if (!policy.adminOffHost().isEmpty()) {
                target.declareAdmin(policy.name(), policy.adminOffHost());
                policy.adminOffHost().forEach(occupancy::declareAdmin);
                require(policy.adminOffHost(), policy.name(), PlanNotes.adminDeclared(policy.name()));
            }
            for (var e : target.kept().entrySet()) {
                require(e.getValue(), e.getKey(), PlanNotes.keptClaim(e.getKey()));
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
                    target.keep(r.key(), held);
                    notes.add(PlanNotes.keptAfterRelease(held.size(), r.key()));
                }
                if (!affected.isEmpty()) {
                    notes.add(PlanNotes.guestStillUses(affected));
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
                    target.declareAdmin(owner, need);
                    need.forEach(occupancy::declareAdmin);
                    require(need, owner, PlanNotes.foreignMdevClaim(m.uuid()));
                }
            }
        }

        /** Makes a non-reservation claim's APQNs non-host-owned; never refuses. */
        private void require(Collection<Apqn> apqns, String owner, String what) {
            if (!masks) {
                target.override(apqns.stream().filter(q -> !node.foreignOverrides().contains(q)).toList());
                return;
            }
            List<Set<Apqn>> parts = RefusalRules.isRectangle(apqns) ? List.of(new HashSet<>(apqns))
                    : apqns.stream().map(q -> Set.of(q)).toList();
            for (Set<Apqn> part : parts) {
                MaskCover.Cover c = maskCover.forcedCover(part, owner);
                if (c.blocked()) {
                    warnings.add(PlanNotes.claimCoverTakesKept(what, c.blocking()));
                }
                maskCover.apply(c, owner);
            }
        }

        // ---------------------------------------------------------------- reservations

        /**
         * The request's shape, its matrix (picked once for a selection), the refusal rules, holders
         * (Conflict), the mask cover, approval; only a plan that passes all of them is allocated.
         */
        private void decide(ReservationInput r) {
            Set<Apqn> own = new HashSet<>();
            r.current().ifPresent(c -> own.addAll(c.matrix().apqns()));
            target.keptBy(r.key()).ifPresent(own::addAll);

            Optional<Refusal> shape = RefusalRules.shape(r.request());
            if (shape.isPresent()) {
                refuse(r, shape.get());
                return;
            }
            Optional<Matrix> requested = requestedMatrix(r);
            if (requested.isEmpty()) {
                return;
            }
            Matrix matrix = requested.get();
            Optional<Refusal> broken = rules.check(new RefusalRules.Request(r, matrix, own));
            if (broken.isPresent()) {
                refuse(r, broken.get());
                return;
            }
            SortedMap<Apqn, String> contested = heldByOthers(r, matrix);
            if (!contested.isEmpty()) {
                conflict(r, contested);
                return;
            }

            UUID uuid = r.mdevUuid().or(() -> r.current().map(Allocation::mdev))
                    .orElseGet(() -> derivedMdevUuid(node.nodeName(), r.key()));
            MaskCover.Cover cover = null;
            SortedSet<Apqn> edits = new TreeSet<>();
            if (masks) {
                cover = maskCover.allowedCover(new HashSet<>(matrix.apqns()), r.key());
                if (cover.blocked()) {
                    refuse(r, rules.everyCoverTakesKept(matrix, cover));
                    return;
                }
            } else {
                matrix.apqns().stream().filter(q -> !node.foreignOverrides().contains(q) && !target.overridden(q))
                        .forEach(edits::add);
            }
            ReservationPlan plan = preview(r, matrix, uuid, cover, edits);
            Optional<String> why = needsApproval(r, plan);
            if (why.isPresent() && !r.approvedHash().filter(plan.hash()::equals).isPresent()) {
                decisions.put(r.key(), new Decision.AwaitingApproval(plan, why.get(), r.current()));
                retain(r);
                return;
            }
            if (cover != null) {
                maskCover.apply(cover, r.key());
            }
            target.override(edits);
            allocate(r.key(), matrix, uuid);
            decisions.put(r.key(), new Decision.Allocated(plan));
        }

        /** The explicit rectangle, a holder's current matrix, or a new selection (refused when none fits). */
        private Optional<Matrix> requestedMatrix(ReservationInput r) {
            if (r.request() instanceof ReservationRequest.Explicit ex) {
                return Optional.of(Matrix.ofRectangle(ex.apqns()).withControlDomains(ex.controlDomains()));
            }
            if (r.current().isPresent()) {
                return Optional.of(r.current().get().matrix());
            }
            ReservationRequest.Selection sel = (ReservationRequest.Selection) r.request();
            Selector.Result picked = new Selector(node, occupancy, maskCover, policy, r, sel).run();
            if (picked.matrix() == null) {
                refuse(r, picked.refusal());
                return Optional.empty();
            }
            return Optional.of(picked.matrix().withControlDomains(sel.controlDomainsFor(picked.matrix())));
        }

        /** The matrix's APQNs another reservation holds (or got earlier in this plan), with that holder. */
        private SortedMap<Apqn, String> heldByOthers(ReservationInput r, Matrix matrix) {
            SortedMap<Apqn, String> contested = new TreeMap<>();
            for (Apqn q : matrix.apqns()) {
                String h = occupancy.holderOf(q);
                if (h != null && !h.equals(r.key())) {
                    contested.put(q, h);
                }
            }
            return contested;
        }

        private void conflict(ReservationInput r, SortedMap<Apqn, String> contested) {
            String holder = contested.values().iterator().next();
            Set<String> holders = new TreeSet<>(contested.values());
            boolean keptHolder = target.keptBy(holder).isPresent() && !occupancy.gotSomethingInThisPlan(holder);
            SortedSet<Apqn> apqns = new TreeSet<>(contested.keySet());
            String msg = PlanNotes.heldByOthers(apqns, holders, keptHolder);
            String hash = decisionHash(r, "Conflict", holder, contested.keySet());
            decisions.put(r.key(), new Decision.Conflict(holder, apqns, msg, r.current(), hash));
            retain(r);
        }

        /** Exactly what allocating {@code matrix} does to the node, with its notes and its hash. */
        private ReservationPlan preview(ReservationInput r, Matrix matrix, UUID uuid, MaskCover.Cover cover,
                                       SortedSet<Apqn> edits) {
            List<Apqn> apqns = matrix.apqns();
            SortedSet<Apqn> outside = occupancy.outside(matrix);
            SortedSet<Apqn> collateral = cover == null ? new TreeSet<>() : cover.collateral();
            List<String> notes = new ArrayList<>();
            if (!outside.isEmpty()) {
                notes.add(PlanNotes.outsideHostConfiguration(node, matrix, outside));
            }
            ApMask badCtl = matrix.controlDomains().andNot(node.configuredControlDomains());
            if (!badCtl.isEmpty()) {
                notes.add(PlanNotes.controlDomainsNotConfigured(node, badCtl));
            }
            SortedSet<Apqn> missingQueues = new TreeSet<>();
            for (Apqn q : apqns) {
                if (!node.queues().containsKey(q) && !outside.contains(q)) {
                    missingQueues.add(q);
                }
            }
            if (!missingQueues.isEmpty()) {
                notes.add(PlanNotes.noQueueDeviceYet(missingQueues));
            }
            SortedSet<Apqn> affected = new TreeSet<>();
            r.current().ifPresent(c -> {
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
            return new ReservationPlan(matrix, uuid, aBits, dBits, edits, collateral, affected, notes, hash);
        }

        /** Why a changed plan waits for {@code spec.approvedPlan}: Manual approval, or collateral the policy wants approved. */
        private Optional<String> needsApproval(ReservationInput r, ReservationPlan plan) {
            Optional<Allocation> cur = r.current();
            boolean unchanged = cur.isPresent() && cur.get().matrix().equals(plan.matrix()) && cur.get().mdev().equals(plan.mdev());
            if (unchanged) {
                return Optional.empty();
            }
            if (r.approval() == ApprovalMode.MANUAL) {
                return Optional.of(PlanNotes.manualApproval(plan.hash()));
            }
            if (policy.collateralNeedsApproval() && !plan.collateral().isEmpty()) {
                return Optional.of(PlanNotes.collateralNeedsApproval(policy.name(), plan.collateral(), plan.hash()));
            }
            return Optional.empty();
        }

        private void refuse(ReservationInput r, Refusal refusal) {
            String hash = decisionHash(r, "Refused/" + refusal.reason(), refusal.message(), refusal.apqns());
            decisions.put(r.key(), new Decision.Refused(refusal.reason(), refusal.message(), refusal.apqns(), r.current(),
                    hash));
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
                target.override(rect.stream().filter(q -> !node.foreignOverrides().contains(q)).toList());
            }
            allocate(r.key(), c.matrix(), c.mdev());
        }

        private void allocate(String key, Matrix matrix, UUID uuid) {
            matrix.apqns().forEach(q -> occupancy.hold(q, key));
            target.allocate(key, matrix, uuid);
        }

        private String decisionHash(ReservationInput r, String decision, Object detail, Collection<Apqn> apqns) {
            return new PlanHash().line("node", node.nodeName()).line("generation", node.inventoryGeneration())
                    .line("reservation", r.key()).line("decision", decision).line("detail", detail)
                    .apqns("apqns", apqns).hash();
        }

        // ---------------------------------------------------------------- output

        private NodePlan finish() {
            HostTarget t = target.build(node, maskCover);
            return new NodePlan(t, decisions, PlanHash.of(node.nodeName(), t), warnings);
        }
    }
}
