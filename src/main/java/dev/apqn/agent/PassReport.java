package dev.apqn.agent;

import static dev.apqn.agent.SyncState.APPLYING;
import static dev.apqn.agent.SyncState.DEGRADED;
import static dev.apqn.agent.SyncState.DRIFTED;
import static dev.apqn.agent.SyncState.FAILED;
import static dev.apqn.agent.SyncState.IN_USE;
import static dev.apqn.agent.SyncState.PLAN_STALE;
import static dev.apqn.agent.SyncState.RESTORING;

import dev.apqn.ap.ApDriver;
import dev.apqn.ap.ApMask;
import dev.apqn.ap.ApMdev;
import dev.apqn.ap.ApQueue;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.Matrix;
import dev.apqn.apbus.ApInventory;
import dev.apqn.plan.HostTarget;
import dev.apqn.plan.MdevTarget;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Turns what one converge noted into its {@link ConvergeReport}, from the inventory re-read after
 * the writes: one verdict for the host edits and one per operator mdev, each the first of its
 * candidate {@link Outcome}s by {@link Outcome#PRECEDENCE}; the off-host accounting; the ledger's
 * durable figures. Which outcomes are candidates depends on what the kernel shows: an mdev whose
 * matrix is what the plan wants can be Degraded, Drifted (repaired) or Ready; one whose matrix is
 * not can be In use or under way; a stale host plan counts only against the latter.
 */
final class PassReport {

    private final HostTarget target;
    private final Claims claims;
    private final IntentLedger ledger;
    private final Outcomes outcomes;
    private final PassLog log;
    private final OwnershipStrategy mode;

    PassReport(Pass p, OwnershipStrategy mode) {
        this.target = p.target();
        this.claims = p.claims();
        this.ledger = p.ledger();
        this.outcomes = p.outcomes();
        this.log = p.log();
        this.mode = mode;
    }

    ConvergeReport build(ApInventory inv, long gen) throws IOException {
        Ownership owned = ledger.owned();
        SyncState underWay = ledger.restoring() ? RESTORING : APPLYING;
        SortedMap<UUID, MdevStatus> mdevs = new TreeMap<>();
        for (MdevTarget t : target.mdevs().values()) {
            mdevs.put(t.uuid(), wanted(t, inv, underWay));
        }
        for (var e : owned.mdevs().entrySet()) {
            if (!target.mdevs().containsKey(e.getKey())) {
                mdevs.put(e.getKey(), releasing(e.getKey(), e.getValue().owner(), inv));
            }
        }
        boolean pending = !ledger.openIntents().isEmpty();
        List<Outcome> host = new ArrayList<>();
        outcomes.host(PLAN_STALE).ifPresent(host::add);
        outcomes.host(FAILED).ifPresent(host::add);
        outcomes.host(IN_USE).ifPresent(host::add);
        if (pending || !hostEditsDone(owned, inv)) {
            host.add(new Outcome(underWay, pending ? Outcomes.WRITE_PENDING : "host edits not complete"));
        }
        host.add(Outcome.ready());
        Outcome hostVerdict = Outcome.verdict(host);

        SortedSet<Apqn> unaccounted = OffHostAccounting.byOperator(inv, owned);
        unaccounted.removeAll(claims.apqns());
        if (outcomes.hostIs(IN_USE) || outcomes.hostIs(FAILED) || pending) {
            // off the host for a release the kernel holds up: still owned (by the mdev's owner in the ledger)
            unaccounted.removeIf(q -> isPendingGiveBack(q, owned));
        }
        boolean restoring = ledger.restoring();
        // figures of reservations with nothing left on the node (no claim, no operator mdev) are forgotten
        Set<String> present = claims.allOwners();
        owned.mdevs().values().forEach(m -> present.add(m.owner()));
        ledger.retainTakeovers(present);
        ConvergeReport r = new ConvergeReport(gen, restoring, hostVerdict.state(), hostVerdict.reason(), mdevs,
                OffHostAccounting.offHostNow(inv), unaccounted, log.foreign, log.drifts, log.events, log.inFlightAtWrite(),
                log.inFlightThisPass(), ledger.inFlightAtTakeover(), log.drainTimedOut(), log.refusedWrites(), log.takeovers());
        if (restoring && r.converged()) {
            ledger.setRestoring(false);
        }
        return r;
    }

    /** An mdev the plan wants. */
    private MdevStatus wanted(MdevTarget t, ApInventory inv, SyncState underWay) {
        UUID u = t.uuid();
        ApMdev m = inv.mdevs().get(u);
        boolean inPlace = m != null && m.matrix().equals(t.matrix());
        List<Outcome> candidates = new ArrayList<>();
        outcomes.mdev(u, PLAN_STALE).ifPresent(candidates::add);
        outcomes.mdev(u, FAILED).ifPresent(candidates::add);
        if (!inPlace) {
            outcomes.host(PLAN_STALE).ifPresent(candidates::add);
            outcomes.mdev(u, IN_USE).ifPresent(candidates::add);
            String why = outcomes.mdev(u, APPLYING).map(Outcome::reason)
                    .orElse(m == null ? "mdev not created yet" : "matrix is " + m.matrix() + ", wanted " + t.matrix());
            candidates.add(new Outcome(underWay, why));
        } else {
            List<String> problems = problems(t, m, inv);
            if (!problems.isEmpty()) {
                candidates.add(new Outcome(DEGRADED, String.join("; ", problems)));
            }
            outcomes.mdev(u, DRIFTED).ifPresent(d -> candidates.add(new Outcome(DRIFTED, d.reason() + "; repaired")));
            candidates.add(Outcome.ready());
        }
        return status(u, t.owner(), true, Outcome.verdict(candidates), m);
    }

    /** An operator mdev the plan no longer wants. */
    private MdevStatus releasing(UUID u, String owner, ApInventory inv) {
        List<Outcome> candidates = new ArrayList<>();
        outcomes.mdev(u, FAILED).ifPresent(candidates::add);
        outcomes.mdev(u, IN_USE).ifPresent(candidates::add);
        candidates.add(new Outcome(APPLYING, "being released"));
        return status(u, owner, false, Outcome.verdict(candidates), inv.mdevs().get(u));
    }

    private static MdevStatus status(UUID u, String owner, boolean wanted, Outcome verdict, ApMdev m) {
        return new MdevStatus(u, owner, wanted, verdict.state(), verdict.reason(), Optional.ofNullable(m).map(ApMdev::matrix),
                Optional.ofNullable(m).map(x -> x.guestMatrix().orElse(x.matrix())));
    }

    /** Off the host because of something the operator still has to give back (through any mechanism). */
    private boolean isPendingGiveBack(Apqn q, Ownership owned) {
        return OwnershipStrategy.all().stream().anyMatch(s -> s.givingBack(q, owned, target));
    }

    /** The mode's take is done and nothing is left to give back through any mechanism. */
    private boolean hostEditsDone(Ownership owned, ApInventory inv) {
        return mode.taken(target, inv) && OwnershipStrategy.all().stream().allMatch(s -> s.givenBack(owned, target));
    }

    /** Why the guest does not get exactly what was reserved (empty = Ready). */
    private static List<String> problems(MdevTarget t, ApMdev m, ApInventory inv) {
        List<String> out = new ArrayList<>();
        boolean legacy = m.guestMatrix().isEmpty();
        Matrix seen = m.guestMatrix().orElse(m.matrix());
        ApMask hostA = inv.bus().hostAdapters().orElse(ApMask.all());
        ApMask hostU = inv.bus().hostUsageDomains().orElse(ApMask.all());
        for (Apqn q : t.matrix().apqns()) {
            ApQueue queue = inv.queues().get(q);
            if (queue == null) {
                boolean outside = !hostA.get(q.adapter()) || !hostU.get(q.domain());
                out.add(q + (outside ? " is outside the host configuration" : " has no queue device") + ": the guest does not get it");
            } else if (queue.driver() != ApDriver.VFIO_AP) {
                out.add(q + " is bound to " + queue.driver() + ", not vfio_ap");
            } else if (!seen.contains(q)) {
                out.add(q + " is assigned but filtered out of " + (legacy ? "matrix" : "guest_matrix"));
            }
        }
        ApMask hostC = inv.bus().hostControlDomains().orElse(ApMask.all());
        ApMask missingC = t.matrix().controlDomains().andNot(m.matrix().controlDomains().and(hostC));
        if (!missingC.isEmpty()) {
            out.add("control domains " + missingC.toRangeList() + " are not in effect (outside the host configuration)");
        }
        return out;
    }
}
