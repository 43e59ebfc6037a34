package dev.apqn.agent;

import dev.apqn.agent.IntentLedger.Op;
import dev.apqn.ap.ApMdev;
import dev.apqn.ap.ApQueue;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.Matrix;
import dev.apqn.apbus.SysfsException;
import dev.apqn.plan.MdevTarget;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The mdev steps of one converge: notes hand edits of the operator's mdevs and mdevs it did not
 * make; removes the operator's mdevs the plan no longer wants; shrinks wanted ones before the
 * give-back and grows them after the take, with one {@code ap_config} write where the kernel has
 * it, else one unassign/assign per id (adapters, domains, control domains, in that order). A guest
 * using the mdev refuses the removal and every shrink (In use); the rest is still added live. An mdev a
 * prepared ResourceClaim holds ({@link PreparedClaims}) is not removed either.
 */
final class MdevEditor {

    private final Pass p;
    private final ApConfigSupport apConfig;

    MdevEditor(Pass p, ApConfigSupport apConfig) {
        this.p = p;
        this.apConfig = apConfig;
    }

    /**
     * Hand edits of the operator's mdevs: one removed by hand is disowned (a wanted one is created
     * again); a matrix changed by hand, unless a configure of it is still unresolved, is repaired.
     */
    void noteDrift(Ownership owned) throws IOException {
        List<LedgerChange> gone = new ArrayList<>();
        for (var e : owned.mdevs().entrySet()) {
            UUID u = e.getKey();
            ApMdev now = p.inv().mdevs().get(u);
            if (now == null) {
                drift(u, "mdev " + u + " of " + e.getValue().owner() + " was removed by hand");
                gone.add(LedgerChange.disownMdev(u));
            } else if (!now.matrix().equals(e.getValue().confirmed()) && p.ledger().openIntents().stream()
                    .noneMatch(i -> i.op() == Op.CONFIGURE_MDEV && i.object().equals(u.toString()))) {
                drift(u, "the matrix of mdev " + u + " was changed by hand from " + e.getValue().confirmed() + " to " + now.matrix());
            }
        }
        p.ledger().apply(gone);
    }

    private void drift(UUID u, String what) {
        p.log().drifts.add(what);
        p.outcomes().mdev(u, SyncState.DRIFTED, what);
    }

    void noteForeign(Ownership owned) {
        for (ApMdev m : p.inv().mdevs().values()) {
            if (!owned.mdevs().containsKey(m.uuid())) {
                p.log().foreign.add("mdev " + m.uuid() + " (" + m.matrix() + ") was not made by the operator; left alone");
            }
        }
    }

    void removeUnwanted() throws IOException, SysfsException {
        for (var e : p.ledger().owned().mdevs().entrySet()) {
            UUID u = e.getKey();
            if (p.target().mdevs().containsKey(u) || !p.matrices().exists(u)) {
                continue;
            }
            Optional<String> claim = p.prepared().claimUsing(u);
            if (claim.isPresent()) {
                p.outcomes().mdev(u, SyncState.IN_USE, claim.get() + " is prepared with the mdev; it is removed once the"
                        + " kubelet unprepares the claim (its pod is gone)");
                continue;
            }
            Optional<String> guest = guestUses(u);
            if (guest.isPresent()) {
                p.outcomes().mdev(u, SyncState.IN_USE, "a guest uses the mdev (" + guest.get() + "); it is removed once the guest stops");
                continue;
            }
            try {
                boolean gone = p.writer().write(HostWrite.removeMdev(u, e.getValue().owner(), p.matrices().get(u)),
                        () -> p.bus().removeMdev(u));
                if (gone) {
                    p.matrices().forget(u);
                    p.log().events.add("removed mdev " + u + " of " + e.getValue().owner());
                } else {
                    p.outcomes().mdev(u, SyncState.IN_USE, "the kernel has not finished removing the mdev (a guest may still hold it); retrying");
                }
            } catch (SysfsException ex) {
                p.outcomes().mdevRefused(u, ex);
            }
        }
    }

    /** Unassigns what the wanted mdevs no longer hold, so that the give-back is not vetoed by it. */
    void shrinkWanted() throws IOException, SysfsException {
        for (MdevTarget t : p.target().mdevs().values()) {
            UUID u = t.uuid();
            Matrix cur = p.matrices().get(u);
            if (cur == null || !p.ledger().owned().mdevs().containsKey(u) || p.outcomes().mdevIs(u, SyncState.PLAN_STALE)) {
                continue;
            }
            Matrix keep = intersect(cur, t.matrix());
            if (keep.equals(cur)) {
                continue;
            }
            Optional<String> guest = guestUses(u);
            if (guest.isPresent()) {
                p.outcomes().mdev(u, SyncState.IN_USE, "a guest uses the mdev (" + guest.get() + "); removing " + minus(cur, t.matrix())
                        + " is refused until it stops");
                continue;
            }
            try {
                configure(t, cur, keep, "unassign what the reservation no longer holds");
            } catch (SysfsException ex) {
                p.outcomes().mdevRefused(u, ex);
            }
        }
    }

