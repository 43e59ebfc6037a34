package dev.apqn.agent;

import dev.apqn.agent.IntentLedger.Intent;
import dev.apqn.agent.IntentLedger.Op;
import dev.apqn.apbus.ApBus;
import dev.apqn.apbus.ApConfigLock;
import dev.apqn.apbus.ApDriver;
import dev.apqn.apbus.ApInventory;
import dev.apqn.apbus.ApMask;
import dev.apqn.apbus.ApMdev;
import dev.apqn.apbus.ApQueue;
import dev.apqn.apbus.Apqn;
import dev.apqn.apbus.Errno;
import dev.apqn.apbus.Matrix;
import dev.apqn.apbus.NodeCapabilities;
import dev.apqn.apbus.SysfsException;
import dev.apqn.apbus.SysfsTimeoutException;
import dev.apqn.plan.HostTarget;
import dev.apqn.plan.MdevTarget;
import dev.apqn.plan.OwnershipMode;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The node agent's host side: makes the node's AP bus and vfio_ap match a {@link HostTarget},
 * executing exactly the edits in it (which mask bits, which overrides, which mdevs) and choosing
 * only their order and mechanism. No Kubernetes types: the node-state reconciler calls
 * {@link #converge} with the target from {@code APNodeState.spec} and writes the returned
 * {@link ConvergeReport} to the status. One instance per node; calls are serialised.
 *
 * <h2>Order of one converge</h2>
 * <ol>
 *   <li>Boot check (a new boot id discards the ledger: Restoring), then every open intent of the
 *       {@link IntentLedger} is resolved against a re-read ({@link IntentResolver}).</li>
 *   <li>Inventory (a full read at start, after a reboot, a crash or an uncertain write; else the
 *       bus's signal-driven refresh, itself a full read periodically); inventory generation; drift (hand edits of what the operator owns) and
 *       foreign objects (never touched) are noted; plan staleness is checked.</li>
 *   <li>Release, in reverse of the take: remove operator mdevs not in the target, shrink wanted
 *       mdevs (unassign first; one {@code ap_config} write where present) — both refused with
 *       IN_USE while a guest uses the mdev; then give back the operator's mask bits no claim needs
 *       (one {@code editApmask}/{@code editAqmask} write each, skipping bits whose APQNs are still
 *       assigned: the kernel's EBUSY veto, checked by us too because legacy kernels lack it) or its
 *       overrides ({@code returnToHost}).</li>
 *   <li>Take from the host: drain the queues that will flip, collateral included (bounded, no
 *       lock held), then clear the wanted bits with one write per mask, or {@code moveToVfio} per
 *       queue; the in-flight estimate is read under the lock just before each write.</li>
 *   <li>Verify the reserved queues are bound to vfio_ap ({@code drivers_probe} for unbound ones).</li>
 *   <li>Create missing mdevs, then assign: one {@code ap_config} write where the kernel has it,
 *       else {@code assign_adapter}, {@code assign_domain}, {@code assign_control_domain} in that order.</li>
 *   <li>Verify, if anything was written, from a refresh (full after an uncertain or refused write): Ready only if every reserved APQN exists, is bound to
 *       vfio_ap and is in {@code guest_matrix} (legacy: in {@code matrix} and bound) and the
 *       control domains are in effect; what the kernel accepted but filters out is Degraded.</li>
 * </ol>
 * Every host write: take the {@link ApConfigLock}, append the intent, write, re-read and record
 * the outcome, release the lock. The lock is never held across the drain wait or between writes.
 * A {@link SysfsTimeoutException} means "outcome unknown": the re-read decides, and an effect
 * not visible yet keeps the intent open for the next converge.
 */
public final class HostConverger {

    private final ApBus bus;
    private final ApConfigLock lock;
    private final Path ledgerDir;
    private final Supplier<String> bootId;
    private final AgentClock clock;
    private final Drainer drainer;

    private IntentLedger ledger;
    private InventoryGeneration generation;
    private IntentResolver resolver;
    private final Map<UUID, Boolean> apConfigByMdev = new HashMap<>();
    /** The next read must be a full inventory: at start, after a reboot, a crash or an uncertain write. */
    private boolean fullReadNeeded = true;
    private ApInventory lastInventory;

    /**
     * @param bus       the node's AP bus
     * @param lock      the s390-tools AP configuration lock, held only around host writes
     * @param ledgerDir where the intent ledger lives ({@link IntentLedger#DEFAULT_DIR} on a node)
     * @param bootId    the running kernel's boot id ({@link IntentLedger#linuxBootId()} on a node)
     * @param clock     time for the drain
     */
    public HostConverger(ApBus bus, ApConfigLock lock, Path ledgerDir, Supplier<String> bootId, AgentClock clock) {
        this.bus = Objects.requireNonNull(bus, "bus");
        this.lock = Objects.requireNonNull(lock, "lock");
        this.ledgerDir = Objects.requireNonNull(ledgerDir, "ledgerDir");
        this.bootId = Objects.requireNonNull(bootId, "bootId");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.drainer = new Drainer(bus, clock);
    }

    /** The ledger (opened on first use). */
    public synchronized IntentLedger ledger() throws IOException {
        openLedger();
        return ledger;
    }

    /** Reads the inventory and returns the generation the controller must plan against. */
    public synchronized long inventoryGeneration() throws IOException, SysfsException {
        openLedger();
        return generation.update(read(), clock.wallMillis());
    }

    /**
     * The inventory as of the end of the last {@link #converge} or {@link #inventoryGeneration}
     * (null before the first): what the status is built from, without another read.
     */
    public synchronized ApInventory lastInventory() {
        return lastInventory;
    }

    /**
     * Reads the node: a full {@link ApBus#inventory()} at start, after a reboot, after a crash (open
     * intents) and after a write whose outcome was uncertain or refused; otherwise the bus's
     * signal-driven {@link ApBus#refresh()}, which rereads what the masks, driver listings, card flags
     * and mdevs point at and the queues this bus changed itself, and is itself a full read
     * periodically ({@code SysfsApBus.Options.fullResyncEvery/fullResyncInterval}). What a quiet
     * refresh can miss until then is listed on {@code SysfsApBus}; none of it is a write of the operator's.
     */
    private ApInventory read() throws SysfsException {
        ApInventory inv;
        if (fullReadNeeded || lastInventory == null) {
            inv = bus.inventory();
            fullReadNeeded = false;
        } else {
            inv = bus.refresh();
        }
        lastInventory = inv;
        return inv;
    }

    private void openLedger() throws IOException {
        if (ledger == null) {
            ledger = IntentLedger.open(ledgerDir, bootId.get());
            generation = new InventoryGeneration(ledgerDir);
            resolver = new IntentResolver(bus, ledger);
            fullReadNeeded = true;
        } else if (ledger.checkBoot(bootId.get())) {
            apConfigByMdev.clear();
            fullReadNeeded = true;
        }
    }

    /**
     * Makes the node match {@code target}. Kernel refusals of writes are reported (per mdev or for
     * the host edits) rather than thrown; a failing read or ledger write is thrown, and the next
     * call starts over from the ledger.
     */
    public synchronized ConvergeReport converge(HostTarget target, DrainPolicy drain)
            throws IOException, SysfsException, InterruptedException {
        openLedger();
        if (!ledger.openIntents().isEmpty() || ledger.restoring()) {
            fullReadNeeded = true; // recovering from a crash, a timed-out write or a reboot: trust nothing cached
        }
        MdevMatrices matrices = new MdevMatrices();
        HostWriter writer = new HostWriter(bus, lock, ledger, resolver, drainer, matrices);
        rebindInterrupted(target, writer);
        List<String> recovered = new ArrayList<>();
        for (Intent i : ledger.openIntents()) {
            if (resolver.resolve(i, false) && !i.inFlight().isEmpty()) {
                // a take whose outcome the previous agent did not record (it crashed after the write)
                recovered.add("finished the interrupted take '" + i.why() + "' (" + i.op().name().toLowerCase(java.util.Locale.ROOT)
                        + " " + i.object() + "; estimated in flight at the write, recorded before it: " + describeInFlight(i.inFlight()) + ")");
            }
        }
        Pass p = new Pass(target, drain, writer, matrices);
        p.log.events.addAll(recovered);
        return p.run();
    }

    /**
     * A crash between the unbind and the {@code drivers_probe} of {@code moveToVfio}/{@code returnToHost}
     * leaves a queue without a driver, which the inventory cannot see (it has no {@code driver}
     * link). Probing it first lets the kernel bind it by its override or the masks, as the
     * interrupted call would have.
     */
    private void rebindInterrupted(HostTarget target, HostWriter writer) throws IOException, SysfsException {
        SortedSet<Apqn> candidates = new TreeSet<>(ledger.owned().overrides());
        candidates.addAll(target.overrides());
        for (Intent i : ledger.openIntents()) {
            if (i.op() == Op.SET_OVERRIDE || i.op() == Op.CLEAR_OVERRIDE || i.op() == Op.PROBE) {
                candidates.add(Apqn.parse(i.object()));
            }
        }
        for (Apqn q : candidates) {
            if (QueueReads.unbound(bus, q)) {
                fullReadNeeded = true;
                writer.finish(HostWrite.finishInterruptedBind(q), () -> bus.probe(q));
            }
        }
    }

    // =============================================================================================

    /** One converge: its inventory, findings and verdicts. */
    private final class Pass {
        final HostTarget target;
        final DrainPolicy drain;
        ApInventory inv;
        final MdevMatrices matrices;
        final HostWriter writer;
        final Claims claims;
        final PassLog log = new PassLog();
        final Outcomes outcomes = new Outcomes(log);
        final List<String> events = log.events;
        final List<String> drifts = log.drifts;
        final List<String> foreign = log.foreign;

        Pass(HostTarget target, DrainPolicy drain, HostWriter writer, MdevMatrices matrices) {
            this.target = Objects.requireNonNull(target, "target");
            this.drain = Objects.requireNonNull(drain, "drain");
            this.writer = writer;
            this.matrices = matrices;
            this.claims = new Claims(target.claims());
        }

        ConvergeReport run() throws IOException, SysfsException, InterruptedException {
            inv = read();
            long gen = generation.update(inv, clock.wallMillis());
            matrices.load(inv);
            noteDriftAndForeign();
            if (!checkMode(gen)) {
                return new PassReport(target, claims, ledger, outcomes, log).build(inv, gen);
            }
            checkStaleness(gen);

            removeUnwantedMdevs();
            shrinkWantedMdevs();
            giveBack();
            if (!outcomes.hostIs(SyncState.PLAN_STALE)) {
                take();
                bindReserved();
                if (!outcomes.hostIs(SyncState.FAILED) && ledger.openIntents().isEmpty()) {
                    createAndAssign();
                } else {
                    // the queues are not (known to be) off the host: assigning them now could only fail
                    String why = PassReport.notAssignedBecause(outcomes.host(SyncState.FAILED));
                    target.mdevs().keySet().stream().filter(u -> !outcomes.mdevIs(u, SyncState.PLAN_STALE) && !matrices.exists(u))
                            .forEach(u -> outcomes.mdev(u, SyncState.APPLYING, why));
                }
            }
            if (writer.writes() > 0) {
                // verification: a refresh rereads what the writes changed (flipped mask bits, touched
                // queues, changed mdevs); after an uncertain or refused write, everything
                if (!ledger.openIntents().isEmpty() || outcomes.hostIs(SyncState.FAILED) || outcomes.anyMdevIs(SyncState.FAILED)) {
                    fullReadNeeded = true;
                }
                inv = read();
            }
            return new PassReport(target, claims, ledger, outcomes, log).build(inv, gen);
        }

        // ------------------------------------------------------------------- findings

        void noteDriftAndForeign() throws IOException {
            Ownership owned = ledger.owned();
            ApMask apBack = owned.apmaskBits().and(inv.bus().apmask());
            if (!apBack.isEmpty()) {
                drifts.add("apmask bits " + apBack.toRangeList() + " that the operator cleared were set again by hand");
            }
            ApMask aqBack = owned.aqmaskBits().and(inv.bus().aqmask());
            if (!aqBack.isEmpty()) {
                drifts.add("aqmask bits " + aqBack.toRangeList() + " that the operator cleared were set again by hand");
            }
            for (Apqn q : owned.overrides()) {
                ApQueue queue = inv.queues().get(q);
                if (queue != null && !queue.driverOverride().equals(Optional.of(ApDriver.VFIO_AP.sysfsName()))) {
                    drifts.add("the driver_override of " + q + " that the operator set was changed by hand");
                }
            }
            List<LedgerChange> gone = new ArrayList<>();
            for (var e : owned.mdevs().entrySet()) {
                UUID u = e.getKey();
                ApMdev now = inv.mdevs().get(u);
                if (now == null) {
                    String what = "mdev " + u + " of " + e.getValue().owner() + " was removed by hand";
                    drifts.add(what);
                    outcomes.mdev(u, SyncState.DRIFTED, what);
                    gone.add(LedgerChange.disownMdev(u));
                } else if (!now.matrix().equals(e.getValue().confirmed()) && ledger.openIntents().stream()
                        .noneMatch(i -> i.op() == Op.CONFIGURE_MDEV && i.object().equals(u.toString()))) {
                    String what = "the matrix of mdev " + u + " was changed by hand from " + e.getValue().confirmed() + " to " + now.matrix();
                    drifts.add(what);
                    outcomes.mdev(u, SyncState.DRIFTED, what);
                }
            }
            ledger.apply(gone);
            owned = ledger.owned();
            for (ApMdev m : inv.mdevs().values()) {
                if (!owned.mdevs().containsKey(m.uuid())) {
                    foreign.add("mdev " + m.uuid() + " (" + m.matrix() + ") was not made by the operator; left alone");
                }
            }
            ApMask apForeign = inv.bus().apmask().isFull() ? ApMask.none()
                    : ApMask.all().andNot(inv.bus().apmask()).andNot(owned.apmaskBits());
            if (!apForeign.isEmpty()) {
                foreign.add("apmask bits " + apForeign.toRangeList() + " were cleared by someone else; left alone");
            }
            ApMask aqForeign = ApMask.all().andNot(inv.bus().aqmask()).andNot(owned.aqmaskBits());
            if (!aqForeign.isEmpty()) {
                foreign.add("aqmask bits " + aqForeign.toRangeList() + " were cleared by someone else; left alone");
            }
            for (ApQueue q : inv.queues().values()) {
                if (q.driverOverride().isPresent() && !owned.overrides().contains(q.apqn())) {
                    foreign.add("driver_override of " + q.apqn() + " was set by someone else; left alone");
                }
            }
        }

        boolean checkMode(long gen) {
            boolean overrideNode = inv.capabilities().ownership() == NodeCapabilities.Ownership.DRIVER_OVERRIDE;
            if (target.mode() == OwnershipMode.DRIVER_OVERRIDE && !overrideNode) {
                String why = "the plan uses driver_override but this node has no driver_override (inventory generation "
                        + gen + ", plan " + target.inventoryGeneration() + ")";
                outcomes.host(SyncState.PLAN_STALE, why);
                target.mdevs().keySet().forEach(u -> outcomes.mdev(u, SyncState.PLAN_STALE, why));
                return false;
            }
            return true;
        }

        /** Decides which parts of the plan no longer fit the node; those are left alone. */
        void checkStaleness(long gen) {
            boolean moved = gen != target.inventoryGeneration();
            if (moved) {
                for (MdevTarget t : target.mdevs().values()) {
                    List<Apqn> missing = t.matrix().apqns().stream().filter(q -> !inv.queues().containsKey(q)).toList();
                    if (!missing.isEmpty()) {
                        outcomes.mdev(t.uuid(), SyncState.PLAN_STALE, "the plan was computed for inventory generation " + target.inventoryGeneration()
                                + " but the node is at " + gen + " and the queues " + missing + " no longer exist");
                    }
                }
            }
            // Whatever the generations say: the edits must not take a queue off the host that no claim declares.
            Ownership owned = ledger.owned();
            SortedSet<Apqn> predicted;
            SortedSet<Apqn> baseline;
            if (target.mode() == OwnershipMode.MASKS) {
                ApMask ap = inv.bus().apmask().or(owned.apmaskBits().andNot(target.adaptersOffHost()));
                ApMask aq = inv.bus().aqmask().or(owned.aqmaskBits().andNot(target.domainsOffHost()));
                predicted = OffHostAccounting.offHost(inv, ap.andNot(target.adaptersOffHost()), aq.andNot(target.domainsOffHost()),
                        Set.of(), Set.of());
            } else {
                predicted = OffHostAccounting.offHost(inv, inv.bus().apmask(), inv.bus().aqmask(), target.overrides(), owned.overrides());
            }
            baseline = OffHostAccounting.offHost(inv, inv.bus().apmask().or(owned.apmaskBits()), inv.bus().aqmask().or(owned.aqmaskBits()),
                    Set.of(), owned.overrides());
            predicted.removeAll(baseline);
            predicted.removeAll(OffHostAccounting.claimed(target.claims()));
            if (!predicted.isEmpty()) {
                outcomes.host(SyncState.PLAN_STALE, "the plan's host edits would take " + predicted + " off the host without a claim"
                        + (moved ? " (the plan is for inventory generation " + target.inventoryGeneration() + ", the node is at " + gen + ")"
                        : "; the plan does not declare this collateral"));
            }
        }

        // ------------------------------------------------------------------- release

        void removeUnwantedMdevs() throws IOException, SysfsException {
            for (var e : ledger.owned().mdevs().entrySet()) {
                UUID u = e.getKey();
                if (target.mdevs().containsKey(u) || !matrices.exists(u)) {
                    continue;
                }
                Optional<String> guest = guestUses(u);
                if (guest.isPresent()) {
                    outcomes.mdev(u, SyncState.IN_USE, "a guest uses the mdev (" + guest.get() + "); it is removed once the guest stops");
                    continue;
                }
                try {
                    boolean gone = writer.write(HostWrite.removeMdev(u, e.getValue().owner(), matrices.get(u)), () -> bus.removeMdev(u));
                    if (gone) {
                        matrices.forget(u);
                        events.add("removed mdev " + u + " of " + e.getValue().owner());
                    } else {
                        outcomes.mdev(u, SyncState.IN_USE, "the kernel has not finished removing the mdev (a guest may still hold it); retrying");
                    }
                } catch (SysfsException ex) {
                    outcomes.mdevRefused(u, ex);
                }
            }
        }

        void shrinkWantedMdevs() throws IOException, SysfsException {
            for (MdevTarget t : target.mdevs().values()) {
                UUID u = t.uuid();
                Matrix cur = matrices.get(u);
                if (cur == null || !ledger.owned().mdevs().containsKey(u) || outcomes.mdevIs(u, SyncState.PLAN_STALE)) {
                    continue;
                }
                Matrix keep = intersect(cur, t.matrix());
                if (keep.equals(cur)) {
                    continue;
                }
                Optional<String> guest = guestUses(u);
                if (guest.isPresent()) {
                    outcomes.mdev(u, SyncState.IN_USE, "a guest uses the mdev (" + guest.get() + "); removing " + minus(cur, t.matrix()) + " is refused until it stops");
                    continue;
                }
                try {
                    configure(t, cur, keep, "unassign what the reservation no longer holds");
                } catch (SysfsException ex) {
                    outcomes.mdevRefused(u, ex);
                }
            }
        }

        void giveBack() throws IOException, SysfsException {
            Ownership owned = ledger.owned();
            if (target.mode() == OwnershipMode.MASKS || !owned.apmaskBits().isEmpty() || !owned.aqmaskBits().isEmpty()) {
                ApMask apmask = bus.readApmask();
                ApMask aqmask = bus.readAqmask();
                ApMask apSet = owned.apmaskBits().andNot(target.adaptersOffHost()).andNot(apmask);
                ApMask aqSet = owned.aqmaskBits().andNot(target.domainsOffHost()).andNot(aqmask);
                // the kernel's EBUSY veto, checked here too because legacy kernels lack it
                ApMask apHeld = ApMask.none();
                ApMask aqHeld = ApMask.none();
                for (Matrix m : matrices.all()) {
                    if (m.domains().intersects(aqmask.or(aqSet))) {
                        apHeld = apHeld.or(m.adapters().and(apSet));
                    }
                    if (m.adapters().intersects(apmask.or(apSet))) {
                        aqHeld = aqHeld.or(m.domains().and(aqSet));
                    }
                }
                if (!apHeld.isEmpty() || !aqHeld.isEmpty()) {
                    outcomes.host(SyncState.IN_USE, "mask bits " + (apHeld.isEmpty() ? "" : "apmask " + apHeld.toRangeList() + " ")
                            + (aqHeld.isEmpty() ? "" : "aqmask " + aqHeld.toRangeList() + " ")
                            + "stay cleared while their APQNs are assigned to an mdev");
                }
                giveBackMask(BusMask.APMASK, apSet.andNot(apHeld));
                giveBackMask(BusMask.AQMASK, aqSet.andNot(aqHeld));
            }
            for (Apqn q : owned.overrides()) {
                if (target.overrides().contains(q)) {
                    continue;
                }
                if (matrices.all().stream().anyMatch(m -> m.contains(q))) {
                    outcomes.host(SyncState.IN_USE, "the override of " + q + " stays while the APQN is assigned to an mdev");
                    continue;
                }
                try {
                    writer.write(HostWrite.clearOverride(q), () -> bus.returnToHost(q));
                    events.add("gave " + q + " back to the host");
                } catch (SysfsException ex) {
                    outcomes.hostRefused(ex);
                }
            }
        }

        private void giveBackMask(BusMask mask, ApMask bits) throws IOException, SysfsException {
            if (bits.isEmpty()) {
                return;
            }
            try {
                writer.write(HostWrite.setMask(mask, bits), () -> mask.edit(bus, bits, ApMask.none()));
                events.add("gave " + mask.sysfsName() + " bits " + bits.toRangeList() + " back to the host");
            } catch (SysfsException ex) {
                outcomes.hostRefused(ex);
            }
        }

        // ------------------------------------------------------------------- take

        void take() throws IOException, SysfsException, InterruptedException {
            if (target.mode() == OwnershipMode.MASKS) {
                ApMask apmask = inv.bus().apmask();
                ApMask aqmask = inv.bus().aqmask();
                ApMask apClear = target.adaptersOffHost().and(bus.readApmask());
                ApMask aqClear = target.domainsOffHost().and(bus.readAqmask());
                if (apClear.isEmpty() && aqClear.isEmpty()) {
                    return;
                }
                SortedSet<Apqn> byAp = new TreeSet<>();
                SortedSet<Apqn> byAq = new TreeSet<>();
                for (ApQueue q : inv.queues().values()) {
                    if (!OffHostAccounting.hostOwned(q, apmask, aqmask)) {
                        continue;
                    }
                    if (apClear.get(q.apqn().adapter())) {
                        byAp.add(q.apqn());
                    } else if (aqClear.get(q.apqn().domain())) {
                        byAq.add(q.apqn());
                    }
                }
                SortedSet<Apqn> all = new TreeSet<>(byAp);
                all.addAll(byAq);
                Drainer.Result d = drainer.drain(all, drain);
                log.drained(d);
                takeMask(BusMask.APMASK, apClear, byAp);
                takeMask(BusMask.AQMASK, aqClear, byAq);
            } else {
                SortedSet<Apqn> flip = new TreeSet<>();
                for (Apqn q : target.overrides()) {
                    ApQueue queue = inv.queues().get(q);
                    if (queue != null && !(queue.driverOverride().equals(Optional.of(ApDriver.VFIO_AP.sysfsName()))
                            && queue.driver() == ApDriver.VFIO_AP)) {
                        flip.add(q);
                    }
                }
                Drainer.Result d = drainer.drain(flip, drain);
                log.drained(d);
                for (Apqn q : flip) {
                    try {
                        TakeoverEstimate t = writer.take(HostWrite.setOverride(q, claims.ownersOf(q)), List.of(q), claims,
                                () -> bus.moveToVfio(q));
                        tookFromHost(t);
                        events.add("took " + q + " from the host (about " + t.inFlight() + " requests in flight were flushed and retried; "
                                + "estimated in flight at the write: " + describeInFlight(t.perReservation()) + ")");
                    } catch (SysfsException ex) {
                        outcomes.hostRefused(ex);
                    }
                }
            }
        }

        private void takeMask(BusMask mask, ApMask bits, SortedSet<Apqn> flipping) throws IOException, SysfsException {
            if (bits.isEmpty()) {
                return;
            }
            try {
                TakeoverEstimate t = writer.take(HostWrite.clearMask(mask, bits, flipping.size(), claims.owners(flipping)), flipping, claims,
                        () -> mask.edit(bus, ApMask.none(), bits));
                tookFromHost(t);
                events.add("cleared " + mask.sysfsName() + " bits " + bits.toRangeList() + ", taking " + flipping.size()
                        + " queues from the host (about " + t.inFlight() + " requests in flight were flushed and retried; "
                        + "estimated in flight at the write: " + describeInFlight(t.perReservation()) + ")");
            } catch (SysfsException ex) {
                outcomes.hostRefused(ex);
            }
        }

        /** Records the estimate of a confirmed write that took queues from the host. */
        private void tookFromHost(TakeoverEstimate t) {
            log.took(t);
        }

        void bindReserved() throws IOException, SysfsException {
            SortedSet<Apqn> reserved = new TreeSet<>();
            target.mdevs().values().stream().filter(t -> !outcomes.mdevIs(t.uuid(), SyncState.PLAN_STALE)).forEach(t -> reserved.addAll(t.matrix().apqns()));
            for (Apqn q : reserved) {
                if (!QueueReads.unbound(bus, q)) {
                    continue; // absent: reported at verification; bound: fine (cex4queue means the take failed, reported)
                }
                try {
                    writer.write(HostWrite.bindReserved(q, claims.ownersOf(q)), () -> bus.probe(q));
                } catch (SysfsException ex) {
                    outcomes.hostRefused(ex);
                }
            }
        }

        // ------------------------------------------------------------------- mdevs

        void createAndAssign() throws IOException, SysfsException {
            for (MdevTarget t : target.mdevs().values()) {
                UUID u = t.uuid();
                if (outcomes.mdevIs(u, SyncState.PLAN_STALE) || outcomes.mdevIs(u, SyncState.FAILED)) {
                    continue;
                }
                if (matrices.exists(u) && !ledger.owned().mdevs().containsKey(u)) {
                    outcomes.mdev(u, SyncState.FAILED, "an mdev " + u + " exists that the operator did not make; it is left alone");
                    continue;
                }
                try {
                    if (!matrices.exists(u)) {
                        boolean made = writer.write(HostWrite.createMdev(t), () -> bus.createMdev(u));
                        if (!made) {
                            continue;
                        }
                        events.add("created mdev " + u + " for " + t.owner());
                    }
                    Matrix cur = matrices.get(u);
                    // a refused shrink keeps what the guest uses; the rest is still added live
                    Matrix goal = outcomes.mdevIs(u, SyncState.IN_USE) ? union(cur, t.matrix()) : t.matrix();
                    if (!cur.equals(goal)) {
                        configure(t, cur, goal, "assign what the reservation holds");
                        events.add("assigned " + t.matrix() + " to mdev " + u + " of " + t.owner());
                    }
                } catch (SysfsException ex) {
                    outcomes.mdevRefused(u, ex);
                }
            }
        }

        /** Brings the mdev from {@code cur} to {@code goal}: one ap_config write, or unassign then assign. */
        private void configure(MdevTarget t, Matrix cur, Matrix goal, String why) throws IOException, SysfsException {
            UUID u = t.uuid();
            if (hasApConfig(u)) {
                writer.write(HostWrite.configureMdev(t, cur, goal, why), () -> bus.writeApConfig(u, goal));
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

        private Matrix step(MdevTarget t, Matrix from, Matrix to, String why, HostWriter.Action w) throws IOException, SysfsException {
            writer.write(HostWrite.configureMdev(t, from, to, why), w);
            Matrix now = matrices.get(t.uuid());
            return now != null ? now : to;
        }

        /**
         * Whether a guest uses the mdev, from real files: on 6.0+ a queue of its guest_matrix whose
         * vfio_ap {@code status} says {@code in use}. Legacy kernels have no such file; there the
         * kernel's EBUSY on unassign or remove tells instead.
         */
        private Optional<String> guestUses(UUID u) throws SysfsException {
            ApMdev m = inv.mdevs().get(u);
            if (m == null) {
                return Optional.empty();
            }
            Matrix seen = m.guestMatrix().orElse(m.matrix());
            for (Apqn q : seen.apqns()) {
                Optional<ApQueue> queue = QueueReads.queue(bus, q);
                if (queue.isPresent() && queue.get().vfioStatus().equals(Optional.of(ApQueue.VfioStatus.IN_USE))) {
                    return Optional.of("queue " + q + " is in use");
                }
            }
            return Optional.empty();
        }

        private boolean hasApConfig(UUID u) throws SysfsException {
            NodeCapabilities.Evidence e = bus.capabilities().apConfig();
            if (e != NodeCapabilities.Evidence.UNKNOWN) {
                return e.isPresent();
            }
            Boolean known = apConfigByMdev.get(u);
            if (known == null) {
                try {
                    bus.readApConfig(u);
                    known = true;
                } catch (SysfsException ex) {
                    if (ex.errno() != Errno.ENOENT) {
                        throw ex;
                    }
                    known = false;
                }
                apConfigByMdev.put(u, known);
            }
            return known;
        }

    }

    static String describeInFlight(Map<String, Integer> perOwner) {
        if (perOwner.isEmpty()) {
            return "none of the flipped queues is claimed";
        }
        StringBuilder sb = new StringBuilder();
        perOwner.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(k).append(' ').append(v));
        return sb.toString();
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
