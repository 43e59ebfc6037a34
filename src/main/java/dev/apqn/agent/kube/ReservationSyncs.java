package dev.apqn.agent.kube;

import dev.apqn.agent.ConvergeReport;
import dev.apqn.agent.SyncState;
import dev.apqn.api.v1alpha1.APNodeStateStatus;
import dev.apqn.api.v1alpha1.MdevStatus;
import dev.apqn.api.v1alpha1.ReservationSync;
import dev.apqn.plan.HostTarget;
import dev.apqn.plan.OffHostClaim;
import dev.apqn.status.Reason;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Each reservation's state on the node ({@code status.reservations}): from the converge report's
 * mdev outcomes and host edits, the claims of the target and what was reported before (transition
 * times move only when a state flips; a released reservation is reported once).
 */
final class ReservationSyncs {

    private ReservationSyncs() {
    }

    static List<ReservationSync> reservations(NodeStatusBuilder.Observation o, APNodeStateStatus previous, String now) {
        if (o.report().isEmpty()) {
            return null;
        }
        ConvergeReport r = o.report().get();
        HostTarget t = o.target().orElseThrow();
        Map<String, ReservationSync> prev = new TreeMap<>();
        if (previous != null && previous.getReservations() != null) {
            previous.getReservations().forEach(x -> prev.put(x.getReservation(), x));
        }
        SortedMap<String, ReservationSync> out = new TreeMap<>();
        for (dev.apqn.agent.MdevStatus m : r.mdevs().values()) {
            var x = new ReservationSync();
            x.setReservation(m.owner());
            x.setMdevUuid(m.uuid().toString());
            Reason reason;
            ReservationSync.State state;
            String message = m.reason();
            if (!m.wanted()) {
                state = switch (m.state()) {
                    case IN_USE -> ReservationSync.State.InUse;
                    case FAILED -> ReservationSync.State.Failed;
                    default -> ReservationSync.State.Releasing;
                };
                reason = switch (m.state()) {
                    case IN_USE -> Reason.GuestRunning;
                    case FAILED -> Reason.AssignFailed;
                    default -> Reason.Releasing;
                };
            } else {
                switch (m.state()) {
                    case READY -> {
                        state = hostBlocks(r) ? ReservationSync.State.Applying : ReservationSync.State.Ready;
                        reason = state == ReservationSync.State.Ready ? Reason.Ready : hostReason(r);
                        message = state == ReservationSync.State.Ready ? takeoverNote(o, m.owner()) : r.hostEditsReason();
                    }
                    case DRIFTED -> {
                        // repaired in this converge: the guest has its APQNs again (the next pass reports Ready)
                        state = hostBlocks(r) ? ReservationSync.State.Applying : ReservationSync.State.Drifted;
                        reason = state == ReservationSync.State.Drifted
                                ? m.reason().contains("removed by hand") ? Reason.MdevVanished : Reason.MdevChangedOutside
                                : hostReason(r);
                        message = state == ReservationSync.State.Drifted ? m.reason() : r.hostEditsReason();
                    }
                    case APPLYING -> {
                        state = ReservationSync.State.Applying;
                        // a refused host write (e.g. aqmask EBUSY) holds the mdev back: say so, as for READY,
                        // so the controller reports the reservation Stalled, not Reconciling
                        reason = hostBlocks(r) ? hostReason(r) : Reason.Applying;
                    }
                    case RESTORING -> {
                        state = ReservationSync.State.Restoring;
                        reason = Reason.RecoveringIntent;
                    }
                    case DEGRADED -> {
                        state = ReservationSync.State.Degraded;
                        reason = Reason.FilteredByKernel;
                    }
                    case IN_USE -> {
                        state = ReservationSync.State.InUse;
                        reason = Reason.GuestRunning;
                    }
                    case PLAN_STALE -> {
                        state = ReservationSync.State.PlanStale;
                        reason = m.reason().contains("driver_override") ? Reason.NodeModeChanged : Reason.InventoryChanged;
                    }
                    case FAILED -> {
                        state = ReservationSync.State.Failed;
                        reason = Reason.AssignFailed;
                    }
                    default -> throw new IllegalStateException(m.state().toString());
                }
                if (state == ReservationSync.State.Ready || state == ReservationSync.State.Drifted) {
                    x.setAppliedHash(o.specHash());
                }
            }
            x.setState(state);
            x.setReason(reason);
            x.setMessage(NodeStatusBuilder.emptyToNull(NodeStatusBuilder.cut(message)));
            out.put(m.owner(), x);
        }
        // reservations with nothing left on the node: Released once the host has its queues back
        SortedSet<String> claimants = new TreeSet<>();
        t.claims().stream().map(OffHostClaim::owner).forEach(claimants::add);
        // a deleted reservation with releasePolicy Keep: its queues stay off the host as KEPT claims
        // (the controller carries them), its mdev is gone; once the host edits hold, it is released
        // (with the collateral its kept queues' mask bits still pull in, but nothing RESERVED)
        SortedSet<String> keptOnly = new TreeSet<>();
        t.claims().stream().filter(c -> c.kind() == OffHostClaim.Kind.KEPT).map(OffHostClaim::owner).forEach(keptOnly::add);
        t.claims().stream().filter(c -> c.kind() == OffHostClaim.Kind.RESERVED).map(OffHostClaim::owner).forEach(keptOnly::remove);
        SortedSet<String> gone = new TreeSet<>(o.allocated());
        gone.addAll(claimants);
        prev.keySet().forEach(gone::add);
        gone.removeAll(out.keySet());
        for (String res : gone) {
            var x = new ReservationSync();
            x.setReservation(res);
            ReservationSync p = prev.get(res);
            if (keptOnly.contains(res) && r.hostEdits() == SyncState.READY) {
                x.setState(ReservationSync.State.Released);
                x.setReason(Reason.Released);
                x.setMessage("mdev removed; its queues stay off the host (releasePolicy Keep)");
            } else if (claimants.contains(res)) {
                // claims without an mdev: collateral or kept queues only
                boolean ready = r.hostEdits() == SyncState.READY;
                x.setState(ready ? ReservationSync.State.Ready : r.hostEdits() == SyncState.RESTORING
                        ? ReservationSync.State.Restoring : ReservationSync.State.Applying);
                x.setReason(ready ? Reason.Ready : hostReason(r));
                x.setMessage(ready ? null : NodeStatusBuilder.emptyToNull(NodeStatusBuilder.cut(r.hostEditsReason())));
            } else if (r.hostEdits() == SyncState.READY) {
                // nothing of it left on the node and the host has its queues back. Reported Released while
                // spec.allocations lists it, or once (the write after the release) so the controller sees it.
                boolean reportedBefore = p != null && p.getState() == ReservationSync.State.Released;
                if (!o.allocated().contains(res) && reportedBefore) {
                    continue;
                }
                x.setState(ReservationSync.State.Released);
                x.setReason(Reason.Released);
            } else {
                boolean held = r.hostEdits() == SyncState.IN_USE;
                x.setState(held ? ReservationSync.State.InUse : ReservationSync.State.Releasing);
                x.setReason(held ? Reason.GuestRunning : Reason.Releasing);
                x.setMessage(NodeStatusBuilder.emptyToNull(NodeStatusBuilder.cut(r.hostEditsReason())));
            }
            out.put(res, x);
        }
        for (ReservationSync x : out.values()) {
            if (x.getState() != ReservationSync.State.Released) {
                x.setInFlightAtTakeover(o.inFlightAtTakeover().get(x.getReservation()));
            }
            ReservationSync p = prev.get(x.getReservation());
            x.setLastTransitionTime(p != null && p.getState() == x.getState() && p.getLastTransitionTime() != null
                    ? p.getLastTransitionTime() : now);
        }
        return out.isEmpty() ? null : new ArrayList<>(out.values());
    }

