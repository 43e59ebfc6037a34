package dev.apqn.agent.kube;

import dev.apqn.agent.ConvergeReport;
import dev.apqn.agent.IntentLedger;
import dev.apqn.agent.Ownership;
import dev.apqn.agent.SyncState;
import dev.apqn.ap.ApCard;
import dev.apqn.ap.ApMask;
import dev.apqn.ap.ApMdev;
import dev.apqn.ap.ApQueue;
import dev.apqn.ap.CardGeneration;
import dev.apqn.ap.Matrix;
import dev.apqn.apbus.ApInventory;
import dev.apqn.apbus.NodeCapabilities;
import dev.apqn.api.v1alpha1.APNodeStateStatus;
import dev.apqn.api.v1alpha1.AgentStatus;
import dev.apqn.api.v1alpha1.CapabilitiesStatus;
import dev.apqn.api.v1alpha1.CardMode;
import dev.apqn.api.v1alpha1.CardStatus;
import dev.apqn.api.v1alpha1.HostConfigStatus;
import dev.apqn.api.v1alpha1.LedgerSummary;
import dev.apqn.api.v1alpha1.MatrixRanges;
import dev.apqn.api.v1alpha1.MdevStatus;
import dev.apqn.api.v1alpha1.NodeMode;
import dev.apqn.api.v1alpha1.QueueGroup;
import dev.apqn.api.v1alpha1.ReservationSync;
import dev.apqn.plan.HostTarget;
import dev.apqn.plan.OffHostClaim;
import dev.apqn.status.Conditions;
import dev.apqn.status.Reasons;
import io.fabric8.kubernetes.api.model.Condition;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Builds {@code APNodeState.status} in one place (style practice 13) from what the agent observed:
 * the inventory after a converge, the converge report, the ledger, and the previous status (for
 * {@code lastTransitionTime}s, which move only when a state flips). Pure: same input, same output,
 * so an idle resync produces an equal status and no API call.
 *
 * <p>Size: one card entry per set of identical cards (adapters as a range list) with one range string
 * per (driver, state) group, never one object per queue or per card; mdevs as range strings. A
 * 256 × 85 node stays in a few kilobytes, fragmented or not (see {@code StatusSizeIT} and
 * {@code NodeStatusBuilderTest}, which assert the 64 KiB budget).
 */
public final class NodeStatusBuilder {

    /** Longest condition or sync message written; long drift lists are cut. */
    static final int MAX_MESSAGE = 1024;

    /**
     * What one reconcile observed.
     *
     * @param inventory           the node after the converge (or just read, without a target)
     * @param report              the converge's report; empty when spec has no host edits yet
     * @param target              the target executed; empty without host edits
     * @param specHash            {@code spec.hostEdits.hash}, for {@code appliedHash}
     * @param allocated           reservations listed in {@code spec.allocations} (reported Released
     *                            once nothing of theirs is left on the node)
     * @param owned               the ledger's ownership after the converge
     * @param openIntents         the ledger's open intents
     * @param recoveredAtStart    open intents the agent found when it started
     * @param lastCompleted       the last host change this agent instance made (may be null)
     * @param inventoryGeneration the agent's inventory generation
     * @param observedGeneration  metadata.generation of the spec acted on
     * @param inFlightAtTakeover  per reservation: estimated requests in flight when its queues were taken
     *                            (from the ledger, so a fresh agent reports the same figure)
     * @param agent               the reporting agent instance
     */
    public record Observation(ApInventory inventory, Optional<ConvergeReport> report, Optional<HostTarget> target,
                              String specHash, SortedSet<String> allocated, Ownership owned,
                              List<IntentLedger.Intent> openIntents, int recoveredAtStart, String lastCompleted,
                              long inventoryGeneration, Long observedGeneration, Map<String, Integer> inFlightAtTakeover,
                              AgentStatus agent) {
        public Observation {
            Objects.requireNonNull(inventory, "inventory");
            Objects.requireNonNull(report, "report");
            Objects.requireNonNull(target, "target");
            allocated = allocated == null ? new TreeSet<>() : allocated;
            Objects.requireNonNull(owned, "owned");
            openIntents = openIntents == null ? List.of() : openIntents;
            inFlightAtTakeover = inFlightAtTakeover == null ? Map.of() : inFlightAtTakeover;
        }
    }

