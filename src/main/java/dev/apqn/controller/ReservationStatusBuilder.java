package dev.apqn.controller;

import dev.apqn.ap.ApMask;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.Matrix;
import dev.apqn.api.v1alpha1.APNodeStateStatus;
import dev.apqn.api.v1alpha1.APQNReservation;
import dev.apqn.api.v1alpha1.APQNReservationStatus;
import dev.apqn.api.v1alpha1.AffectedGuest;
import dev.apqn.api.v1alpha1.Approval;
import dev.apqn.api.v1alpha1.ApqnState;
import dev.apqn.api.v1alpha1.MatrixStatus;
import dev.apqn.api.v1alpha1.MdevStatus;
import dev.apqn.api.v1alpha1.MdevUuids;
import dev.apqn.api.v1alpha1.NodeMode;
import dev.apqn.api.v1alpha1.Phase;
import dev.apqn.api.v1alpha1.PlanStatus;
import dev.apqn.api.v1alpha1.ReservationSync;
import dev.apqn.api.v1alpha1.UsageStatus;
import dev.apqn.plan.Decision;
import dev.apqn.plan.NodeInput;
import dev.apqn.plan.QueueInfo;

import dev.apqn.plan.ReservationPlan;
import dev.apqn.status.Conditions;
import dev.apqn.status.Reason;
import io.fabric8.kubernetes.api.model.Condition;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The one place that builds an APQNReservation's status (style §4 practice 13): from the planner's
 * decision and the agent's per-reservation report, or from a precondition that stops planning
 * (node missing, agent missing, releasing). Pure: the same inputs give an equal status, and
 * {@code lastTransitionTime} only moves when a condition's status flips.
 */
public final class ReservationStatusBuilder {

    /** Per-APQN detail is listed up to this many APQNs (the summary and matrix cover larger ones). */
    public static final int MAX_QUEUE_ENTRIES = 256;

    /** What the node's agent reports about this reservation. */
    public record AgentReport(Optional<ReservationSync> sync, Optional<MdevStatus> mdev, Optional<APNodeStateStatus> node) {
        public static AgentReport none() {
            return new AgentReport(Optional.empty(), Optional.empty(), Optional.empty());
        }

        public static AgentReport of(APNodeStateStatus st, String key, String mdevUuid) {
            if (st == null) {
                return none();
            }
            Optional<ReservationSync> sync = st.getReservations() == null ? Optional.empty()
                    : st.getReservations().stream().filter(s -> key.equals(s.getReservation())).findFirst();
            Optional<MdevStatus> mdev = st.getMdevs() == null ? Optional.empty()
                    : st.getMdevs().stream().filter(m -> mdevUuid.equals(m.getUuid())).findFirst();
            return new AgentReport(sync, mdev, Optional.of(st));
        }

        Optional<ReservationSync.State> state() {
            return sync.map(ReservationSync::getState);
        }
    }

    private final APQNReservation r;
    private final APQNReservationStatus old;
    private final String now;
    private final APQNReservationStatus s = new APQNReservationStatus();
    private List<Condition> conditions;

    private ReservationStatusBuilder(APQNReservation r, String now) {
        this.r = r;
        this.old = r.getStatus();
        this.now = now;
        this.conditions = old == null || old.getConditions() == null ? new ArrayList<>() : new ArrayList<>(old.getConditions());
        s.setObservedGeneration(r.getMetadata().getGeneration());
        s.setMdevUuid(MdevUuids.of(r).toString());
    }

    // ------------------------------------------------------------------ entry points

    /** Planning cannot start: Stalled (or Reconciling when {@code waiting}) with the reason and message. */
    public static APQNReservationStatus blocked(APQNReservation r, String node, boolean waiting, Reason reason,
                                                String message, String now) {
        var b = new ReservationStatusBuilder(r, now);
        b.s.setNode(node);
        b.keepPlanFromOld();
        b.s.setPhase(Phase.Pending);
        b.conds(false, reason, waiting, reason, !waiting, reason, false, null, false, null, message);
        b.conditions = Conditions.remove(b.conditions, Conditions.IN_USE);
        return b.finish();
    }

