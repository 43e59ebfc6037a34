package dev.apqn.agent;

import dev.apqn.ap.Apqn;
import dev.apqn.ap.Errno;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * What one {@link HostConverger#converge} did and found; no Kubernetes types, so that the
 * node-state reconciler can turn it into {@code APNodeState.status}, conditions and events.
 *
 * @param inventoryGeneration the agent's inventory generation after this converge
 * @param restoring           the node rebooted and the agent is re-converging from scratch
 * @param hostEdits           the state of the host edits (masks / overrides): READY, APPLYING,
 *                            PLAN_STALE, IN_USE (a give-back held by an assignment) or FAILED
 * @param hostEditsReason     a sentence for that state
 * @param mdevs               every operator mdev: wanted ones and ones still being released
 * @param offHost             APQNs (existing queue devices) not with the host drivers now
 * @param unaccounted         APQNs off the host because of the operator that no claim covers
 *                            (the invariant says this is empty)
 * @param foreign             mdevs and mask bits the operator did not make, left alone
 * @param drifts              hand edits of what the operator owns found in this converge
 * @param events              one sentence per host change made (for Kubernetes events)
 * @param inFlightAtWrite     estimated requests in flight on all queues this converge took from the
 *                            host, read just before each write (0 when nothing was taken)
 * @param inFlightThisPass    the same per reservation: the requests in flight on the flipped queues it
 *                            claims (reserved and collateral), for the writes of this converge only
 * @param inFlightAtTakeover  per reservation, from the ledger (durable across agent restarts): the
 *                            estimate recorded with every confirmed write that took its queues, summed;
 *                            absent for reservations none of whose queues the operator took
 * @param drainTimedOut       the drain bound passed with requests still in flight
 * @param refusedWriteErrnos  the errno of each host write the kernel refused in this converge that the
 *                            converger reported rather than threw (in the host edits' or an mdev's
 *                            state), in order, as the converger caught it ({@code SysfsException.errno()},
 *                            {@code ETIMEDOUT} for a write that timed out); a refusal of the agent's own
 *                            (e.g. a foreign mdev in the way) and a failed read are not writes and are not
 *                            listed. For metrics.
 * @param takeoverEstimates   one entry per confirmed write of this converge that took queues from the
 *                            host (apmask/aqmask clear or driver_override flip), in order; their
 *                            {@link TakeoverEstimate#inFlight() inFlight} sum to {@code inFlightAtWrite}.
 *                            For metrics.
 */
public record ConvergeReport(long inventoryGeneration, boolean restoring, SyncState hostEdits, String hostEditsReason,
                             SortedMap<UUID, MdevStatus> mdevs, SortedSet<Apqn> offHost, SortedSet<Apqn> unaccounted,
                             List<String> foreign, List<String> drifts, List<String> events, int inFlightAtWrite,
                             SortedMap<String, Integer> inFlightThisPass, SortedMap<String, Integer> inFlightAtTakeover,
                             boolean drainTimedOut, List<Errno> refusedWriteErrnos, List<TakeoverEstimate> takeoverEstimates) {

    public ConvergeReport {
        Objects.requireNonNull(hostEdits, "hostEdits");
        hostEditsReason = hostEditsReason == null ? "" : hostEditsReason;
        mdevs = Collections.unmodifiableSortedMap(new TreeMap<>(mdevs));
        offHost = Collections.unmodifiableSortedSet(new TreeSet<>(offHost));
        unaccounted = Collections.unmodifiableSortedSet(new TreeSet<>(unaccounted));
        foreign = List.copyOf(foreign);
        drifts = List.copyOf(drifts);
        events = List.copyOf(events);
        inFlightThisPass = Collections.unmodifiableSortedMap(new TreeMap<>(inFlightThisPass == null ? Map.of() : inFlightThisPass));
        inFlightAtTakeover = Collections.unmodifiableSortedMap(new TreeMap<>(inFlightAtTakeover == null ? Map.of() : inFlightAtTakeover));
        refusedWriteErrnos = refusedWriteErrnos == null ? List.of() : List.copyOf(refusedWriteErrnos);
        takeoverEstimates = takeoverEstimates == null ? List.of() : List.copyOf(takeoverEstimates);
    }

    public MdevStatus mdev(UUID uuid) {
        return mdevs.get(uuid);
    }

    /** Host edits done and every wanted mdev Ready, nothing left to release. */
    public boolean converged() {
        return hostEdits == SyncState.READY && mdevs.values().stream().allMatch(m -> m.wanted() && m.ready());
    }
}
