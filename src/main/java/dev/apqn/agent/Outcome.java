package dev.apqn.agent;

import static dev.apqn.agent.SyncState.APPLYING;
import static dev.apqn.agent.SyncState.DEGRADED;
import static dev.apqn.agent.SyncState.DRIFTED;
import static dev.apqn.agent.SyncState.FAILED;
import static dev.apqn.agent.SyncState.IN_USE;
import static dev.apqn.agent.SyncState.PLAN_STALE;
import static dev.apqn.agent.SyncState.READY;
import static dev.apqn.agent.SyncState.RESTORING;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * One thing a converge found about a part of the node it reports on (the host edits or one operator
 * mdev): a {@link SyncState} and the sentence that says why.
 *
 * <p>A part can collect several outcomes in one converge (a refused write, a guest holding a
 * shrink, work still under way...). The part's verdict is the first of them in {@link #PRECEDENCE},
 * the one order for the host edits, wanted mdevs and mdevs being released alike; among outcomes of
 * the same state the one offered first wins.
 */
record Outcome(SyncState state, String reason) {

    /**
     * Most telling first: the plan no longer fits the node (nothing was done for it); a write was
     * refused; a guest or an assignment holds the change up; the change is still under way (Restoring
     * after a reboot); the kernel filters out part of what was assigned; a hand edit was repaired;
     * Ready.
     */
    static final List<SyncState> PRECEDENCE = List.of(PLAN_STALE, FAILED, IN_USE, APPLYING, RESTORING, DEGRADED, DRIFTED, READY);

    private static final Comparator<Outcome> BY_PRECEDENCE = Comparator.comparingInt(o -> rank(o.state()));

    Outcome {
        Objects.requireNonNull(state, "state");
        reason = reason == null ? "" : reason;
    }

    static Outcome ready() {
        return new Outcome(READY, "");
    }

    /** The verdict among {@code candidates}: the first by {@link #PRECEDENCE}, ties to the earlier candidate. */
    static Outcome verdict(List<Outcome> candidates) {
        return candidates.stream().min(BY_PRECEDENCE).orElseThrow(() -> new IllegalArgumentException("no outcome"));
    }

    private static int rank(SyncState s) {
        // APPLYING and RESTORING are the same step (work under way); a part has only one of them
        return s == RESTORING ? PRECEDENCE.indexOf(APPLYING) : PRECEDENCE.indexOf(s);
    }
}
