package dev.apqn.agent;

import dev.apqn.ap.ApMask;
import dev.apqn.ap.ApQueue;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.Matrix;
import dev.apqn.apbus.ApInventory;
import dev.apqn.apbus.SysfsException;
import dev.apqn.plan.HostTarget;

import java.io.IOException;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Mask mode (every kernel): queues leave the host when the operator clears {@code apmask} bits (by
 * adapter) or {@code aqmask} bits (by domain); every other queue of a cleared adapter or domain goes
 * with them (collateral, which the plan must claim). One write per mask per converge.
 */
final class MaskOwnership implements OwnershipStrategy {

    static final MaskOwnership INSTANCE = new MaskOwnership();

    private MaskOwnership() {
    }

    @Override
    public Optional<String> unsupported(HostTarget target, ApInventory inv, long generation) {
        return Optional.empty(); // every kernel has the masks
    }

    @Override
    public boolean ownsAny(Ownership owned) {
        return !owned.apmaskBits().isEmpty() || !owned.aqmaskBits().isEmpty();
    }

    @Override
    public void noteDrift(Ownership owned, ApInventory inv, PassLog log) {
        for (BusMask mask : BusMask.values()) {
            ApMask back = mask.owned(owned).and(mask.in(inv));
            if (!back.isEmpty()) {
                log.drifts.add(mask.sysfsName() + " bits " + back.toRangeList() + " that the operator cleared were set again by hand");
            }
        }
    }

    @Override
    public void noteForeign(Ownership owned, ApInventory inv, PassLog log) {
        for (BusMask mask : BusMask.values()) {
            ApMask foreign = ApMask.all().andNot(mask.in(inv)).andNot(mask.owned(owned));
            if (!foreign.isEmpty()) {
                log.foreign.add(mask.sysfsName() + " bits " + foreign.toRangeList() + " were cleared by someone else; left alone");
            }
        }
    }

    @Override
    public SortedSet<Apqn> offHostAfter(HostTarget target, Ownership owned, ApInventory inv) {
        return OffHostAccounting.offHost(inv, after(BusMask.APMASK, target, owned, inv), after(BusMask.AQMASK, target, owned, inv),
                Set.of(), Set.of());
    }

    /** The mask once the operator's unneeded bits are set again and the plan's are cleared. */
    private static ApMask after(BusMask mask, HostTarget target, Ownership owned, ApInventory inv) {
        ApMask wanted = mask.wantedClear(target);
        return mask.in(inv).or(mask.owned(owned).andNot(wanted)).andNot(wanted);
    }

    /**
     * Sets again the bits the operator cleared and the plan no longer needs, one write per mask;
     * bits whose APQNs are still assigned to an mdev stay cleared (the kernel's EBUSY veto, checked
     * here too because legacy kernels lack it) and hold the host edits In use.
     */
    @Override
    public void giveBack(Pass p) throws IOException, SysfsException {
        Ownership owned = p.ledger().owned();
        ApMask apmask = p.bus().readApmask();
        ApMask aqmask = p.bus().readAqmask();
        ApMask apSet = owned.apmaskBits().andNot(p.target().adaptersOffHost()).andNot(apmask);
        ApMask aqSet = owned.aqmaskBits().andNot(p.target().domainsOffHost()).andNot(aqmask);
        ApMask apHeld = ApMask.none();
        ApMask aqHeld = ApMask.none();
        for (Matrix m : p.matrices().all()) {
            if (m.domains().intersects(aqmask.or(aqSet))) {
                apHeld = apHeld.or(m.adapters().and(apSet));
            }
            if (m.adapters().intersects(apmask.or(apSet))) {
                aqHeld = aqHeld.or(m.domains().and(aqSet));
            }
        }
        if (!apHeld.isEmpty() || !aqHeld.isEmpty()) {
            p.outcomes().host(SyncState.IN_USE, "mask bits " + (apHeld.isEmpty() ? "" : "apmask " + apHeld.toRangeList() + " ")
                    + (aqHeld.isEmpty() ? "" : "aqmask " + aqHeld.toRangeList() + " ")
                    + "stay cleared while their APQNs are assigned to an mdev");
        }
        giveBack(p, BusMask.APMASK, apSet.andNot(apHeld));
        giveBack(p, BusMask.AQMASK, aqSet.andNot(aqHeld));
    }

