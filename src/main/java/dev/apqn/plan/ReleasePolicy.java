package dev.apqn.plan;

/** What happens to a reservation's APQNs when it is deleted. */
public enum ReleasePolicy {
    /** Back to the host unless another claim still needs them off the host. */
    RETURN_TO_HOST,
    /** Stay off the host as a KEPT claim of the deleted reservation (its mdev is removed). */
    KEEP
}