    static boolean hostBlocks(ConvergeReport r) {
        return r.hostEdits() == SyncState.PLAN_STALE || r.hostEdits() == SyncState.FAILED;
    }

    static Reason hostReason(ConvergeReport r) {
        return switch (r.hostEdits()) {
            case PLAN_STALE -> r.hostEditsReason().contains("driver_override") ? Reason.NodeModeChanged : Reason.InventoryChanged;
            case FAILED -> Reason.DriverBindFailed;
            case IN_USE -> Reason.GuestRunning;
            case RESTORING -> Reason.RecoveringIntent;
            default -> Reason.Applying;
        };
    }

    static String takeoverNote(NodeStatusBuilder.Observation o, String reservation) {
        Integer n = o.inFlightAtTakeover().get(reservation);
        return n == null ? "" : "taken from the host with an estimated " + n + " request(s) in flight";
    }

    // ------------------------------------------------------------------ ledger, conditions

    /**
     * Adds to {@code status.reservations[]} the ResourceClaims the kubelet plugin prepared with each reservation's
     * mdev ({@code consumers}, keyed by {@code namespace/name}); a reservation without any gets none (the field is
     * omitted). The controller copies them to the reservation's status.
     */
    static void addConsumers(APNodeStateStatus status, Map<String, List<dev.apqn.api.v1alpha1.Consumer>> consumers) {
        if (status.getReservations() == null) {
            return;
        }
        for (ReservationSync x : status.getReservations()) {
            List<dev.apqn.api.v1alpha1.Consumer> c = consumers.get(x.getReservation());
            x.setConsumers(c == null || c.isEmpty() ? null : List.copyOf(c));
        }
    }
}