    private NodeStatusBuilder() {
    }

    /** The status for {@code o}; {@code previous} (may be null) only supplies transition times. */
    public static APNodeStateStatus build(Observation o, APNodeStateStatus previous, String now) {
        ApInventory inv = o.inventory();
        var s = new APNodeStateStatus();
        s.setObservedGeneration(o.observedGeneration());
        s.setMode(inv.capabilities().ownership() == NodeCapabilities.Ownership.DRIVER_OVERRIDE ? NodeMode.DriverOverride : NodeMode.Masks);
        s.setCapabilities(capabilities(inv.capabilities()));
        s.setHostConfig(hostConfig(inv, o.owned()));
        s.setInventoryGeneration(o.inventoryGeneration());
        s.setCards(cards(inv));
        s.setMdevs(mdevs(inv, o.owned()));
        s.setReservations(reservations(o, previous, now));
        s.setLedger(ledger(o));
        s.setAgent(o.agent());
        s.setFreeApqns((int) inv.queues().values().stream().filter(q -> q.driver() == dev.apqn.ap.ApDriver.CEX4QUEUE).count());
        int reserved = 0;
        for (var e : inv.mdevs().entrySet()) {
            if (o.owned().mdevs().containsKey(e.getKey())) {
                reserved += (int) e.getValue().matrix().apqns().stream().filter(inv.queues()::containsKey).count();
            }
        }
        s.setReservedApqns(reserved);
        s.setConditions(conditions(o, previous == null ? null : previous.getConditions(), now));
        return s;
    }

    // ------------------------------------------------------------------ inventory

    static CapabilitiesStatus capabilities(NodeCapabilities c) {
        var out = new CapabilitiesStatus();
        out.setVfioAp(c.vfioAp());
        out.setApConfig(evidence(c.apConfig()));
        out.setGuestMatrix(evidence(c.guestMatrix()));
        out.setQueueStatus(evidence(c.queueStatus()));
        out.setScansAndBindings(c.scansAndBindings());
        out.setBusFeatures(c.busFeatures().isEmpty() ? null : new ArrayList<>(new TreeSet<>(c.busFeatures())));
        out.setMatrixFeatures(c.matrixFeatures().isEmpty() ? null : new ArrayList<>(new TreeSet<>(c.matrixFeatures())));
        return out;
    }

    private static CapabilitiesStatus.Evidence evidence(NodeCapabilities.Evidence e) {
        return switch (e) {
            case PRESENT -> CapabilitiesStatus.Evidence.Present;
            case ABSENT -> CapabilitiesStatus.Evidence.Absent;
            case UNKNOWN -> CapabilitiesStatus.Evidence.Unknown;
        };
    }

    static HostConfigStatus hostConfig(ApInventory inv, Ownership owned) {
        var b = inv.bus();
        ApMask adapters = ApMask.fromRange(0, b.maxAdapterId());
        ApMask domains = ApMask.fromRange(0, b.maxDomainId());
        var h = new HostConfigStatus();
        h.setApmask(b.apmask().and(adapters).toRangeList());
        h.setAqmask(b.aqmask().and(domains).toRangeList());
        h.setAdaptersOffHostByOperator(emptyToNull(owned.apmaskBits().toRangeList()));
        h.setDomainsOffHostByOperator(emptyToNull(owned.aqmaskBits().toRangeList()));
        h.setAdaptersOffHostForeign(emptyToNull(adapters.andNot(b.apmask()).andNot(owned.apmaskBits()).toRangeList()));
        h.setDomainsOffHostForeign(emptyToNull(domains.andNot(b.aqmask()).andNot(owned.aqmaskBits()).toRangeList()));
        int overrides = (int) inv.queues().values().stream().filter(q -> q.driverOverride().isPresent()).count();
        h.setOverrides(inv.capabilities().ownership() == NodeCapabilities.Ownership.DRIVER_OVERRIDE ? overrides : null);
        h.setMaxAdapter(b.maxAdapterId());
        h.setMaxDomain(b.maxDomainId());
        return h;
    }

