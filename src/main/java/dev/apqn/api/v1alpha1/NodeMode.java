package dev.apqn.api.v1alpha1;

import dev.apqn.plan.OwnershipMode;

/** How a node moves APQNs between the host's zcrypt drivers and vfio_ap. */
public enum NodeMode {
    /** apmask/aqmask bus masks (all kernels with vfio_ap). */
    Masks,
    /** per-queue driver_override (6.19+); masks stay all ones. */
    DriverOverride;

    public OwnershipMode toOwnershipMode() {
        return this == Masks ? OwnershipMode.MASKS : OwnershipMode.DRIVER_OVERRIDE;
    }

    public static NodeMode of(OwnershipMode mode) {
        return mode == OwnershipMode.MASKS ? Masks : DriverOverride;
    }
}
