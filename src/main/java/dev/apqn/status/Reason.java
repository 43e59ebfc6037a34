package dev.apqn.status;

import java.util.Arrays;
import java.util.Optional;

/**
 * The one vocabulary of reasons (CamelCase, as metav1.Condition requires): condition reasons, the
 * planner's refusals, the agent's per-reservation reasons and Event reasons are all these values,
 * so a refusal has one name wherever it shows. Grouped by the condition they usually go with.
 */
public enum Reason {

    // Ready / Reconciling
    Ready,
    Planning,
    AwaitingApproval,
    Applying,
    Draining,
    Releasing,
    Released,
    WaitingForAgent,
    Reconciled,

    // Stalled: the user or admin must change something
    InvalidSpec,
    NotRectangle,
    NodeNotFound,
    NodeNotS390,
    AgentUnavailable,
    ApqnNotFound,
    InsufficientCapacity,
    NotPermitted,
    KeptForHost,
    ApprovedPlanMismatch,
    SpecChangedAfterAllocation,
    DrainTimeout,
    DriverBindFailed,
    MdevCreateFailed,
    AssignFailed,

    // Conflict
    MatrixConflict,
    CollateralConflict,
    ForeignMdev,
    ForeignMaskBits,
    MdevUuidInUse,

    // Degraded
    FilteredByKernel,
    CardCheckstopped,
    CardDeconfigured,
    QueueMissing,
    QueueBusy,

    // InUse / Drifted / Restoring / PlanStale (agent)
    GuestRunning,
    MdevChangedOutside,
    MdevVanished,
    MaskChangedOutside,
    RecoveringIntent,
    InventoryChanged,
    NodeModeChanged,

    // Explicit ways out of a blocked release
    NodeDeleted,
    ForceReleased,

    // Generic "condition is false because all is well"
    AsExpected;

    /** The reason a condition or report names, if it is one of ours (another component's is not). */
    public static Optional<Reason> parse(String text) {
        return text == null ? Optional.empty() : Arrays.stream(values()).filter(r -> r.name().equals(text)).findFirst();
    }
}