    /**
     * One entry per set of cards that look exactly alike (card fields and queue groups), with the
     * cards' adapters as a range list, ordered by first adapter. A uniform node is a handful of
     * entries whatever its card count; a fragmented one (every other adapter and domain off the host)
     * two entries instead of 256.
     */
    static List<CardStatus> cards(ApInventory inv) {
        // queues assigned to some mdev (for kernels without the vfio_ap queue status file)
        List<Matrix> matrices = inv.mdevs().values().stream().map(ApMdev::matrix).toList();
        SortedSet<Integer> adapters = new TreeSet<>(inv.cards().keySet());
        inv.queues().keySet().forEach(q -> adapters.add(q.adapter()));
        // insertion order = first adapter of each shape, as adapters are visited in ascending order
        Map<CardShape, ApMask> byShape = new LinkedHashMap<>();
        for (int a : adapters) {
            byShape.merge(shape(inv.cards().get(a), inv.queuesOf(a), matrices), ApMask.of(a), ApMask::or);
        }
        List<CardStatus> out = new ArrayList<>();
        byShape.forEach((shape, cards) -> out.add(shape.toStatus(cards.toRangeList())));
        return out;
    }

    /** What a card entry says besides its adapters: two cards with equal shapes share one entry. */
    record CardShape(String type, CardGeneration generation, CardMode mode, Boolean config, Boolean chkstop,
                     Boolean online, List<Group> queues) {

        /** One queue group, comparable by value (QueueGroup has no equals). */
        record Group(QueueGroup.Driver driver, QueueGroup.State state, String domains) {
        }

        CardStatus toStatus(String adapters) {
            var c = new CardStatus();
            c.setAdapters(adapters);
            c.setType(type);
            c.setGeneration(generation);
            c.setMode(mode);
            c.setConfig(config);
            c.setChkstop(chkstop);
            c.setOnline(online);
            c.setQueues(queues.isEmpty() ? null
                    : new ArrayList<>(queues.stream().map(g -> new QueueGroup(g.driver(), g.state(), g.domains())).toList()));
            return c;
        }
    }

    static CardShape shape(ApCard card, List<ApQueue> queues, List<Matrix> matrices) {
        Map<QueueGroup.Driver, Map<QueueGroup.State, ApMask>> groups = new EnumMap<>(QueueGroup.Driver.class);
        for (ApQueue q : queues) {
            QueueGroup.Driver d = switch (q.driver()) {
                case CEX4QUEUE -> QueueGroup.Driver.cex4queue;
                case VFIO_AP -> QueueGroup.Driver.vfio_ap;
                case NONE -> QueueGroup.Driver.none;
                case OTHER -> QueueGroup.Driver.other;
            };
            groups.computeIfAbsent(d, x -> new EnumMap<>(QueueGroup.State.class))
                    .merge(queueState(q, matrices), ApMask.of(q.apqn().domain()), ApMask::or);
        }
        List<CardShape.Group> qg = new ArrayList<>();
        groups.forEach((d, byState) -> byState.forEach((st, mask) -> qg.add(new CardShape.Group(d, st, mask.toRangeList()))));
        if (card == null) {
            return new CardShape(null, null, null, null, null, null, qg);
        }
        return new CardShape(card.type().orElse(null), CardGeneration.ofHwtype(card.hwtype()).orElse(null), switch (card.mode()) {
            case CCA -> CardMode.CCA;
            case EP11 -> CardMode.EP11;
            case ACCELERATOR -> CardMode.Accelerator;
            case UNKNOWN -> CardMode.Unknown;
        }, card.config(), card.chkstop() ? Boolean.TRUE : null, card.online().orElse(null), qg);
    }

    static QueueGroup.State queueState(ApQueue q, List<Matrix> matrices) {
        if (!q.config() || q.chkstop()) {
            return QueueGroup.State.Unavailable;
        }
        return switch (q.driver()) {
            case CEX4QUEUE -> q.online().orElse(true) ? QueueGroup.State.Online : QueueGroup.State.Offline;
            case VFIO_AP -> q.vfioStatus().map(v -> switch (v) {
                case ASSIGNED -> QueueGroup.State.Assigned;
                case UNASSIGNED -> QueueGroup.State.Unassigned;
                case IN_USE -> QueueGroup.State.InUse;
            }).orElseGet(() -> matrices.stream().anyMatch(m -> m.contains(q.apqn())) ? QueueGroup.State.Assigned
                    : QueueGroup.State.Unassigned);
            case NONE, OTHER -> QueueGroup.State.Offline;
        };
    }