    /** Creates the missing wanted mdevs and assigns what the plan reserves for them. */
    void createAndAssign() throws IOException, SysfsException {
        for (MdevTarget t : p.target().mdevs().values()) {
            UUID u = t.uuid();
            if (p.outcomes().mdevIs(u, SyncState.PLAN_STALE) || p.outcomes().mdevIs(u, SyncState.FAILED)) {
                continue;
            }
            if (p.matrices().exists(u) && !p.ledger().owned().mdevs().containsKey(u)) {
                p.outcomes().mdev(u, SyncState.FAILED, "an mdev " + u + " exists that the operator did not make; it is left alone");
                continue;
            }
            try {
                if (!p.matrices().exists(u)) {
                    boolean made = p.writer().write(HostWrite.createMdev(t), () -> p.bus().createMdev(u));
                    if (!made) {
                        continue;
                    }
                    p.log().events.add("created mdev " + u + " for " + t.owner());
                }
                Matrix cur = p.matrices().get(u);
                // a refused shrink keeps what the guest uses; the rest is still added live
                Matrix goal = p.outcomes().mdevIs(u, SyncState.IN_USE) ? union(cur, t.matrix()) : t.matrix();
                if (!cur.equals(goal)) {
                    configure(t, cur, goal, "assign what the reservation holds");
                    p.log().events.add("assigned " + t.matrix() + " to mdev " + u + " of " + t.owner());
                }
            } catch (SysfsException ex) {
                p.outcomes().mdevRefused(u, ex);
            }
        }
    }

    /** Brings the mdev from {@code cur} to {@code goal}: one ap_config write, or unassign then assign. */
    private void configure(MdevTarget t, Matrix cur, Matrix goal, String why) throws IOException, SysfsException {
        UUID u = t.uuid();
        var bus = p.bus();
        if (apConfig.has(bus, u)) {
            p.writer().write(HostWrite.configureMdev(t, cur, goal, why), () -> bus.writeApConfig(u, goal));
            return;
        }
        Matrix m = cur;
        for (int a : cur.adapters().andNot(goal.adapters()).idList()) {
            m = step(t, m, m.withAdapters(m.adapters().without(a)), why, () -> bus.unassignAdapter(u, a));
        }
        for (int d : cur.domains().andNot(goal.domains()).idList()) {
            m = step(t, m, m.withDomains(m.domains().without(d)), why, () -> bus.unassignDomain(u, d));
        }
        for (int d : cur.controlDomains().andNot(goal.controlDomains()).idList()) {
            m = step(t, m, m.withControlDomains(m.controlDomains().without(d)), why, () -> bus.unassignControlDomain(u, d));
        }
        for (int a : goal.adapters().andNot(cur.adapters()).idList()) {
            m = step(t, m, m.withAdapters(m.adapters().with(a)), why, () -> bus.assignAdapter(u, a));
        }
        for (int d : goal.domains().andNot(cur.domains()).idList()) {
            m = step(t, m, m.withDomains(m.domains().with(d)), why, () -> bus.assignDomain(u, d));
        }
        for (int d : goal.controlDomains().andNot(cur.controlDomains()).idList()) {
            m = step(t, m, m.withControlDomains(m.controlDomains().with(d)), why, () -> bus.assignControlDomain(u, d));
        }
    }

    /** One assign or unassign; returns the matrix as re-read after it. */
    private Matrix step(MdevTarget t, Matrix from, Matrix to, String why, HostWriter.Action w) throws IOException, SysfsException {
        p.writer().write(HostWrite.configureMdev(t, from, to, why), w);
        Matrix now = p.matrices().get(t.uuid());
        return now != null ? now : to;
    }

    /**
     * Whether a guest uses the mdev, from real files: on 6.0+ a queue of its guest_matrix whose
     * vfio_ap {@code status} says {@code in use}. Legacy kernels have no such file; there the
     * kernel's EBUSY on unassign or remove tells instead.
     */
    private Optional<String> guestUses(UUID u) throws SysfsException {
        ApMdev m = p.inv().mdevs().get(u);
        if (m == null) {
            return Optional.empty();
        }
        Matrix seen = m.guestMatrix().orElse(m.matrix());
        for (Apqn q : seen.apqns()) {
            Optional<ApQueue> queue = QueueReads.queue(p.bus(), q);
            if (queue.isPresent() && queue.get().vfioStatus().equals(Optional.of(ApQueue.VfioStatus.IN_USE))) {
                return Optional.of("queue " + q + " is in use");
            }
        }
        return Optional.empty();
    }

    private static Matrix intersect(Matrix a, Matrix b) {
        return new Matrix(a.adapters().and(b.adapters()), a.domains().and(b.domains()), a.controlDomains().and(b.controlDomains()));
    }

    private static Matrix union(Matrix a, Matrix b) {
        return new Matrix(a.adapters().or(b.adapters()), a.domains().or(b.domains()), a.controlDomains().or(b.controlDomains()));
    }

    private static Matrix minus(Matrix a, Matrix b) {
        return new Matrix(a.adapters().andNot(b.adapters()), a.domains().andNot(b.domains()), a.controlDomains().andNot(b.controlDomains()));
    }
}
