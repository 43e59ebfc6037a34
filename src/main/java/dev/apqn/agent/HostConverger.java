package dev.apqn.agent;

import dev.apqn.agent.IntentLedger.Intent;
import dev.apqn.agent.IntentLedger.Op;
import dev.apqn.ap.Apqn;
import dev.apqn.apbus.ApBus;
import dev.apqn.apbus.ApConfigLock;
import dev.apqn.apbus.ApInventory;
import dev.apqn.apbus.SysfsException;
import dev.apqn.apbus.SysfsTimeoutException;
import dev.apqn.plan.HostTarget;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;
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
 *   <li>Verify, if anything was written, from a reread of what the writes touched (everything after an uncertain or refused write): Ready only if every reserved APQN exists, is bound to
 *       vfio_ap and is in {@code guest_matrix} (legacy: in {@code matrix} and bound) and the
 *       control domains are in effect; what the kernel accepted but filters out is Degraded.</li>
 * </ol>
 * Every host write goes through {@link HostWriter}: take the {@link ApConfigLock}, append the
 * intent, write, re-read and record the outcome, release the lock. The lock is never held across
 * the drain wait or between writes. A {@link SysfsTimeoutException} means "outcome unknown": the
 * re-read decides, and an effect not visible yet keeps the intent open for the next converge.
 *
 * <h2>Who does what</h2>
 * This class reads the node, keeps the ledger and recovers (steps 1 and 2, the verification read);
 * {@link ConvergePass} runs the steps in between, taking and giving back through the
 * {@link OwnershipStrategy} of the node's mode (masks or driver_override) and editing mdevs with
 * {@link MdevEditor}; what they find is noted as typed {@link Outcome}s, and {@link PassReport}
 * turns those into the report with one precedence ({@link Outcome#PRECEDENCE}).
 */
public final class HostConverger {

    private final ApBus bus;
    private final ApConfigLock lock;
    private final Path ledgerDir;
    private final Supplier<String> bootId;
    private final AgentClock clock;
    private final Drainer drainer;
    private final ApConfigSupport apConfig = new ApConfigSupport();

    private IntentLedger ledger;
    private InventoryGeneration generation;
    private IntentResolver resolver;
    /** The next read must be a full inventory: at start, after a reboot, a crash or an uncertain write. */
    private boolean fullReadNeeded = true;
    private ApInventory lastInventory;
    private volatile PreparedClaims prepared = PreparedClaims.NONE;

    /**
     * @param bus       the node's AP bus
     * @param lock      the s390-tools AP configuration lock, held only around host writes
     * @param ledgerDir where the intent ledger lives ({@link IntentLedger#DEFAULT_DIR} on a node)
     * @param bootId    the running kernel's boot id ({@link BootId#linux()} on a node)
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

    /**
     * The kubelet plugin's prepared claims (docs/dra.md): an mdev one of them holds is not removed (InUse,
     * naming the claim) until the kubelet unprepares it. {@link PreparedClaims#NONE} without a plugin.
     */
    public void preparedClaims(PreparedClaims claims) {
        this.prepared = Objects.requireNonNull(claims, "claims");
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
     * Where the full reads are, and why: at start and after a reboot (nothing cached is about this
     * kernel), after a crash or an uncertain or refused write (the cache may be wrong), and the
     * periodic resync (the one net for what no signal shows); the verification after writes is never
     * one ({@link #verify}), and it does not count as a refresh towards the periodic one.
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

    /**
     * The read after a pass's writes. Normally only what the writes touched ({@link ApBus#rereadWritten()}:
     * the masks and the queues of the flipped bits, the written mdevs and the queues of their
     * matrices, the queues written directly): that is all the verdicts depend on, and anything else
     * on the node is as the pass's first read saw it or is found by the next one. After a write whose
     * outcome is uncertain (timed out) or that the kernel refused, our picture of the node may be
     * wrong beyond what we wrote: everything is read, and the next pass starts from a full read too.
     */
    private ApInventory verify(boolean uncertain) throws SysfsException {
        if (uncertain) {
            fullReadNeeded = true;
            return read();
        }
        lastInventory = bus.rereadWritten();
        return lastInventory;
    }

    private void openLedger() throws IOException {
        if (ledger == null) {
            ledger = IntentLedger.open(ledgerDir, bootId.get());
            generation = new InventoryGeneration(ledgerDir);
            resolver = new IntentResolver(bus, ledger);
            fullReadNeeded = true;
        } else if (ledger.checkBoot(bootId.get())) {
            apConfig.forget();
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
        PassLog log = new PassLog();
        resolveOpenIntents(log);

        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(drain, "drain");
        ApInventory inv = read();
        long gen = generation.update(inv, clock.wallMillis());
        matrices.load(inv);
        Pass p = new Pass(target, new Claims(target.claims()), drain, inv, bus, ledger, writer, drainer, matrices, new Outcomes(log), log, prepared);
        OwnershipStrategy mode = OwnershipStrategy.of(target.mode());
        ConvergePass steps = new ConvergePass(p, mode, apConfig);
        steps.run(gen);
        if (writer.writes() > 0) {
            inv = verify(steps.uncertain());
        }
        return new PassReport(p, mode).build(inv, gen);
    }

    /**
     * Resolves every open intent against a re-read before anything else (the same rule as after a
     * write); a take a crashed agent did not record is reported with its in-flight estimate.
     */
    private void resolveOpenIntents(PassLog log) throws IOException, SysfsException {
        for (Intent i : ledger.openIntents()) {
            if (resolver.resolve(i, false) && !i.inFlight().isEmpty()) {
                // a take whose outcome the previous agent did not record (it crashed after the write)
                log.events.add("finished the interrupted take '" + i.why() + "' (" + i.op().name().toLowerCase(Locale.ROOT)
                        + " " + i.object() + "; estimated in flight at the write, recorded before it: "
                        + PassLog.describeInFlight(i.inFlight()) + ")");
            }
        }
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
}
