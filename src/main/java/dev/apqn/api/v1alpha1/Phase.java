package dev.apqn.api.v1alpha1;

/** The derived lifecycle phase of a reservation (a printer column; conditions carry the detail). */
public enum Phase {
    Pending,
    Planned,
    AwaitingApproval,
    Applying,
    Ready,
    Conflict,
    Degraded,
    Releasing
}
