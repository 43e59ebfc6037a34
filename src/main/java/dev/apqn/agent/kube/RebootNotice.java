package dev.apqn.agent.kube;

import dev.apqn.api.v1alpha1.APNodeStateStatus;
import dev.apqn.api.v1alpha1.ReservationSync;
import dev.apqn.status.Conditions;
import dev.apqn.status.Reason;
import io.fabric8.kubernetes.client.utils.Serialization;

import dev.apqn.agent.IntentLedger;

import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The status an agent publishes as soon as it sees a new kernel (a new boot id) and before it
 * re-creates anything: every reservation that held queues on the old kernel is Restoring, and so is
 * the node (condition Restoring, as {@link NodeStatusBuilder} says while a restore takes passes). One pass
 * usually restores everything, so without this the reboot would never show: the node's status and
 * the reservations' Ready condition would go from Ready to Ready, and an admin could not tell that
 * the guests' mdevs were gone for a while.
 */
final class RebootNotice {

    /** States of a reservation whose mdev or host edits existed on the old kernel. */
    private static final Set<ReservationSync.State> HELD = EnumSet.of(ReservationSync.State.Ready,
            ReservationSync.State.Drifted, ReservationSync.State.Degraded, ReservationSync.State.InUse,
            ReservationSync.State.Applying, ReservationSync.State.PlanStale, ReservationSync.State.Failed);

    private RebootNotice() {
    }

    /** {@code published} with its held reservations Restoring since {@code now}; null if none was held. */
    static APNodeStateStatus restoring(APNodeStateStatus published, String now) {
        if (published == null || published.getReservations() == null) {
            return null;
        }
        APNodeStateStatus out = Serialization.clone(published);
        boolean any = false;
        for (ReservationSync r : out.getReservations()) {
            if (r.getState() != null && HELD.contains(r.getState())) {
                r.setState(ReservationSync.State.Restoring);
                r.setReason(Reason.RecoveringIntent);
                r.setMessage("the node rebooted (its kernel has a new boot id): re-creating the mdev and host edits");
                r.setLastTransitionTime(now);
                any = true;
            }
        }
        if (!any) {
            return null;
        }
        out.setConditions(Conditions.set(out.getConditions(), Conditions.RESTORING, true, Reason.RecoveringIntent,
                NodeConditions.RESTORING_MESSAGE, out.getObservedGeneration(), now));
        return out;
    }

    /**
     * Whether the kernel has a boot id other than the one the intent ledger was written under, seen
     * for the first time: the node rebooted, under a running agent or before this agent started.
     * The converger discards the ledger on its next pass; this only decides what to say first.
     * Passes run one at a time, so no locking.
     */
    static final class BootWatch {

        private final Supplier<String> bootId;
        private final Path ledgerDir;
        private String lastSeen;

        BootWatch(Supplier<String> bootId, Path ledgerDir) {
            this.bootId = bootId;
            this.ledgerDir = ledgerDir;
        }

        boolean rebootUnseen() {
            try {
                String boot = bootId.get();
                boolean changed = !boot.equals(lastSeen); // the first pass, or a reboot under a running agent
                lastSeen = boot;
                // the ledger's file, not HostConverger.ledger(): opening it there would already discard it
                return changed && IntentLedger.bootIdRecordedIn(ledgerDir).map(recorded -> !recorded.equals(boot)).orElse(false);
            } catch (IOException | RuntimeException e) {
                return false; // the converge that follows reads both again and reports what fails
            }
        }
    }
}
