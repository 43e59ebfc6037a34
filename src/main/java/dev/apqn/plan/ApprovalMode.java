package dev.apqn.plan;

/** Whether a reservation's plan runs as soon as it is computed or waits for its hash to be approved. */
public enum ApprovalMode {
    AUTOMATIC,
    MANUAL
}