    private static void giveBack(Pass p, BusMask mask, ApMask bits) throws IOException, SysfsException {
        if (bits.isEmpty()) {
            return;
        }
        try {
            p.writer().write(HostWrite.setMask(mask, bits), () -> mask.edit(p.bus(), bits, ApMask.none()));
            p.log().events.add("gave " + mask.sysfsName() + " bits " + bits.toRangeList() + " back to the host");
        } catch (SysfsException ex) {
            p.outcomes().hostRefused(ex);
        }
    }

    /**
     * Clears the bits the plan needs cleared that are still set: drains every host queue that will
     * flip (collateral included), then one write per mask, each with its in-flight estimate.
     */
    @Override
    public void take(Pass p) throws IOException, SysfsException, InterruptedException {
        ApMask apmask = p.inv().bus().apmask();
        ApMask aqmask = p.inv().bus().aqmask();
        ApMask apClear = p.target().adaptersOffHost().and(p.bus().readApmask());
        ApMask aqClear = p.target().domainsOffHost().and(p.bus().readAqmask());
        if (apClear.isEmpty() && aqClear.isEmpty()) {
            return;
        }
        SortedSet<Apqn> byAp = new TreeSet<>();
        SortedSet<Apqn> byAq = new TreeSet<>();
        for (ApQueue q : p.inv().queues().values()) {
            if (!OffHostAccounting.hostOwned(q, apmask, aqmask)) {
                continue;
            }
            if (apClear.get(q.apqn().adapter())) {
                byAp.add(q.apqn());
            } else if (aqClear.get(q.apqn().domain())) {
                byAq.add(q.apqn());
            }
        }
        SortedSet<Apqn> all = new TreeSet<>(byAp);
        all.addAll(byAq);
        p.drainBeforeTake(all);
        take(p, BusMask.APMASK, apClear, byAp);
        take(p, BusMask.AQMASK, aqClear, byAq);
    }

    private static void take(Pass p, BusMask mask, ApMask bits, SortedSet<Apqn> flipping) throws IOException, SysfsException {
        if (bits.isEmpty()) {
            return;
        }
        try {
            TakeoverEstimate t = p.writer().take(HostWrite.clearMask(mask, bits, flipping.size(), p.claims().owners(flipping)), flipping,
                    p.claims(), () -> mask.edit(p.bus(), ApMask.none(), bits));
            p.log().took(t);
            p.log().events.add("cleared " + mask.sysfsName() + " bits " + bits.toRangeList() + ", taking " + flipping.size()
                    + " queues from the host (about " + t.inFlight() + " requests in flight were flushed and retried; "
                    + "estimated in flight at the write: " + PassLog.describeInFlight(t.perReservation()) + ")");
        } catch (SysfsException ex) {
            p.outcomes().hostRefused(ex);
        }
    }

    @Override
    public boolean taken(HostTarget target, ApInventory inv) {
        return !target.adaptersOffHost().intersects(inv.bus().apmask()) && !target.domainsOffHost().intersects(inv.bus().aqmask());
    }

    @Override
    public boolean givenBack(Ownership owned, HostTarget target) {
        return owned.apmaskBits().andNot(target.adaptersOffHost()).isEmpty() && owned.aqmaskBits().andNot(target.domainsOffHost()).isEmpty();
    }

    @Override
    public boolean givingBack(Apqn q, Ownership owned, HostTarget target) {
        return owned.apmaskBits().andNot(target.adaptersOffHost()).get(q.adapter())
                || owned.aqmaskBits().andNot(target.domainsOffHost()).get(q.domain());
    }
}
