package dev.apqn.plan;

import dev.apqn.status.Reason;

import dev.apqn.ap.Apqn;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The planner's verdict on one reservation. Every verdict except {@link Allocated} leaves a holder
 * with its current allocation ({@link #retained()}): a failed or pending edit never tears a
 * running guest's matrix down.
 */
public sealed interface Decision {

    /** The allocation that stays in force for a holder whose new request did not go through. */
    default Optional<Allocation> retained() {
        return Optional.empty();
    }

    /** A stable hash of the decision (for Allocated/AwaitingApproval: the plan hash). */
    String hash();

    /** The plan is in the HostTarget. */
    record Allocated(ReservationPlan plan) implements Decision {
        public Allocated {
            Objects.requireNonNull(plan, "plan");
        }

        @Override
        public String hash() {
            return plan.hash();
        }
    }

    /** Another reservation holds (or has precedence on) some of the requested APQNs. */
    record Conflict(String holder, SortedSet<Apqn> contested, String message, Optional<Allocation> retained, String hash)
            implements Decision {
        public Conflict {
            Objects.requireNonNull(holder, "holder");
            contested = new TreeSet<>(contested);
            Objects.requireNonNull(message, "message");
            Objects.requireNonNull(retained, "retained");
        }
    }

    /** The request cannot be planned; the message names the field and the fix. */
    record Refused(Reason reason, String message, SortedSet<Apqn> apqns, Optional<Allocation> retained, String hash)
            implements Decision {
        public Refused {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(message, "message");
            apqns = new TreeSet<>(apqns);
            Objects.requireNonNull(retained, "retained");
        }
    }

    /** The plan is computed and shown but not executed until the reservation's {@code spec.approvedPlan} equals its hash. */
    record AwaitingApproval(ReservationPlan plan, String why, Optional<Allocation> retained) implements Decision {
        public AwaitingApproval {
            Objects.requireNonNull(plan, "plan");
            Objects.requireNonNull(why, "why");
            Objects.requireNonNull(retained, "retained");
        }

        @Override
        public String hash() {
            return plan.hash();
        }
    }

    /**
     * The reservation is being deleted: its mdev is removed and its claims dropped, or kept as a
     * KEPT claim ({@code releasePolicy: Keep}).
     *
     * @param kept                APQNs that stay off the host as KEPT
     * @param affectedGuestQueues queues a running guest still uses (the agent reports InUse)
     */
    record Released(SortedSet<Apqn> kept, SortedSet<Apqn> affectedGuestQueues, List<String> warnings, String hash)
            implements Decision {
        public Released {
            kept = new TreeSet<>(kept);
            affectedGuestQueues = new TreeSet<>(affectedGuestQueues);
            warnings = List.copyOf(warnings);
        }
    }
}
