package dev.apqn.plan;

/**
 * How a node moves APQNs between the host's zcrypt drivers and vfio_ap: bus masks (all kernels) or
 * per-queue {@code driver_override} (6.19+). The two exclude each other (ap-bus.md §3.3); the agent
 * reports the mode it detected and the controller plans for exactly that mode.
 */
public enum OwnershipMode {
    MASKS,
    DRIVER_OVERRIDE
}
