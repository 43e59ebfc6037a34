package dev.apqn.agent;

import dev.apqn.agent.IntentLedger.Op;
import dev.apqn.ap.ApMask;
import dev.apqn.ap.Apqn;
import dev.apqn.apbus.ApBus;
import dev.apqn.apbus.ApInventory;
import dev.apqn.apbus.SysfsException;
import dev.apqn.plan.HostTarget;

/**
 * The two AP bus masks the mask strategy edits: {@code apmask} (by adapter) and {@code aqmask} (by
 * usage domain). Everything that differs between them is here, so the strategy treats both alike.
 */
enum BusMask {
    APMASK, AQMASK;

    String sysfsName() {
        return this == APMASK ? "apmask" : "aqmask";
    }

    Op clearOp() {
        return this == APMASK ? Op.CLEAR_APMASK : Op.CLEAR_AQMASK;
    }

    Op setOp() {
        return this == APMASK ? Op.SET_APMASK : Op.SET_AQMASK;
    }

    /** The bit of this mask that decides about the queue: its adapter or its domain. */
    int bitOf(Apqn q) {
        return this == APMASK ? q.adapter() : q.domain();
    }

    /** The mask as the kernel has it now. */
    ApMask read(ApBus bus) throws SysfsException {
        return this == APMASK ? bus.readApmask() : bus.readAqmask();
    }

    /** One write that sets {@code set} and clears {@code clear}, leaving every other bit as it is. */
    void edit(ApBus bus, ApMask set, ApMask clear) throws SysfsException {
        if (this == APMASK) {
            bus.editApmask(set, clear);
        } else {
            bus.editAqmask(set, clear);
        }
    }

    /** The mask as the inventory read it. */
    ApMask in(ApInventory inv) {
        return this == APMASK ? inv.bus().apmask() : inv.bus().aqmask();
    }

    /** The bits of this mask the operator cleared. */
    ApMask owned(Ownership o) {
        return this == APMASK ? o.apmaskBits() : o.aqmaskBits();
    }

    /** The bits of this mask the plan needs cleared. */
    ApMask wantedClear(HostTarget t) {
        return this == APMASK ? t.adaptersOffHost() : t.domainsOffHost();
    }
}
