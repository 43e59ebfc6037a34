package dev.apqn.status;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Condition types of the apqn.dev API, and small helpers on {@code metav1.Condition} lists.
 * Reservation: {@link #READY}, {@link #RECONCILING}, {@link #STALLED} (the kstatus pair),
 * {@link #CONFLICT}, {@link #DEGRADED}. Node state (agent): {@link #READY}, {@link #DEGRADED},
 * {@link #IN_USE}, {@link #DRIFTED}, {@link #RESTORING}, {@link #PLAN_STALE}. Reasons: {@link Reason}.
 */
public final class Conditions {

    /** Every APQN is in the mdev's guest_matrix (node state: the node matches spec). */
    public static final String READY = "Ready";
    /** kstatus: work is in progress (planning, awaiting approval, applying, releasing). */
    public static final String RECONCILING = "Reconciling";
    /** kstatus: no progress is possible without a change by someone (invalid, refused, conflict, failure). */
    public static final String STALLED = "Stalled";
    /** Another reservation, a foreign mdev or mask bit, or the policy holds the APQNs. */
    public static final String CONFLICT = "Conflict";
    /** Set up, but the kernel filters some APQNs out of guest_matrix, or a card is unavailable. */
    public static final String DEGRADED = "Degraded";
    /** A running guest uses the mdev, which blocks its release or change. */
    public static final String IN_USE = "InUse";
    /** Someone changed the operator's mdevs or mask bits behind its back. */
    public static final String DRIFTED = "Drifted";
    /** The agent is recovering an interrupted step from its intent ledger. */
    public static final String RESTORING = "Restoring";
    /** The host edits were computed for another node mode or inventory generation. */
    public static final String PLAN_STALE = "PlanStale";

    public static final String TRUE = "True";
    public static final String FALSE = "False";
    public static final String UNKNOWN = "Unknown";

    /** All types, for vocabulary checks. */
    public static final Set<String> ALL = Set.of(READY, RECONCILING, STALLED, CONFLICT, DEGRADED, IN_USE, DRIFTED,
            RESTORING, PLAN_STALE);

    private Conditions() {
    }

    public static Optional<Condition> find(List<Condition> conditions, String type) {
        return conditions == null ? Optional.empty()
                : conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
    }

    public static boolean isTrue(List<Condition> conditions, String type) {
        return find(conditions, type).map(c -> TRUE.equals(c.getStatus())).orElse(false);
    }

    /**
     * The list with the condition of {@code type} set: a new list (the input is not modified),
     * {@code lastTransitionTime} kept unless the status flips, {@code now} (RFC 3339) otherwise.
     */
    public static List<Condition> set(List<Condition> conditions, String type, boolean status, Reason reason,
                                      String message, Long observedGeneration, String now) {
        return set(conditions, type, status ? TRUE : FALSE, reason, message, observedGeneration, now);
    }

    public static List<Condition> set(List<Condition> conditions, String type, String status, Reason reason,
                                      String message, Long observedGeneration, String now) {
        if (!ALL.contains(type)) {
            throw new IllegalArgumentException("unknown condition type " + type + "; known: " + ALL);
        }
        var out = new ArrayList<Condition>();
        String transition = now;
        if (conditions != null) {
            for (Condition c : conditions) {
                if (type.equals(c.getType())) {
                    if (status.equals(c.getStatus()) && c.getLastTransitionTime() != null) {
                        transition = c.getLastTransitionTime();
                    }
                } else {
                    out.add(c);
                }
            }
        }
        out.add(new ConditionBuilder().withType(type).withStatus(status).withReason(reason.name())
                .withMessage(message == null ? "" : message).withObservedGeneration(observedGeneration)
                .withLastTransitionTime(transition).build());
        out.sort(java.util.Comparator.comparing(Condition::getType));
        return out;
    }

    /** The list without the condition of {@code type} (a new list). */
    public static List<Condition> remove(List<Condition> conditions, String type) {
        return conditions == null ? new ArrayList<>()
                : new ArrayList<>(conditions.stream().filter(c -> !type.equals(c.getType())).toList());
    }
}