    static List<MdevStatus> mdevs(ApInventory inv, Ownership owned) {
        List<MdevStatus> out = new ArrayList<>();
        for (ApMdev m : inv.mdevs().values()) {
            var s = new MdevStatus();
            s.setUuid(m.uuid().toString());
            Ownership.OwnedMdev mine = owned.mdevs().get(m.uuid());
            s.setOwned(mine != null);
            s.setReservation(mine == null ? null : mine.owner());
            s.setMatrix(ranges(m.matrix()));
            s.setGuestMatrix(m.guestMatrix().map(NodeStatusBuilder::ranges).orElse(null));
            boolean statusKnown = m.matrix().apqns().stream().map(inv.queues()::get)
                    .anyMatch(q -> q != null && q.vfioStatus().isPresent());
            boolean inUse = m.matrix().apqns().stream().map(inv.queues()::get)
                    .anyMatch(q -> q != null && q.vfioStatus().orElse(null) == ApQueue.VfioStatus.IN_USE);
            s.setInUse(statusKnown ? inUse : null);
            out.add(s);
        }
        return out;
    }

    private static MatrixRanges ranges(Matrix m) {
        var r = MatrixRanges.of(m);
        r.setControlDomains(emptyToNull(r.getControlDomains()));
        return r;
    }

    // ------------------------------------------------------------------ per reservation