    /** The agent is not running on the reservation's node: whatever it reported before may be stale. */
    public static APQNReservationStatus agentUnavailable(APQNReservation r, String node, String message, String now) {
        var b = new ReservationStatusBuilder(r, now);
        b.s.setNode(node);
        b.keepPlanFromOld();
        Phase phase = r.getMetadata().getDeletionTimestamp() != null ? Phase.Releasing
                : b.old != null && b.old.getPhase() != null ? b.old.getPhase() : Phase.Pending;
        b.s.setPhase(phase);
        b.conds(false, Reason.AgentUnavailable, false, Reason.AgentUnavailable, true, Reason.AgentUnavailable,
                false, null, false, null, message);
        return b.finish();
    }

    /** A status for the planner's decision on this reservation and the agent's report. */
    public static APQNReservationStatus fromDecision(APQNReservation r, String node, Decision d, NodeInput input,
                                                     boolean collateralNeedsApproval, AgentReport report, String now) {
        var b = new ReservationStatusBuilder(r, now);
        b.s.setNode(node);
        if (d instanceof Decision.Allocated a) {
            b.allocated(a.plan(), input, collateralNeedsApproval, report);
        } else if (d instanceof Decision.AwaitingApproval w) {
            b.awaiting(w, input, collateralNeedsApproval, report);
        } else if (d instanceof Decision.Conflict c) {
            b.conflict(c);
        } else if (d instanceof Decision.Refused f) {
            b.refused(f);
        } else if (d instanceof Decision.Released rel) {
            b.releasing(rel, report);
        }
        // who uses the mdev (prepared ResourceClaims), as the agent's kubelet plugin reports it
        b.s.setConsumers(report.sync().map(ReservationSync::getConsumers).filter(c -> !c.isEmpty()).orElse(null));
        return b.finish();
    }

    // ------------------------------------------------------------------ decisions

