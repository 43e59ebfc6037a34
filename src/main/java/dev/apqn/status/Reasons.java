package dev.apqn.status;

import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The fixed vocabulary of condition reasons (CamelCase, as metav1.Condition requires), also used as
 * event reasons. Grouped by the condition they usually go with.
 */
public final class Reasons {

    // Ready / Reconciling
    public static final String READY = "Ready";
    public static final String PLANNING = "Planning";
    public static final String AWAITING_APPROVAL = "AwaitingApproval";
    public static final String APPLYING = "Applying";
    public static final String DRAINING = "Draining";
    public static final String RELEASING = "Releasing";
    public static final String RELEASED = "Released";
    public static final String WAITING_FOR_AGENT = "WaitingForAgent";
    public static final String RECONCILED = "Reconciled";

    // Stalled: the user or admin must change something
    public static final String INVALID_SPEC = "InvalidSpec";
    public static final String NOT_RECTANGLE = "NotRectangle";
    public static final String NODE_NOT_FOUND = "NodeNotFound";
    public static final String NODE_NOT_S390 = "NodeNotS390";
    public static final String AGENT_UNAVAILABLE = "AgentUnavailable";
    public static final String APQN_NOT_FOUND = "ApqnNotFound";
    public static final String INSUFFICIENT_CAPACITY = "InsufficientCapacity";
    public static final String NOT_PERMITTED = "NotPermitted";
    public static final String KEPT_FOR_HOST = "KeptForHost";
    public static final String APPROVED_PLAN_MISMATCH = "ApprovedPlanMismatch";
    public static final String SPEC_CHANGED_AFTER_ALLOCATION = "SpecChangedAfterAllocation";
    public static final String DRAIN_TIMEOUT = "DrainTimeout";
    public static final String DRIVER_BIND_FAILED = "DriverBindFailed";
    public static final String MDEV_CREATE_FAILED = "MdevCreateFailed";
    public static final String ASSIGN_FAILED = "AssignFailed";

    // Conflict
    public static final String MATRIX_CONFLICT = "MatrixConflict";
    public static final String COLLATERAL_CONFLICT = "CollateralConflict";
    public static final String FOREIGN_MDEV = "ForeignMdev";
    public static final String FOREIGN_MASK_BITS = "ForeignMaskBits";
    public static final String MDEV_UUID_IN_USE = "MdevUuidInUse";

    // Degraded
    public static final String FILTERED_BY_KERNEL = "FilteredByKernel";
    public static final String CARD_CHECKSTOPPED = "CardCheckstopped";
    public static final String CARD_DECONFIGURED = "CardDeconfigured";
    public static final String QUEUE_MISSING = "QueueMissing";
    public static final String QUEUE_BUSY = "QueueBusy";

    // InUse / Drifted / Restoring / PlanStale (agent)
    public static final String GUEST_RUNNING = "GuestRunning";
    public static final String MDEV_CHANGED = "MdevChangedOutside";
    public static final String MDEV_VANISHED = "MdevVanished";
    public static final String MASK_CHANGED = "MaskChangedOutside";
    public static final String RECOVERING_INTENT = "RecoveringIntent";
    public static final String INVENTORY_CHANGED = "InventoryChanged";
    public static final String NODE_MODE_CHANGED = "NodeModeChanged";

    // Explicit ways out of a blocked release
    public static final String NODE_DELETED = "NodeDeleted";
    public static final String FORCE_RELEASED = "ForceReleased";

    // Generic "condition is false because all is well"
    public static final String AS_EXPECTED = "AsExpected";

    /** Every reason above. */
    public static final Set<String> ALL = Arrays.stream(Reasons.class.getDeclaredFields())
            .filter(f -> Modifier.isStatic(f.getModifiers()) && f.getType() == String.class)
            .map(f -> {
                try {
                    return (String) f.get(null);
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            })
            .collect(Collectors.toUnmodifiableSet());

    private Reasons() {
    }

    /** Throws for a reason outside the vocabulary. */
    public static String check(String reason) {
        if (!ALL.contains(reason)) {
            throw new IllegalArgumentException("reason " + reason + " is not in the vocabulary (dev.apqn.status.Reasons)");
        }
        return reason;
    }
}
