package dev.apqn.agent;

/**
 * How far one operator mdev (one reservation on this node) is in sync with its target, as the
 * agent reports it per mdev. The Kubernetes side maps these to conditions.
 */
public enum SyncState {
    /** Every reserved APQN exists, is bound to vfio_ap and is in the mdev's guest_matrix (legacy: in matrix and bound); the control domains are in effect. */
    READY,
    /** Writes are still needed or were just made and are not all confirmed yet. */
    APPLYING,
    /** The kernel accepted the assignment but filters part of it out of what the guest gets. */
    DEGRADED,
    /** A guest uses the mdev: the agent refuses unassign, shrinking ap_config writes and remove, and retries later. */
    IN_USE,
    /** Someone changed what the operator owns by hand; the agent repaired its own part (see the reason). */
    DRIFTED,
    /** The plan was computed for an inventory the node no longer has; nothing was done for it. */
    PLAN_STALE,
    /** The node rebooted (kernel state reset); the agent is re-creating the mdev from scratch. */
    RESTORING,
    /** A host write was refused; the reason carries the kernel's errno sentence. */
    FAILED
}