    private void allocated(ReservationPlan plan, NodeInput input, boolean collNeedsApproval, AgentReport report) {
        Matrix m = plan.matrix();
        s.setMatrix(MatrixStatus.of(m));
        s.setApqnSummary(summary(m.apqns()));
        s.setPlan(planStatus(plan, input, collNeedsApproval, true));
        s.setUsage(UsageStatus.forMdev(plan.mdev()));
        ReservationSync.State st = report.state().orElse(ReservationSync.State.Pending);
        boolean matrixInPlace = report.mdev().map(md -> md.getMatrix() == null
                || PlanInputs.matrix(md.getMatrix()).adapters().equals(m.adapters())
                && PlanInputs.matrix(md.getMatrix()).domains().equals(m.domains())).orElse(true);
        String detail = report.sync.map(ReservationSync::getMessage).filter(x -> !x.isBlank()).map(x -> ": " + x).orElse("");
        String warn = plan.warnings().isEmpty() ? "" : " Note: " + String.join("; ", plan.warnings()) + ".";
        Reason agentReason = report.sync.map(ReservationSync::getReason).orElse(null);
        if ((st == ReservationSync.State.Ready || st == ReservationSync.State.Drifted) && matrixInPlace) {
            s.setPhase(Phase.Ready);
            s.setQueues(queues(m.apqns(), q -> new ApqnState(q.toString(), ApqnState.State.Ready, null)));
            String repaired = st == ReservationSync.State.Drifted ? " The agent repaired a change made by hand"
                    + (detail.isEmpty() ? "" : " (" + detail.substring(2) + ")") + "." : "";
            conds(true, Reason.Ready, false, Reason.Reconciled, false, Reason.AsExpected, false, null, false, null,
                    "mdev " + plan.mdev() + " on node " + s.getNode() + " holds " + s.getApqnSummary()
                            + "; give it to the guest with status.usage." + repaired + warn);
        } else if (st == ReservationSync.State.Degraded && matrixInPlace) {
            s.setPhase(Phase.Degraded);
            Reason reason = agentReason != null ? agentReason : Reason.FilteredByKernel;
            s.setQueues(queues(m.apqns(), q -> queueState(q, report, input)));
            conds(false, reason, false, Reason.Reconciled, false, Reason.AsExpected, false, null, true, reason,
                    "the mdev exists but the kernel keeps part of the matrix from the guest" + detail + warn);
        } else if (failed(st, agentReason)) {
            // Applying stays the phase (the agent retries every pass), Stalled says a write keeps failing and why
            s.setPhase(Phase.Applying);
            Reason reason = agentReason != null && FAILURES.contains(agentReason) ? agentReason : Reason.AssignFailed;
            s.setQueues(queues(m.apqns(), q -> queueState(q, report, input)));
            conds(false, reason, false, reason, true, reason, false, null, false, null,
                    "the agent on node " + s.getNode() + " could not apply the plan (" + reason + "): "
                            + agentSentence(report, s.getNode()) + "; it retries on every pass: fix the cause on the node, or change"
                            + " or delete the reservation" + warn);
        } else if (st == ReservationSync.State.InUse) {
            s.setPhase(Phase.Applying);
            s.setQueues(queues(m.apqns(), q -> queueState(q, report, input)));
            conds(false, Reason.GuestRunning, true, Reason.GuestRunning, false, Reason.AsExpected, false, null,
                    false, null, "a running guest uses mdev " + plan.mdev() + "; the change waits until it stops" + detail);
            conditions = Conditions.set(conditions, Conditions.IN_USE, true, Reason.GuestRunning,
                    "a running guest uses the mdev", gen(), now);
        } else {
            s.setPhase(Phase.Applying);
            s.setQueues(queues(m.apqns(), q -> queueState(q, report, input)));
            Reason reason = switch (st) {
                case PlanStale -> Reason.InventoryChanged.equals(agentReason) || Reason.NodeModeChanged.equals(agentReason)
                        ? agentReason : Reason.InventoryChanged;
                case Restoring -> Reason.RecoveringIntent;
                default -> Reason.Applying;
            };
            conds(false, reason, true, reason, false, Reason.AsExpected, false, null, false, null,
                    "the agent on node " + s.getNode() + " is applying the plan (" + st + ")" + detail + warn);
        }
        if (st != ReservationSync.State.InUse) {
            conditions = Conditions.remove(conditions, Conditions.IN_USE);
        }
    }

    private void awaiting(Decision.AwaitingApproval w, NodeInput input, boolean collNeedsApproval, AgentReport report) {
        ReservationPlan plan = w.plan();
        s.setMatrix(MatrixStatus.of(plan.matrix()));
        s.setApqnSummary(summary(plan.matrix().apqns()));
        s.setPlan(planStatus(plan, input, collNeedsApproval, false));
        s.setPhase(Phase.AwaitingApproval);
        boolean mismatch = r.getSpec().getApprovedPlan() != null;
        Reason reason = mismatch ? Reason.ApprovedPlanMismatch : Reason.AwaitingApproval;
        s.setQueues(queues(plan.matrix().apqns(), q -> new ApqnState(q.toString(), ApqnState.State.Pending, null)));
        boolean stillReady = w.retained().isPresent() && report.state().filter(x -> x == ReservationSync.State.Ready).isPresent();
        // spec.approvedPlan is only accepted with spec.approval: Manual (CEL), so an Automatic reservation
        // held by a policy's collateral approval switches to Manual in the same patch
        String manual = r.getSpec().getApproval() == Approval.Manual ? "" : "\"approval\":\"Manual\",";
        String howTo = "; approve it with: kubectl -n " + r.getMetadata().getNamespace() + " patch apqnreservation "
                + r.getMetadata().getName() + " --type merge -p '{\"spec\":{" + manual + "\"approvedPlan\":\"" + plan.hash() + "\"}}'";
        String msg = (mismatch ? "spec.approvedPlan " + r.getSpec().getApprovedPlan() + " is not the current plan "
                + plan.hash() + " (the node or other reservations changed); review status.plan again" : "plan "
                + plan.hash() + " waits for approval") + " (" + w.why() + ")" + howTo;
        conds(stillReady, stillReady ? Reason.Ready : reason, true, reason, false, Reason.AsExpected, false, null,
                false, null, msg);
        conditions = Conditions.remove(conditions, Conditions.IN_USE);
    }

