package dev.apqn.agent.kube;

import dev.apqn.agent.ConvergeReport;
import dev.apqn.agent.SyncState;
import dev.apqn.status.Conditions;
import dev.apqn.status.Reason;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/**
 * The node's conditions (Ready, Degraded, Drifted, Restoring, PlanStale, InUse) with their reasons,
 * from the converge report; {@code previous} supplies transition times.
 */
final class NodeConditions {

    /** The Restoring condition's message, also announced by {@link RebootNotice} before the first pass. */
    static final String RESTORING_MESSAGE = "the node rebooted (kernel state reset); re-converging from scratch";

    private NodeConditions() {
    }

    static List<Condition> conditions(NodeStatusBuilder.Observation o, List<Condition> previous, String now) {
        Long gen = o.observedGeneration();
        List<Condition> c = previous == null ? new ArrayList<>() : new ArrayList<>(previous);
        if (o.report().isEmpty()) {
            c = Conditions.set(c, Conditions.READY, Conditions.UNKNOWN, Reason.Planning,
                    "spec has no host edits yet: the controller has not planned this node", gen, now);
            for (String type : List.of(Conditions.DEGRADED, Conditions.DRIFTED, Conditions.RESTORING, Conditions.PLAN_STALE,
                    Conditions.IN_USE)) {
                c = Conditions.set(c, type, false, Reason.AsExpected, "", gen, now);
            }
            return c;
        }
        ConvergeReport r = o.report().get();
        var mdevs = r.mdevs().values();
        // Ready: the node matches spec
        if (r.converged() && r.unaccounted().isEmpty()) {
            c = Conditions.set(c, Conditions.READY, true, Reason.Ready, "", gen, now);
        } else {
            String why = firstProblem(r);
            c = Conditions.set(c, Conditions.READY, false, readyReason(r), why, gen, now);
        }
        // Degraded: the kernel filters, or a write was refused
        List<String> degraded = new ArrayList<>();
        Reason degradedReason = Reason.FilteredByKernel;
        for (var m : mdevs) {
            if (m.state() == SyncState.DEGRADED) {
                degraded.add(m.owner() + ": " + m.reason());
            } else if (m.state() == SyncState.FAILED) {
                degraded.add(m.owner() + ": " + m.reason());
                degradedReason = Reason.AssignFailed;
            }
        }
        if (r.hostEdits() == SyncState.FAILED) {
            degraded.add(0, "host edits: " + r.hostEditsReason());
            degradedReason = Reason.DriverBindFailed;
        }
        if (!r.unaccounted().isEmpty()) {
            degraded.add("off the host because of the operator without a claim: " + r.unaccounted());
        }
        c = degraded.isEmpty() ? Conditions.set(c, Conditions.DEGRADED, false, Reason.AsExpected, "", gen, now)
                : Conditions.set(c, Conditions.DEGRADED, true, degradedReason, NodeStatusBuilder.cut(String.join("; ", degraded)), gen, now);
        // Drifted: hand edits found (and repaired) by this converge
        if (r.drifts().isEmpty()) {
            c = Conditions.set(c, Conditions.DRIFTED, false, Reason.AsExpected, "", gen, now);
        } else {
            String all = String.join("; ", r.drifts());
            Reason reason = all.contains("mask") || all.contains("driver_override") ? Reason.MaskChangedOutside
                    : all.contains("removed by hand") ? Reason.MdevVanished : Reason.MdevChangedOutside;
            c = Conditions.set(c, Conditions.DRIFTED, true, reason, NodeStatusBuilder.cut(all + "; the operator's part is repaired"), gen, now);
        }
        // Restoring: the node rebooted (or intents are being recovered)
        boolean restoring = r.restoring() || r.hostEdits() == SyncState.RESTORING
                || mdevs.stream().anyMatch(m -> m.state() == SyncState.RESTORING);
        c = restoring ? Conditions.set(c, Conditions.RESTORING, true, Reason.RecoveringIntent,
                RESTORING_MESSAGE, gen, now)
                : Conditions.set(c, Conditions.RESTORING, false, Reason.AsExpected, "", gen, now);
        // PlanStale
        List<String> stale = new ArrayList<>();
        if (r.hostEdits() == SyncState.PLAN_STALE) {
            stale.add(r.hostEditsReason());
        }
        mdevs.stream().filter(m -> m.state() == SyncState.PLAN_STALE && !m.reason().equals(r.hostEditsReason()))
                .forEach(m -> stale.add(m.owner() + ": " + m.reason()));
        c = stale.isEmpty() ? Conditions.set(c, Conditions.PLAN_STALE, false, Reason.AsExpected, "", gen, now)
                : Conditions.set(c, Conditions.PLAN_STALE, true, String.join(" ", stale).contains("driver_override")
                ? Reason.NodeModeChanged : Reason.InventoryChanged, NodeStatusBuilder.cut(String.join("; ", stale)), gen, now);
        // InUse: a running guest blocks a release
        List<String> inUse = new ArrayList<>();
        mdevs.stream().filter(m -> m.state() == SyncState.IN_USE).forEach(m -> inUse.add(m.owner() + ": " + m.reason()));
        if (r.hostEdits() == SyncState.IN_USE) {
            inUse.add("host edits: " + r.hostEditsReason());
        }
        c = inUse.isEmpty() ? Conditions.set(c, Conditions.IN_USE, false, Reason.AsExpected, "", gen, now)
                : Conditions.set(c, Conditions.IN_USE, true, Reason.GuestRunning, NodeStatusBuilder.cut(String.join("; ", inUse)), gen, now);
        return c;
    }

    static Reason readyReason(ConvergeReport r) {
        if (r.hostEdits() == SyncState.PLAN_STALE || r.mdevs().values().stream().anyMatch(m -> m.state() == SyncState.PLAN_STALE)) {
            return Reason.InventoryChanged;
        }
        if (r.restoring()) {
            return Reason.RecoveringIntent;
        }
        if (r.hostEdits() == SyncState.IN_USE || r.mdevs().values().stream().anyMatch(m -> m.state() == SyncState.IN_USE)) {
            return Reason.GuestRunning;
        }
        if (r.mdevs().values().stream().anyMatch(m -> m.state() == SyncState.DEGRADED)) {
            return Reason.FilteredByKernel;
        }
        if (r.hostEdits() == SyncState.FAILED) {
            return Reason.DriverBindFailed;
        }
        if (r.mdevs().values().stream().anyMatch(m -> m.state() == SyncState.FAILED)) {
            return Reason.AssignFailed;
        }
        if (r.mdevs().values().stream().anyMatch(m -> !m.wanted())) {
            return Reason.Releasing;
        }
        return Reason.Applying;
    }

    static String firstProblem(ConvergeReport r) {
        if (r.hostEdits() != SyncState.READY) {
            return NodeStatusBuilder.cut("host edits " + r.hostEdits() + ": " + r.hostEditsReason());
        }
        for (var m : r.mdevs().values()) {
            if (!(m.wanted() && m.ready())) {
                return NodeStatusBuilder.cut(m.owner() + " (" + m.uuid() + ") " + m.state() + (m.reason().isEmpty() ? "" : ": " + m.reason()));
            }
        }
        if (!r.unaccounted().isEmpty()) {
            return NodeStatusBuilder.cut("off the host without a claim: " + r.unaccounted());
        }
        return "";
    }
}
