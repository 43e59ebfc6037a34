package dev.apqn.agent.kube;

import dev.apqn.api.v1alpha1.Allocation;
import dev.apqn.api.v1alpha1.APNodeStateSpec;
import dev.apqn.agent.ConvergeReport;
import dev.apqn.agent.IntentLedger;
import dev.apqn.agent.Ownership;
import dev.apqn.api.v1alpha1.APNodeStateStatus;
import dev.apqn.api.v1alpha1.AgentStatus;
import dev.apqn.api.v1alpha1.LedgerSummary;
import dev.apqn.api.v1alpha1.NodeMode;
import dev.apqn.apbus.ApInventory;
import dev.apqn.apbus.NodeCapabilities;
import dev.apqn.plan.HostTarget;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedSet;
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
 *
 * <p>Parts: {@link InventoryStatus} (capabilities, host configuration, cards, mdevs),
 * {@link ReservationSyncs} ({@code status.reservations}), {@link NodeConditions} (the conditions);
 * this class assembles them and summarises the ledger.
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
        s.setCapabilities(InventoryStatus.capabilities(inv.capabilities()));
        s.setHostConfig(InventoryStatus.hostConfig(inv, o.owned()));
        s.setInventoryGeneration(o.inventoryGeneration());
        s.setCards(InventoryStatus.cards(inv));
        s.setMdevs(InventoryStatus.mdevs(inv, o.owned()));
        s.setReservations(ReservationSyncs.reservations(o, previous, now));
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
        s.setConditions(NodeConditions.conditions(o, previous == null ? null : previous.getConditions(), now));
        return s;
    }

    // ------------------------------------------------------------------ inventory

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

    static String cut(String s) {
        if (s == null || s.length() <= MAX_MESSAGE) {
            return s;
        }
        return s.substring(0, MAX_MESSAGE - 1) + "…";
    }

    static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    /** The reservations {@code spec.allocations} lists (empty without a spec). */
    static SortedSet<String> allocatedIn(APNodeStateSpec spec) {
        SortedSet<String> out = new TreeSet<>();
        if (spec != null && spec.getAllocations() != null) {
            for (Allocation a : spec.getAllocations()) {
                if (a.getReservation() != null) {
                    out.add(a.getReservation());
                }
            }
        }
        return out;
    }
}