    private void conflict(Decision.Conflict c) {
        keepRetained(c.retained());
        s.setPhase(Phase.Conflict);
        List<ApqnState> qs = new ArrayList<>();
        for (Apqn q : c.contested()) {
            qs.add(new ApqnState(q.toString(), ApqnState.State.Conflict, "held by " + c.holder()));
        }
        s.setQueues(qs.size() > MAX_QUEUE_ENTRIES ? null : qs);
        if (s.getApqnSummary() == null) {
            s.setApqnSummary(summary(requested()));
        }
        conds(false, Reason.MatrixConflict, false, Reason.MatrixConflict, true, Reason.MatrixConflict, true,
                Reason.MatrixConflict, false, null, "held by " + c.holder() + ": " + c.message());
        conditions = Conditions.remove(conditions, Conditions.IN_USE);
    }

    private void refused(Decision.Refused f) {
        keepRetained(f.retained());
        Reason reason = f.reason();
        boolean conflict = f.reason() == Reason.ForeignMdev;
        s.setPhase(conflict ? Phase.Conflict : Phase.Pending);
        ApqnState.State qs = switch (f.reason()) {
            case ApqnNotFound, NotRectangle -> ApqnState.State.Missing;
            default -> ApqnState.State.Conflict;
        };
        s.setQueues(queues(f.apqns(), q -> new ApqnState(q.toString(), qs, f.reason().name())));
        if (s.getApqnSummary() == null) {
            s.setApqnSummary(summary(requested()));
        }
        conds(false, reason, false, reason, true, reason, conflict, conflict ? reason : null, false, null, f.message());
        conditions = Conditions.remove(conditions, Conditions.IN_USE);
    }

    private void releasing(Decision.Released rel, AgentReport report) {
        keepPlanFromOld();
        s.setPhase(Phase.Releasing);
        boolean inUse = report.state().filter(x -> x == ReservationSync.State.InUse).isPresent()
                || report.mdev().map(m -> Boolean.TRUE.equals(m.getInUse())).orElse(false);
        String what = rel.kept().isEmpty() ? "giving its APQNs back to the host"
                : "removing the mdev; " + rel.kept().size() + " APQNs stay off the host (releasePolicy Keep)";
        if (inUse) {
            conds(false, Reason.GuestRunning, true, Reason.Releasing, false, Reason.AsExpected, false, null, false,
                    null, "a running guest still uses mdev " + s.getMdevUuid() + "; the release waits until the guest"
                            + " stops (never forced; see docs/operator.md for the force-release annotation)");
            conditions = Conditions.set(conditions, Conditions.IN_USE, true, Reason.GuestRunning,
                    "a running guest uses the mdev and blocks the release", gen(), now);
        } else {
            conds(false, Reason.Releasing, true, Reason.Releasing, false, Reason.AsExpected, false, null, false, null,
                    "releasing: " + what + "; the finalizer goes once the agent reports it released");
            conditions = Conditions.remove(conditions, Conditions.IN_USE);
        }
        if (s.getQueues() != null) {
            s.setQueues(s.getQueues().stream().map(q -> new ApqnState(q.getApqn(), ApqnState.State.Releasing, null)).toList());
        }
    }

    // ------------------------------------------------------------------ helpers

    private APQNReservationStatus finish() {
        s.setConditions(conditions);
        return s;
    }

    private Long gen() {
        return r.getMetadata().getGeneration();
    }