    static List<ReservationSync> reservations(Observation o, APNodeStateStatus previous, String now) {
        if (o.report().isEmpty()) {
            return null;
        }
        ConvergeReport r = o.report().get();
        HostTarget t = o.target().orElseThrow();
        Map<String, ReservationSync> prev = new TreeMap<>();
        if (previous != null && previous.getReservations() != null) {
            previous.getReservations().forEach(x -> prev.put(x.getReservation(), x));
        }
        SortedMap<String, ReservationSync> out = new TreeMap<>();
        for (dev.apqn.agent.MdevStatus m : r.mdevs().values()) {
            var x = new ReservationSync();
            x.setReservation(m.owner());
            x.setMdevUuid(m.uuid().toString());
            String reason;
            ReservationSync.State state;
            String message = m.reason();
            if (!m.wanted()) {
                state = switch (m.state()) {
                    case IN_USE -> ReservationSync.State.InUse;
                    case FAILED -> ReservationSync.State.Failed;
                    default -> ReservationSync.State.Releasing;
                };
                reason = switch (m.state()) {
                    case IN_USE -> Reasons.GUEST_RUNNING;
                    case FAILED -> Reasons.ASSIGN_FAILED;
                    default -> Reasons.RELEASING;
                };
            } else {
                switch (m.state()) {
                    case READY -> {
                        state = hostBlocks(r) ? ReservationSync.State.Applying : ReservationSync.State.Ready;
                        reason = state == ReservationSync.State.Ready ? Reasons.READY : hostReason(r);
                        message = state == ReservationSync.State.Ready ? takeoverNote(o, m.owner()) : r.hostEditsReason();
                    }
                    case DRIFTED -> {
                        // repaired in this converge: the guest has its APQNs again (the next pass reports Ready)
                        state = hostBlocks(r) ? ReservationSync.State.Applying : ReservationSync.State.Drifted;
                        reason = state == ReservationSync.State.Drifted
                                ? m.reason().contains("removed by hand") ? Reasons.MDEV_VANISHED : Reasons.MDEV_CHANGED
                                : hostReason(r);
                        message = state == ReservationSync.State.Drifted ? m.reason() : r.hostEditsReason();
                    }
                    case APPLYING -> {
                        state = ReservationSync.State.Applying;
                        // a refused host write (e.g. aqmask EBUSY) holds the mdev back: say so, as for READY,
                        // so the controller reports the reservation Stalled, not Reconciling
                        reason = hostBlocks(r) ? hostReason(r) : Reasons.APPLYING;
                    }
                    case RESTORING -> {
                        state = ReservationSync.State.Restoring;
                        reason = Reasons.RECOVERING_INTENT;
                    }
                    case DEGRADED -> {
                        state = ReservationSync.State.Degraded;
                        reason = Reasons.FILTERED_BY_KERNEL;
                    }
                    case IN_USE -> {
                        state = ReservationSync.State.InUse;
                        reason = Reasons.GUEST_RUNNING;
                    }
                    case PLAN_STALE -> {
                        state = ReservationSync.State.PlanStale;
                        reason = m.reason().contains("driver_override") ? Reasons.NODE_MODE_CHANGED : Reasons.INVENTORY_CHANGED;
                    }
                    case FAILED -> {
                        state = ReservationSync.State.Failed;
                        reason = Reasons.ASSIGN_FAILED;
                    }
                    default -> throw new IllegalStateException(m.state().toString());
                }
                if (state == ReservationSync.State.Ready || state == ReservationSync.State.Drifted) {
                    x.setAppliedHash(o.specHash());
                }
            }
            x.setState(state);
            x.setReason(reason);
            x.setMessage(emptyToNull(cut(message)));
            out.put(m.owner(), x);
        }
        // reservations with nothing left on the node: Released once the host has its queues back
        SortedSet<String> claimants = new TreeSet<>();
        t.claims().stream().map(OffHostClaim::owner).forEach(claimants::add);
        // a deleted reservation with releasePolicy Keep: its queues stay off the host as KEPT claims
        // (the controller carries them), its mdev is gone; once the host edits hold, it is released
        // (with the collateral its kept queues' mask bits still pull in, but nothing RESERVED)
        SortedSet<String> keptOnly = new TreeSet<>();
        t.claims().stream().filter(c -> c.kind() == OffHostClaim.Kind.KEPT).map(OffHostClaim::owner).forEach(keptOnly::add);
        t.claims().stream().filter(c -> c.kind() == OffHostClaim.Kind.RESERVED).map(OffHostClaim::owner).forEach(keptOnly::remove);
        SortedSet<String> gone = new TreeSet<>(o.allocated());
        gone.addAll(claimants);
        prev.keySet().forEach(gone::add);
        gone.removeAll(out.keySet());
        for (String res : gone) {
            var x = new ReservationSync();
            x.setReservation(res);
            ReservationSync p = prev.get(res);
            if (keptOnly.contains(res) && r.hostEdits() == SyncState.READY) {
                x.setState(ReservationSync.State.Released);
                x.setReason(Reasons.RELEASED);
                x.setMessage("mdev removed; its queues stay off the host (releasePolicy Keep)");
            } else if (claimants.contains(res)) {
                // claims without an mdev: collateral or kept queues only
                boolean ready = r.hostEdits() == SyncState.READY;
                x.setState(ready ? ReservationSync.State.Ready : r.hostEdits() == SyncState.RESTORING
                        ? ReservationSync.State.Restoring : ReservationSync.State.Applying);
                x.setReason(ready ? Reasons.READY : hostReason(r));
                x.setMessage(ready ? null : emptyToNull(cut(r.hostEditsReason())));
            } else if (r.hostEdits() == SyncState.READY) {
                // nothing of it left on the node and the host has its queues back. Reported Released while
                // spec.allocations lists it, or once (the write after the release) so the controller sees it.
                boolean reportedBefore = p != null && p.getState() == ReservationSync.State.Released;
                if (!o.allocated().contains(res) && reportedBefore) {
                    continue;
                }
                x.setState(ReservationSync.State.Released);
                x.setReason(Reasons.RELEASED);
            } else {
                boolean held = r.hostEdits() == SyncState.IN_USE;
                x.setState(held ? ReservationSync.State.InUse : ReservationSync.State.Releasing);
                x.setReason(held ? Reasons.GUEST_RUNNING : Reasons.RELEASING);
                x.setMessage(emptyToNull(cut(r.hostEditsReason())));
            }
            out.put(res, x);
        }
        for (ReservationSync x : out.values()) {
            if (x.getState() != ReservationSync.State.Released) {
                x.setInFlightAtTakeover(o.inFlightAtTakeover().get(x.getReservation()));
            }
            ReservationSync p = prev.get(x.getReservation());
            x.setLastTransitionTime(p != null && p.getState() == x.getState() && p.getLastTransitionTime() != null
                    ? p.getLastTransitionTime() : now);
        }
        return out.isEmpty() ? null : new ArrayList<>(out.values());
    }

    private static boolean hostBlocks(ConvergeReport r) {
        return r.hostEdits() == SyncState.PLAN_STALE || r.hostEdits() == SyncState.FAILED;
    }

