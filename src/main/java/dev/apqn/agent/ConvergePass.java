package dev.apqn.agent;

import static dev.apqn.agent.SyncState.APPLYING;
import static dev.apqn.agent.SyncState.FAILED;
import static dev.apqn.agent.SyncState.PLAN_STALE;

import dev.apqn.ap.Apqn;
import dev.apqn.apbus.SysfsException;
import dev.apqn.plan.HostTarget;
import dev.apqn.plan.MdevTarget;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The steps of one converge between its first read and its verification read, in the order
 * {@link HostConverger} documents: findings, release (mdevs, then every strategy's give-back), take
 * (the mode's strategy), bind, create and assign. It decides what to do; the mode's
 * {@link OwnershipStrategy} and the {@link MdevEditor} do it, through the pass's {@link HostWriter}.
 */
final class ConvergePass {

    private final Pass p;
    private final OwnershipStrategy mode;
    private final MdevEditor mdevs;

    ConvergePass(Pass p, OwnershipStrategy mode, ApConfigSupport apConfig) {
        this.p = p;
        this.mode = mode;
        this.mdevs = new MdevEditor(p, apConfig);
    }

    void run(long generation) throws IOException, SysfsException, InterruptedException {
        noteDriftAndForeign();
        Optional<String> unsupported = mode.unsupported(p.target(), p.inv(), generation);
        if (unsupported.isPresent()) {
            p.outcomes().host(PLAN_STALE, unsupported.get());
            p.target().mdevs().keySet().forEach(u -> p.outcomes().mdev(u, PLAN_STALE, unsupported.get()));
            return;
        }
        checkStaleness(generation);

        mdevs.removeUnwanted();
        mdevs.shrinkWanted();
        for (OwnershipStrategy s : OwnershipStrategy.all()) {
            if (s == mode || s.ownsAny(p.ledger().owned())) {
                s.giveBack(p);
            }
        }
        if (p.outcomes().hostIs(PLAN_STALE)) {
            return;
        }
        mode.take(p);
        bindReserved();
        if (!p.outcomes().hostIs(FAILED) && p.ledger().openIntents().isEmpty()) {
            mdevs.createAndAssign();
        } else {
            // the queues are not (known to be) off the host: assigning them now could only fail
            String why = p.outcomes().host(FAILED).map(f -> "taking the queues from the host failed: " + f.reason()).orElse(Outcomes.WRITE_PENDING);
            p.target().mdevs().keySet().stream().filter(u -> !p.outcomes().mdevIs(u, PLAN_STALE) && !p.matrices().exists(u))
                    .forEach(u -> p.outcomes().mdev(u, APPLYING, why));
        }
    }

    /** True if a write's outcome is uncertain or was refused: the verification must read everything. */
    boolean uncertain() {
        return !p.ledger().openIntents().isEmpty() || p.outcomes().hostIs(FAILED) || p.outcomes().anyMdevIs(FAILED);
    }

    /** Hand edits of what the operator owns (drift), and what it did not make (foreign, never touched). */
    private void noteDriftAndForeign() throws IOException {
        Ownership owned = p.ledger().owned();
        for (OwnershipStrategy s : OwnershipStrategy.all()) {
            s.noteDrift(owned, p.inv(), p.log());
        }
        mdevs.noteDrift(owned);
        owned = p.ledger().owned();
        mdevs.noteForeign(owned);
        for (OwnershipStrategy s : OwnershipStrategy.all()) {
            s.noteForeign(owned, p.inv(), p.log());
        }
    }

    /** Decides which parts of the plan no longer fit the node; those are left alone. */
    private void checkStaleness(long gen) {
        HostTarget target = p.target();
        boolean moved = gen != target.inventoryGeneration();
        if (moved) {
            for (MdevTarget t : target.mdevs().values()) {
                List<Apqn> missing = t.matrix().apqns().stream().filter(q -> !p.inv().queues().containsKey(q)).toList();
                if (!missing.isEmpty()) {
                    p.outcomes().mdev(t.uuid(), PLAN_STALE, "the plan was computed for inventory generation " + target.inventoryGeneration()
                            + " but the node is at " + gen + " and the queues " + missing + " no longer exist");
                }
            }
        }
        // Whatever the generations say: the edits must not take a queue off the host that no claim declares.
        Ownership owned = p.ledger().owned();
        SortedSet<Apqn> predicted = mode.offHostAfter(target, owned, p.inv());
        predicted.removeAll(OffHostAccounting.withAllGivenBack(p.inv(), owned));
        predicted.removeAll(p.claims().apqns());
        if (!predicted.isEmpty()) {
            p.outcomes().host(PLAN_STALE, "the plan's host edits would take " + predicted + " off the host without a claim"
                    + (moved ? " (the plan is for inventory generation " + target.inventoryGeneration() + ", the node is at " + gen + ")"
                    : "; the plan does not declare this collateral"));
        }
    }

    /** Probes reserved queues that have no driver (absent: reported at verification; bound elsewhere: the take failed, reported). */
    private void bindReserved() throws IOException, SysfsException {
        SortedSet<Apqn> reserved = new TreeSet<>();
        p.target().mdevs().values().stream().filter(t -> !p.outcomes().mdevIs(t.uuid(), PLAN_STALE))
                .forEach(t -> reserved.addAll(t.matrix().apqns()));
        for (Apqn q : reserved) {
            if (!QueueReads.unbound(p.bus(), q)) {
                continue;
            }
            try {
                p.writer().write(HostWrite.bindReserved(q, p.claims().ownersOf(q)), () -> p.bus().probe(q));
            } catch (SysfsException ex) {
                p.outcomes().hostRefused(ex);
            }
        }
    }
}
