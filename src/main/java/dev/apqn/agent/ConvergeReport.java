package dev.apqn.agent;

import dev.apqn.apbus.Apqn;
import dev.apqn.apbus.Errno;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
 */
public record ConvergeReport(long inventoryGeneration, boolean restoring, SyncState hostEdits, String hostEditsReason,
                             SortedMap<UUID, MdevStatus> mdevs, SortedSet<Apqn> offHost, SortedSet<Apqn> unaccounted,
                             List<String> foreign, List<String> drifts, List<String> events, int inFlightAtWrite,
                             SortedMap<String, Integer> inFlightThisPass, SortedMap<String, Integer> inFlightAtTakeover,
                             boolean drainTimedOut) {

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
    }

    public MdevStatus mdev(UUID uuid) {
        return mdevs.get(uuid);
    }

    /** "failed with EBUSY (": how a refused sysfs call words its errno ({@code SysfsException}'s message). */
    private static final Pattern ERRNO = Pattern.compile("failed with (E[A-Z0-9]+) \\(");
    /** "(about 7 requests in flight were flushed": how the converger words each write that took queues from the host. */
    private static final Pattern TAKEOVER = Pattern.compile("\\(about (\\d+) requests in flight were flushed");

    /**
     * The errno of each refused host write this report names (for metrics): the host edits' reason
     * when they {@link SyncState#FAILED failed}, and the reason of every mdev that is
     * {@link SyncState#FAILED FAILED} or {@link SyncState#IN_USE IN_USE} because the kernel refused a
     * write (a legacy kernel's EBUSY). Derived from the kernel's errno sentence the reasons carry
     * ({@code SysfsException}: "... failed with EBUSY (Device or resource busy): ..."); a reason
     * without one (a refusal of the agent's own, e.g. a foreign mdev in the way) names none. The
     * converger keeps one refusal per host-edit step and per mdev, so this is at most one per such
     * site and pass.
     */
    public List<Errno> refusedWriteErrnos() {
        List<Errno> out = new ArrayList<>();
        if (hostEdits == SyncState.FAILED) {
            errno(hostEditsReason).ifPresent(out::add);
        }
        for (MdevStatus m : mdevs.values()) {
            if (m.state() == SyncState.FAILED || m.state() == SyncState.IN_USE) {
                errno(m.reason()).ifPresent(out::add);
            }
        }
        return out;
    }

    /** The errno a refused sysfs call's sentence names, if any. */
    public static Optional<Errno> errno(String sentence) {
        if (sentence == null) {
            return Optional.empty();
        }
        Matcher m = ERRNO.matcher(sentence);
        while (m.find()) {
            try {
                return Optional.of(Errno.valueOf(m.group(1)));
            } catch (IllegalArgumentException notOurs) {
                // an errno name this enum does not know: look further
            }
        }
        return Optional.empty();
    }

    /**
     * The estimate of requests in flight at each write of this converge that took queues from the
     * host (one entry per apmask/aqmask clear or driver_override flip, in order; empty when nothing
     * was taken), read from the converger's event sentences ("... (about N requests in flight were
     * flushed and retried ..."). Their sum is {@link #inFlightAtWrite()}.
     */
    public List<Integer> takeoverEstimates() {
        List<Integer> out = new ArrayList<>();
        for (String e : events) {
            Matcher m = TAKEOVER.matcher(e);
            if (m.find()) {
                out.add(Integer.parseInt(m.group(1)));
            }
        }
        return out;
    }

    /** Host edits done and every wanted mdev Ready, nothing left to release. */
    public boolean converged() {
        return hostEdits == SyncState.READY && mdevs.values().stream().allMatch(m -> m.wanted() && m.ready());
    }
}
