package dev.apqn.apbus.sim;

import dev.apqn.ap.Apqn;

/** One ZAPQ (reset + zeroize) the simulated kernel issued on a queue, and why (ap-bus.md §4.3, invariant 15). */
public record ZeroizeEvent(Apqn apqn, Reason reason) {

    /** The zeroize points of ap-bus.md §4.3. */
    public enum Reason {
        /** The queue left its driver (unbind, mask re-probe, removal, driver unload). */
        LEFT_DRIVER,
        /** The guest closed the vfio device. */
        GUEST_DETACH,
        /** QEMU issued VFIO_DEVICE_RESET. */
        VFIO_RESET,
        /** The mdev was removed. */
        MDEV_REMOVE,
        /** Unassign or ap_config removed a queue that was in the guest. */
        UNASSIGNED,
        /** The queue's adapter was filtered out of (hot-unplugged from) a running guest. */
        FILTERED_OUT
    }
}