    private void conds(boolean ready, Reason readyReason, boolean reconciling, Reason reconcilingReason, boolean stalled,
                       Reason stalledReason, boolean conflict, Reason conflictReason, boolean degraded, Reason degradedReason,
                       String message) {
        s.setMessage(message);
        conditions = Conditions.set(conditions, Conditions.READY, ready, readyReason, ready ? message : message, gen(), now);
        conditions = Conditions.set(conditions, Conditions.RECONCILING, reconciling,
                reconciling ? reconcilingReason : Reason.AsExpected, reconciling ? message : "", gen(), now);
        conditions = Conditions.set(conditions, Conditions.STALLED, stalled, stalled ? stalledReason : Reason.AsExpected,
                stalled ? message : "", gen(), now);
        conditions = Conditions.set(conditions, Conditions.CONFLICT, conflict, conflict ? conflictReason : Reason.AsExpected,
                conflict ? message : "", gen(), now);
        conditions = Conditions.set(conditions, Conditions.DEGRADED, degraded, degraded ? degradedReason : Reason.AsExpected,
                degraded ? message : "", gen(), now);
        s.setConditions(conditions);
    }

    private void keepRetained(Optional<dev.apqn.plan.Allocation> retained) {
        retained.ifPresent(a -> {
            s.setMatrix(MatrixStatus.of(a.matrix()));
            s.setApqnSummary(summary(a.matrix().apqns()));
            s.setUsage(UsageStatus.forMdev(a.mdev()));
        });
    }

    private void keepPlanFromOld() {
        if (old != null) {
            s.setMatrix(old.getMatrix());
            s.setApqnSummary(old.getApqnSummary());
            s.setPlan(old.getPlan());
            s.setQueues(old.getQueues());
            s.setUsage(old.getUsage());
        }
    }

    private List<Apqn> requested() {
        var req = PlanInputs.request(r.getSpec());
        if (req instanceof dev.apqn.plan.ReservationRequest.Explicit e) {
            return new ArrayList<>(e.apqns());
        }
        return List.of();
    }

    private PlanStatus planStatus(ReservationPlan plan, NodeInput input, boolean collNeedsApproval, boolean approved) {
        var p = new PlanStatus();
        p.setMode(NodeMode.of(input.mode()));
        p.setInventoryGeneration(input.inventoryGeneration());
        p.setAdaptersOffHost(plan.adapterBits().isEmpty() ? null : new ArrayList<>(plan.adapterBits().idList()));
        p.setDomainsOffHost(plan.domainBits().isEmpty() ? null : new ArrayList<>(plan.domainBits().idList()));
        p.setOverrides(plan.overrides().isEmpty() ? null : names(plan.overrides()));
        p.setCollateral(plan.collateral().isEmpty() ? null : names(plan.collateral()));
        if (!plan.affectedGuestQueues().isEmpty()) {
            var g = new AffectedGuest();
            g.setMdevUuid(plan.mdev().toString());
            g.setOwner(r.ref());
            g.setApqns(names(plan.affectedGuestQueues()));
            p.setAffectedGuests(List.of(g));
        }
        SortedSet<Apqn> taken = new TreeSet<>();
        for (Apqn q : plan.matrix().apqns()) {
            if (hostOwned(input, q)) {
                taken.add(q);
            }
        }
        plan.collateral().stream().filter(q -> hostOwned(input, q)).forEach(taken::add);
        p.setTakenFromHost(taken.isEmpty() ? null : names(taken));
        p.setHash(plan.hash());
        boolean manual = r.getSpec().getApproval() == Approval.Manual;
        p.setApproved(approved || !manual || plan.hash().equals(r.getSpec().getApprovedPlan()));
        p.setCollateralNeedsApproval(collNeedsApproval && !plan.collateral().isEmpty());
        return p;
    }

    private static boolean hostOwned(NodeInput input, Apqn q) {
        QueueInfo qi = input.queues().get(q);
        return qi != null && qi.hostOwned();
    }

