package dev.apqn.agent;

import dev.apqn.agent.IntentLedger.Op;
import dev.apqn.ap.ApMask;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.Matrix;
import dev.apqn.plan.MdevTarget;

import java.util.Objects;
import java.util.UUID;

/**
 * One host write as the {@link IntentLedger} announces it before it happens: what it does to which
 * object, why, for whom, and the value before and the value intended. Each kind of write has its
 * factory here, so the ledger's wording of every write (range lists, APQNs, {@code ap_config} text,
 * the sentences of events) is in one place and no caller passes positional strings.
 *
 * @param op     what the write does
 * @param object what it does it to: mask bits as a range list, an APQN, an mdev UUID
 * @param why    a sentence for humans and events
 * @param owner  the reservations it is done for (comma-separated; empty for a give-back)
 * @param prev   the value before
 * @param next   the value intended
 */
record HostWrite(Op op, String object, String why, String owner, String prev, String next) {

    HostWrite {
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(object, "object");
    }

    /** Clears mask bits, taking {@code queues} queues from the host for {@code owners}. */
    static HostWrite clearMask(BusMask mask, ApMask bits, int queues, String owners) {
        return new HostWrite(mask.clearOp(), bits.toRangeList(), "take " + queues + " queues from the host ("
                + mask.sysfsName() + " bits " + bits.toRangeList() + ")", owners, "set", "cleared");
    }

    /** Sets mask bits the operator cleared and no claim needs cleared any more. */
    static HostWrite setMask(BusMask mask, ApMask bits) {
        return new HostWrite(mask.setOp(), bits.toRangeList(), "no claim needs these " + mask.sysfsName() + " bits cleared any more",
                "", "", "set");
    }

    /** Sets the queue's driver_override to vfio_ap and rebinds it. */
    static HostWrite setOverride(Apqn q, String owners) {
        return new HostWrite(Op.SET_OVERRIDE, q.toString(), "take " + q + " from the host for vfio_ap", owners, "", "vfio_ap");
    }

    /** Clears the operator's driver_override of the queue and gives it back to the host drivers. */
    static HostWrite clearOverride(Apqn q) {
        return new HostWrite(Op.CLEAR_OVERRIDE, q.toString(), "no claim needs " + q + " off the host any more", "", "vfio_ap", "");
    }

    /** Probes a reserved queue that has no driver, so that the kernel binds it to vfio_ap. */
    static HostWrite bindReserved(Apqn q, String owners) {
        return new HostWrite(Op.PROBE, q.toString(), "bind " + q + " to vfio_ap", owners, "none", "vfio_ap");
    }

    /** Probes a queue left without a driver by a crash between the unbind and the probe of a rebind. */
    static HostWrite finishInterruptedBind(Apqn q) {
        return new HostWrite(Op.PROBE, q.toString(), "finish an interrupted bind of " + q, "", "none", "bound");
    }

    static HostWrite createMdev(MdevTarget t) {
        return new HostWrite(Op.CREATE_MDEV, t.uuid().toString(), "create the mdev of " + t.owner(), t.owner(), "", "created");
    }

    /** Removes an operator mdev; {@code matrix} is what it has now (null if not known). */
    static HostWrite removeMdev(UUID u, String owner, Matrix matrix) {
        return new HostWrite(Op.REMOVE_MDEV, u.toString(), "release the mdev of " + owner, owner, String.valueOf(matrix), "removed");
    }

    /** Brings the mdev's matrix from {@code from} to {@code to} (one ap_config write or one assign/unassign). */
    static HostWrite configureMdev(MdevTarget t, Matrix from, Matrix to, String why) {
        return new HostWrite(Op.CONFIGURE_MDEV, t.uuid().toString(), why, t.owner(), from.toApConfigText().strip(),
                to.toApConfigText().strip());
    }

    /** True for the writes that change an mdev (its matrix is re-read after them). */
    boolean changesMdev() {
        return op == Op.CREATE_MDEV || op == Op.REMOVE_MDEV || op == Op.CONFIGURE_MDEV;
    }

    /** The mdev this write changes; only for {@link #changesMdev()}. */
    UUID mdev() {
        return UUID.fromString(object);
    }
}
