package dev.apqn.agent.kube;

import dev.apqn.agent.Ownership;
import dev.apqn.ap.ApCard;
import dev.apqn.ap.ApMask;
import dev.apqn.ap.ApMdev;
import dev.apqn.ap.ApQueue;
import dev.apqn.ap.CardGeneration;
import dev.apqn.ap.Matrix;
import dev.apqn.apbus.ApInventory;
import dev.apqn.apbus.NodeCapabilities;
import dev.apqn.api.v1alpha1.CapabilitiesStatus;
import dev.apqn.api.v1alpha1.CardMode;
import dev.apqn.api.v1alpha1.CardStatus;
import dev.apqn.api.v1alpha1.HostConfigStatus;
import dev.apqn.api.v1alpha1.MatrixRanges;
import dev.apqn.api.v1alpha1.MdevStatus;
import dev.apqn.api.v1alpha1.QueueGroup;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The inventory part of a node's status: capabilities with their evidence, the host configuration,
 * the cards (one entry per set of identical cards) and the mdevs, read from one {@link ApInventory}.
 */
final class InventoryStatus {

    private InventoryStatus() {
    }

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

    static CapabilitiesStatus.Evidence evidence(NodeCapabilities.Evidence e) {
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
        h.setAdaptersOffHostByOperator(NodeStatusBuilder.emptyToNull(owned.apmaskBits().toRangeList()));
        h.setDomainsOffHostByOperator(NodeStatusBuilder.emptyToNull(owned.aqmaskBits().toRangeList()));
        h.setAdaptersOffHostForeign(NodeStatusBuilder.emptyToNull(adapters.andNot(b.apmask()).andNot(owned.apmaskBits()).toRangeList()));
        h.setDomainsOffHostForeign(NodeStatusBuilder.emptyToNull(domains.andNot(b.aqmask()).andNot(owned.aqmaskBits()).toRangeList()));
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
            s.setGuestMatrix(m.guestMatrix().map(InventoryStatus::ranges).orElse(null));
            boolean statusKnown = m.matrix().apqns().stream().map(inv.queues()::get)
                    .anyMatch(q -> q != null && q.vfioStatus().isPresent());
            boolean inUse = m.matrix().apqns().stream().map(inv.queues()::get)
                    .anyMatch(q -> q != null && q.vfioStatus().orElse(null) == ApQueue.VfioStatus.IN_USE);
            s.setInUse(statusKnown ? inUse : null);
            out.add(s);
        }
        return out;
    }

    static MatrixRanges ranges(Matrix m) {
        var r = MatrixRanges.of(m);
        r.setControlDomains(NodeStatusBuilder.emptyToNull(r.getControlDomains()));
        return r;
    }

    // ------------------------------------------------------------------ per reservation
}