    private ApqnState queueState(Apqn q, AgentReport report, NodeInput input) {
        if (report.mdev().isPresent()) {
            MdevStatus md = report.mdev().get();
            if (md.getGuestMatrix() != null) {
                Matrix g = PlanInputs.matrix(md.getGuestMatrix());
                if (g.contains(q)) {
                    return new ApqnState(q.toString(), ApqnState.State.Ready, null);
                }
            }
            if (md.getMatrix() != null && PlanInputs.matrix(md.getMatrix()).contains(q)) {
                return md.getGuestMatrix() != null
                        && report.state().filter(x -> x == ReservationSync.State.Degraded).isPresent()
                        ? new ApqnState(q.toString(), ApqnState.State.Filtered, "not in the mdev's guest_matrix")
                        : new ApqnState(q.toString(), ApqnState.State.Assigned, null);
            }
        }
        QueueInfo qi = input.queues().get(q);
        if (qi == null) {
            return new ApqnState(q.toString(), ApqnState.State.Missing, "no queue device " + q + " on the node");
        }
        if (qi.vfioStatus().isPresent()) {
            return new ApqnState(q.toString(), ApqnState.State.Bound, null);
        }
        return new ApqnState(q.toString(), ApqnState.State.Pending, null);
    }

    private static List<ApqnState> queues(Collection<Apqn> apqns, java.util.function.Function<Apqn, ApqnState> f) {
        if (apqns.isEmpty() || apqns.size() > MAX_QUEUE_ENTRIES) {
            return null;
        }
        return apqns.stream().sorted().map(f).toList();
    }

    private static List<String> names(Collection<Apqn> apqns) {
        return apqns.stream().sorted().map(Apqn::toString).toList();
    }

    /** "05.0004,05.0006" for up to 8 APQNs, else "2x16 (05-06 x 0000-000f)" (hex, as sysfs names them). */
    public static String summary(Collection<Apqn> apqns) {
        if (apqns.isEmpty()) {
            return null;
        }
        if (apqns.size() <= 8) {
            return String.join(",", names(apqns));
        }
        ApMask a = ApMask.of(apqns.stream().map(Apqn::adapter).toList());
        ApMask d = ApMask.of(apqns.stream().map(Apqn::domain).toList());
        List<Integer> al = a.idList();
        List<Integer> dl = d.idList();
        return a.cardinality() + "x" + d.cardinality() + " (" + String.format("%02x-%02x", al.get(0), al.get(al.size() - 1))
                + " x " + String.format("%04x-%04x", dl.get(0), dl.get(dl.size() - 1)) + ")";
    }

    /** Agent reasons that mean a host write keeps failing (Stalled); anything else in a Failed report is AssignFailed. */
    static final Set<Reason> FAILURES = Set.of(Reason.AssignFailed, Reason.MdevCreateFailed, Reason.DriverBindFailed,
            Reason.DrainTimeout);

    /** The agent reports Failed, or Applying held up by a failed host write (the agent's reason says which). */
    static boolean failed(ReservationSync.State st, Reason agentReason) {
        return st == ReservationSync.State.Failed
                || st == ReservationSync.State.Applying && agentReason != null && FAILURES.contains(agentReason);
    }

    /**
     * The agent's own sentence about the failure (the kernel's errno sentence of the refused write): its
     * per-reservation message, else the message of the node's failing Ready condition.
     */
    static String agentSentence(AgentReport report, String node) {
        Optional<String> own = report.sync().map(ReservationSync::getMessage).filter(x -> !x.isBlank());
        if (own.isPresent()) {
            return own.get();
        }
        return report.node().map(APNodeStateStatus::getConditions)
                .flatMap(cs -> Conditions.find(cs, Conditions.READY))
                .filter(c -> "False".equals(c.getStatus()) && c.getMessage() != null && !c.getMessage().isBlank())
                .map(Condition::getMessage)
                .orElse("the agent gave no detail (its events: kubectl -n default get events --field-selector"
                        + " involvedObject.name=" + node + ")");
    }
}