    private static String hostReason(ConvergeReport r) {
        return switch (r.hostEdits()) {
            case PLAN_STALE -> r.hostEditsReason().contains("driver_override") ? Reasons.NODE_MODE_CHANGED : Reasons.INVENTORY_CHANGED;
            case FAILED -> Reasons.DRIVER_BIND_FAILED;
            case IN_USE -> Reasons.GUEST_RUNNING;
            case RESTORING -> Reasons.RECOVERING_INTENT;
            default -> Reasons.APPLYING;
        };
    }

    private static String takeoverNote(Observation o, String reservation) {
        Integer n = o.inFlightAtTakeover().get(reservation);
        return n == null ? "" : "taken from the host with an estimated " + n + " request(s) in flight";
    }

    // ------------------------------------------------------------------ ledger, conditions

    static LedgerSummary ledger(Observation o) {
        var l = new LedgerSummary();
        l.setOpen(o.openIntents().size());
        l.setOldestOpen(o.openIntents().isEmpty() ? null : describe(o.openIntents().get(0)));
        l.setRecoveredAtStart(o.recoveredAtStart());
        l.setLastCompleted(o.lastCompleted());
        return l;
    }

    static String describe(IntentLedger.Intent i) {
        String op = i.op().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
        return op + " " + i.object() + (i.owner() == null || i.owner().isEmpty() ? "" : " (reservation " + i.owner() + ")")
                + (i.outcomeUnknown() ? ", outcome unknown" : "");
    }

    static List<Condition> conditions(Observation o, List<Condition> previous, String now) {
        Long gen = o.observedGeneration();
        List<Condition> c = previous == null ? new ArrayList<>() : new ArrayList<>(previous);
        if (o.report().isEmpty()) {
            c = Conditions.set(c, Conditions.READY, Conditions.UNKNOWN, Reasons.PLANNING,
                    "spec has no host edits yet: the controller has not planned this node", gen, now);
            for (String type : List.of(Conditions.DEGRADED, Conditions.DRIFTED, Conditions.RESTORING, Conditions.PLAN_STALE,
                    Conditions.IN_USE)) {
                c = Conditions.set(c, type, false, Reasons.AS_EXPECTED, "", gen, now);
            }
            return c;
        }
        ConvergeReport r = o.report().get();
        var mdevs = r.mdevs().values();
        // Ready: the node matches spec
        if (r.converged() && r.unaccounted().isEmpty()) {
            c = Conditions.set(c, Conditions.READY, true, Reasons.READY, "", gen, now);
        } else {
            String why = firstProblem(r);
            c = Conditions.set(c, Conditions.READY, false, readyReason(r), why, gen, now);
        }
        // Degraded: the kernel filters, or a write was refused
        List<String> degraded = new ArrayList<>();
        String degradedReason = Reasons.FILTERED_BY_KERNEL;
        for (var m : mdevs) {
            if (m.state() == SyncState.DEGRADED) {
                degraded.add(m.owner() + ": " + m.reason());
            } else if (m.state() == SyncState.FAILED) {
                degraded.add(m.owner() + ": " + m.reason());
                degradedReason = Reasons.ASSIGN_FAILED;
            }
        }
        if (r.hostEdits() == SyncState.FAILED) {
            degraded.add(0, "host edits: " + r.hostEditsReason());
            degradedReason = Reasons.DRIVER_BIND_FAILED;
        }
        if (!r.unaccounted().isEmpty()) {
            degraded.add("off the host because of the operator without a claim: " + r.unaccounted());
        }
        c = degraded.isEmpty() ? Conditions.set(c, Conditions.DEGRADED, false, Reasons.AS_EXPECTED, "", gen, now)
                : Conditions.set(c, Conditions.DEGRADED, true, degradedReason, cut(String.join("; ", degraded)), gen, now);
        // Drifted: hand edits found (and repaired) by this converge
        if (r.drifts().isEmpty()) {
            c = Conditions.set(c, Conditions.DRIFTED, false, Reasons.AS_EXPECTED, "", gen, now);
        } else {
            String all = String.join("; ", r.drifts());
            String reason = all.contains("mask") || all.contains("driver_override") ? Reasons.MASK_CHANGED
                    : all.contains("removed by hand") ? Reasons.MDEV_VANISHED : Reasons.MDEV_CHANGED;
            c = Conditions.set(c, Conditions.DRIFTED, true, reason, cut(all + "; the operator's part is repaired"), gen, now);
        }
        // Restoring: the node rebooted (or intents are being recovered)
        boolean restoring = r.restoring() || r.hostEdits() == SyncState.RESTORING
                || mdevs.stream().anyMatch(m -> m.state() == SyncState.RESTORING);
        c = restoring ? Conditions.set(c, Conditions.RESTORING, true, Reasons.RECOVERING_INTENT,
                "the node rebooted (kernel state reset); re-converging from scratch", gen, now)
                : Conditions.set(c, Conditions.RESTORING, false, Reasons.AS_EXPECTED, "", gen, now);
        // PlanStale
        List<String> stale = new ArrayList<>();
        if (r.hostEdits() == SyncState.PLAN_STALE) {
            stale.add(r.hostEditsReason());
        }
        mdevs.stream().filter(m -> m.state() == SyncState.PLAN_STALE && !m.reason().equals(r.hostEditsReason()))
                .forEach(m -> stale.add(m.owner() + ": " + m.reason()));
        c = stale.isEmpty() ? Conditions.set(c, Conditions.PLAN_STALE, false, Reasons.AS_EXPECTED, "", gen, now)
                : Conditions.set(c, Conditions.PLAN_STALE, true, String.join(" ", stale).contains("driver_override")
                ? Reasons.NODE_MODE_CHANGED : Reasons.INVENTORY_CHANGED, cut(String.join("; ", stale)), gen, now);
        // InUse: a running guest blocks a release
        List<String> inUse = new ArrayList<>();
        mdevs.stream().filter(m -> m.state() == SyncState.IN_USE).forEach(m -> inUse.add(m.owner() + ": " + m.reason()));
        if (r.hostEdits() == SyncState.IN_USE) {
            inUse.add("host edits: " + r.hostEditsReason());
        }
        c = inUse.isEmpty() ? Conditions.set(c, Conditions.IN_USE, false, Reasons.AS_EXPECTED, "", gen, now)
                : Conditions.set(c, Conditions.IN_USE, true, Reasons.GUEST_RUNNING, cut(String.join("; ", inUse)), gen, now);
        return c;
    }

