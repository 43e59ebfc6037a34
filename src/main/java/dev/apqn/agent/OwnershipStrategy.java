package dev.apqn.agent;

import dev.apqn.ap.Apqn;
import dev.apqn.apbus.ApInventory;
import dev.apqn.apbus.SysfsException;
import dev.apqn.plan.HostTarget;
import dev.apqn.plan.OwnershipMode;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;

/**
 * How queues leave the host on a node, one strategy per {@link OwnershipMode}: bus masks
 * ({@link MaskOwnership}) or per-queue driver_override ({@link OverrideOwnership}). A strategy
 * knows what the plan asks of its mechanism (the take and its check), what the operator owns
 * through it (drift, foreign objects, give-back) and how to tell that those are done.
 *
 * <p>A converge takes only through the strategy of the plan's mode, but gives back through every
 * strategy that owns something (or is the mode's): the ledger may still hold what an earlier mode
 * took. Adding a node mode is a new strategy plus its line in {@link #of} and {@link #all}.
 */
sealed interface OwnershipStrategy permits MaskOwnership, OverrideOwnership {

    /** The strategy of a node mode: the one place a mode is mapped to its mechanism. */
    static OwnershipStrategy of(OwnershipMode mode) {
        return switch (mode) {
            case MASKS -> MaskOwnership.INSTANCE;
            case DRIVER_OVERRIDE -> OverrideOwnership.INSTANCE;
        };
    }

    /** Every strategy, in the order their findings are listed and their give-backs run. */
    static List<OwnershipStrategy> all() {
        return List.of(MaskOwnership.INSTANCE, OverrideOwnership.INSTANCE);
    }

    /** Why this node cannot carry out a plan of this mode (the plan is stale); empty if it can. */
    Optional<String> unsupported(HostTarget target, ApInventory inv, long generation);

    /** True if the ledger says the operator took anything through this mechanism. */
    boolean ownsAny(Ownership owned);

    /** Notes hand edits of what the operator took through this mechanism. */
    void noteDrift(Ownership owned, ApInventory inv, PassLog log);

    /** Notes what someone else took off the host through this mechanism; it is left alone. */
    void noteForeign(Ownership owned, ApInventory inv, PassLog log);

    /** The queue devices off the host once the plan's edits are made through this mechanism. */
    SortedSet<Apqn> offHostAfter(HostTarget target, Ownership owned, ApInventory inv);

    /** Gives back what the operator took through this mechanism and no claim needs any more. */
    void giveBack(Pass p) throws IOException, SysfsException;

    /** Takes from the host what the plan needs through this mechanism: drain, then write. */
    void take(Pass p) throws IOException, SysfsException, InterruptedException;

    /** True if the inventory shows everything the plan takes through this mechanism taken. */
    boolean taken(HostTarget target, ApInventory inv);

    /** True if nothing the operator took through this mechanism is left to give back. */
    boolean givenBack(Ownership owned, HostTarget target);

    /** True if the queue is off the host because of something this mechanism still has to give back. */
    boolean givingBack(Apqn q, Ownership owned, HostTarget target);
}
