package dev.apqn.api.v1alpha1;

/** What happens to the APQNs when the reservation is deleted. */
public enum ReleasePolicy {
    /** Remove the mdev and give the queues back to the host's zcrypt drivers. */
    ReturnToHost,
    /** Remove the mdev but keep the queues off the host (bound to vfio_ap), recorded as KEPT claims. */
    Keep
}