    private static String readyReason(ConvergeReport r) {
        if (r.hostEdits() == SyncState.PLAN_STALE || r.mdevs().values().stream().anyMatch(m -> m.state() == SyncState.PLAN_STALE)) {
            return Reasons.INVENTORY_CHANGED;
        }
        if (r.restoring()) {
            return Reasons.RECOVERING_INTENT;
        }
        if (r.hostEdits() == SyncState.IN_USE || r.mdevs().values().stream().anyMatch(m -> m.state() == SyncState.IN_USE)) {
            return Reasons.GUEST_RUNNING;
        }
        if (r.mdevs().values().stream().anyMatch(m -> m.state() == SyncState.DEGRADED)) {
            return Reasons.FILTERED_BY_KERNEL;
        }
        if (r.hostEdits() == SyncState.FAILED) {
            return Reasons.DRIVER_BIND_FAILED;
        }
        if (r.mdevs().values().stream().anyMatch(m -> m.state() == SyncState.FAILED)) {
            return Reasons.ASSIGN_FAILED;
        }
        if (r.mdevs().values().stream().anyMatch(m -> !m.wanted())) {
            return Reasons.RELEASING;
        }
        return Reasons.APPLYING;
    }

    private static String firstProblem(ConvergeReport r) {
        if (r.hostEdits() != SyncState.READY) {
            return cut("host edits " + r.hostEdits() + ": " + r.hostEditsReason());
        }
        for (var m : r.mdevs().values()) {
            if (!(m.wanted() && m.ready())) {
                return cut(m.owner() + " (" + m.uuid() + ") " + m.state() + (m.reason().isEmpty() ? "" : ": " + m.reason()));
            }
        }
        if (!r.unaccounted().isEmpty()) {
            return cut("off the host without a claim: " + r.unaccounted());
        }
        return "";
    }

    static String cut(String s) {
        if (s == null || s.length() <= MAX_MESSAGE) {
            return s;
        }
        return s.substring(0, MAX_MESSAGE - 1) + "…";
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
