package dev.apqn.agent;

import dev.apqn.ap.ApDriver;
import dev.apqn.ap.ApQueue;
import dev.apqn.ap.Apqn;
import dev.apqn.apbus.ApInventory;
import dev.apqn.apbus.NodeCapabilities;
import dev.apqn.apbus.SysfsException;
import dev.apqn.plan.HostTarget;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * driver_override mode (6.19+): each reserved queue leaves the host on its own, by its
 * {@code driver_override} set to vfio_ap and a rebind; the masks stay all ones and nothing is
 * collateral. One write per queue.
 */
final class OverrideOwnership implements OwnershipStrategy {

    static final OverrideOwnership INSTANCE = new OverrideOwnership();

    private OverrideOwnership() {
    }

    @Override
    public Optional<String> unsupported(HostTarget target, ApInventory inv, long generation) {
        if (inv.capabilities().ownership() == NodeCapabilities.Ownership.DRIVER_OVERRIDE) {
            return Optional.empty();
        }
        return Optional.of("the plan uses driver_override but this node has no driver_override (inventory generation "
                + generation + ", plan " + target.inventoryGeneration() + ")");
    }

    @Override
    public boolean ownsAny(Ownership owned) {
        return !owned.overrides().isEmpty();
    }

    @Override
    public void noteDrift(Ownership owned, ApInventory inv, PassLog log) {
        for (Apqn q : owned.overrides()) {
            ApQueue queue = inv.queues().get(q);
            if (queue != null && !hasVfioOverride(queue)) {
                log.drifts.add("the driver_override of " + q + " that the operator set was changed by hand");
            }
        }
    }

    @Override
    public void noteForeign(Ownership owned, ApInventory inv, PassLog log) {
        for (ApQueue q : inv.queues().values()) {
            if (q.driverOverride().isPresent() && !owned.overrides().contains(q.apqn())) {
                log.foreign.add("driver_override of " + q.apqn() + " was set by someone else; left alone");
            }
        }
    }

    @Override
    public SortedSet<Apqn> offHostAfter(HostTarget target, Ownership owned, ApInventory inv) {
        return OffHostAccounting.offHost(inv, inv.bus().apmask(), inv.bus().aqmask(), target.overrides(), owned.overrides());
    }

    /** Returns to the host each queue whose override the operator set and the plan no longer wants, unless it is assigned. */
    @Override
    public void giveBack(Pass p) throws IOException, SysfsException {
        for (Apqn q : p.ledger().owned().overrides()) {
            if (p.target().overrides().contains(q)) {
                continue;
            }
            if (p.matrices().all().stream().anyMatch(m -> m.contains(q))) {
                p.outcomes().host(SyncState.IN_USE, "the override of " + q + " stays while the APQN is assigned to an mdev");
                continue;
            }
            try {
                p.writer().write(HostWrite.clearOverride(q), () -> p.bus().returnToHost(q));
                p.log().events.add("gave " + q + " back to the host");
            } catch (SysfsException ex) {
                p.outcomes().hostRefused(ex);
            }
        }
    }

    /** Drains the planned queues not yet on vfio_ap by override, then moves them one write each. */
    @Override
    public void take(Pass p) throws IOException, SysfsException, InterruptedException {
        SortedSet<Apqn> flip = new TreeSet<>();
        for (Apqn q : p.target().overrides()) {
            ApQueue queue = p.inv().queues().get(q);
            if (queue != null && !onVfioByOverride(queue)) {
                flip.add(q);
            }
        }
        p.drainBeforeTake(flip);
        for (Apqn q : flip) {
            try {
                TakeoverEstimate t = p.writer().take(HostWrite.setOverride(q, p.claims().ownersOf(q)), List.of(q), p.claims(),
                        () -> p.bus().moveToVfio(q));
                p.log().took(t);
                p.log().events.add("took " + q + " from the host (about " + t.inFlight() + " requests in flight were flushed and retried; "
                        + "estimated in flight at the write: " + PassLog.describeInFlight(t.perReservation()) + ")");
            } catch (SysfsException ex) {
                p.outcomes().hostRefused(ex);
            }
        }
    }

    @Override
    public boolean taken(HostTarget target, ApInventory inv) {
        for (Apqn q : target.overrides()) {
            ApQueue queue = inv.queues().get(q);
            if (queue != null && !onVfioByOverride(queue)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean givenBack(Ownership owned, HostTarget target) {
        return target.overrides().containsAll(owned.overrides());
    }

    @Override
    public boolean givingBack(Apqn q, Ownership owned, HostTarget target) {
        return owned.overrides().contains(q) && !target.overrides().contains(q);
    }

    private static boolean hasVfioOverride(ApQueue queue) {
        return queue.driverOverride().equals(Optional.of(ApDriver.VFIO_AP.sysfsName()));
    }

    private static boolean onVfioByOverride(ApQueue queue) {
        return hasVfioOverride(queue) && queue.driver() == ApDriver.VFIO_AP;
    }
}
