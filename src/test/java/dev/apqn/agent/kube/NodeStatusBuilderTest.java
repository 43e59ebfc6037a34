package dev.apqn.agent.kube;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apqn.agent.ConvergeReport;
import dev.apqn.agent.Ownership;
import dev.apqn.agent.SyncState;
import dev.apqn.ap.ApMask;
import dev.apqn.apbus.ApInventory;
import dev.apqn.apbus.SysfsApBus;
import dev.apqn.apbus.sim.MachineProfiles;
import dev.apqn.apbus.sim.SimKernel;
import dev.apqn.apbus.sim.SimSysfs;
import dev.apqn.api.v1alpha1.APNodeStateStatus;
import dev.apqn.api.v1alpha1.AgentStatus;
import dev.apqn.api.v1alpha1.CardStatus;
import dev.apqn.api.v1alpha1.QueueGroup;
import dev.apqn.api.v1alpha1.ReservationSync;
import dev.apqn.controller.RangeLists;
import dev.apqn.plan.HostTarget;
import dev.apqn.plan.OwnershipMode;
import dev.apqn.status.Conditions;
import dev.apqn.status.Reason;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The status built from an inventory: compact on the largest node, and equal when nothing changed (no write). */
class NodeStatusBuilderTest {

    static NodeStatusBuilder.Observation observe(ApInventory inv) {
        var agent = new AgentStatus();
        agent.setIdentity("a");
        return new NodeStatusBuilder.Observation(inv, Optional.empty(), Optional.empty(), null, null, Ownership.NONE, List.of(),
                0, null, 1L, 1L, Map.of(), agent);
    }

    /** Every adapter the status's card entries name, expanded from their range lists. */
    static ApMask adaptersOf(APNodeStateStatus s) {
        ApMask all = ApMask.none();
        for (CardStatus c : s.getCards()) {
            ApMask mine = RangeLists.parse(c.getAdapters());
            assertThat(all.and(mine).isEmpty()).as("adapter in two entries: %s", c.getAdapters()).isTrue();
            all = all.or(mine);
        }
        return all;
    }

    static int bytes(APNodeStateStatus s) {
        return Serialization.asJson(s).getBytes(StandardCharsets.UTF_8).length;
    }

    @Test
    void stress256InventoryIsOneEntryPerSetOfIdenticalCards() throws Exception {
        SimKernel kernel = SimKernel.boot(MachineProfiles.loadResource("stress-256"), 1);
        ApInventory inv = new SysfsApBus(new SimSysfs(kernel)).inventory();
        APNodeStateStatus s = NodeStatusBuilder.build(observe(inv), null, "2026-01-01T00:00:00Z");
        int bytes = bytes(s);
        System.out.printf("stress-256 status from the builder: %d bytes for %d card entries / %d cards / %d queues%n", bytes,
                s.getCards().size(), adaptersOf(s).cardinality(), inv.queues().size());
        // the profile's five card kinds: CEX8C 0-63, CEX8P 64-127, CEX8A 128-191, CEX7C 192-223, CEX7 EP11 224-255
        assertThat(s.getCards()).extracting(CardStatus::getAdapters)
                .containsExactly("0-63", "64-127", "128-191", "192-223", "224-255");
        assertThat(s.getCards()).allSatisfy(c -> assertThat(c.getAdapter()).as("the single-card form is not written").isNull());
        assertThat(adaptersOf(s)).isEqualTo(ApMask.fromRange(0, 255));
        CardStatus first = s.getCards().get(0);
        assertThat(first.getType()).isEqualTo("CEX8C");
        assertThat(first.getQueues()).singleElement().satisfies(g -> {
            assertThat(g.getDriver()).isEqualTo(QueueGroup.Driver.cex4queue);
            assertThat(g.getState()).isEqualTo(QueueGroup.State.Online);
            assertThat(g.getDomains()).isEqualTo("0-84");
        });
        assertThat(s.getFreeApqns()).isEqualTo(256 * 85);
        assertThat(bytes).isLessThan(StatusSizeIT.BUDGET_BYTES);
    }

    @Test
    void aCardThatDiffersGetsItsOwnEntry() throws Exception {
        SimKernel kernel = SimKernel.boot(MachineProfiles.loadResource("stress-256"), 1);
        kernel.writeApmask("-5");
        ApInventory inv = new SysfsApBus(new SimSysfs(kernel)).inventory();
        APNodeStateStatus s = NodeStatusBuilder.build(observe(inv), null, "2026-01-01T00:00:00Z");
        assertThat(s.getCards()).extracting(CardStatus::getAdapters)
                .containsExactly("0-4,6-63", "5", "64-127", "128-191", "192-223", "224-255");
        assertThat(s.getCards().get(1).getQueues()).singleElement().satisfies(g -> {
            assertThat(g.getDriver()).isEqualTo(QueueGroup.Driver.vfio_ap);
            assertThat(g.getState()).isEqualTo(QueueGroup.State.Unassigned);
            assertThat(g.getDomains()).isEqualTo("0-84");
        });
    }

    @Test
    void anIdleRebuildIsEqualSoNothingIsWritten() throws Exception {
        SimKernel kernel = SimKernel.boot(MachineProfiles.loadResource("mask-mode-foreign-mdev"), 1);
        ApInventory inv = new SysfsApBus(new SimSysfs(kernel)).inventory();
        APNodeStateStatus first = NodeStatusBuilder.build(observe(inv), null, "2026-01-01T00:00:00Z");
        APNodeStateStatus later = NodeStatusBuilder.build(observe(inv), first, "2026-01-01T00:10:00Z");
        assertThat(Serialization.asJson(later)).isEqualTo(Serialization.asJson(first));
        assertThat(Conditions.find(later.getConditions(), Conditions.READY).orElseThrow().getLastTransitionTime())
                .isEqualTo("2026-01-01T00:00:00Z");
        assertThat(first.getMdevs()).isNotEmpty().allSatisfy(m -> assertThat(m.getOwned()).as("foreign mdev").isFalse());
    }

    static ConvergeReport report(SyncState host, dev.apqn.agent.MdevStatus... mdevs) {
        var byId = new TreeMap<UUID, dev.apqn.agent.MdevStatus>();
        for (var m : mdevs) {
            byId.put(m.uuid(), m);
        }
        return new ConvergeReport(1L, host == SyncState.RESTORING, host, "", byId, new TreeSet<>(), new TreeSet<>(), List.of(),
                List.of(), List.of(), 0, new TreeMap<>(), new TreeMap<>(), false, List.of(), List.of());
    }

    static ReservationSync syncOf(ConvergeReport r, String owner) throws Exception {
        SimKernel kernel = SimKernel.boot(MachineProfiles.loadResource("mask-mode-apconfig"), 1);
        ApInventory inv = new SysfsApBus(new SimSysfs(kernel)).inventory();
        var agent = new AgentStatus();
        agent.setIdentity("a");
        var o = new NodeStatusBuilder.Observation(inv, Optional.of(r), Optional.of(HostTarget.empty(OwnershipMode.MASKS, 1L)), "h1",
                null, Ownership.NONE, List.of(), 0, null, 1L, 1L, Map.of(), agent);
        APNodeStateStatus s = NodeStatusBuilder.build(o, null, "2026-01-01T00:00:00Z");
        return s.getReservations().stream().filter(x -> owner.equals(x.getReservation())).findFirst().orElseThrow();
    }

    @Test
    void driftedAndRestoringAreReportedAsSuch() throws Exception {
        UUID u = UUID.randomUUID();
        var drifted = new dev.apqn.agent.MdevStatus(u, "ns/a", true, SyncState.DRIFTED,
                "the matrix of mdev " + u + " was changed by hand; repaired", Optional.empty(), Optional.empty());
        ReservationSync d = syncOf(report(SyncState.READY, drifted), "ns/a");
        assertThat(d.getState()).isEqualTo(ReservationSync.State.Drifted);
        assertThat(d.getReason()).isEqualTo(Reason.MdevChangedOutside);
        assertThat(d.getMessage()).contains("changed by hand");
        assertThat(d.getAppliedHash()).isEqualTo("h1");

        var restoring = new dev.apqn.agent.MdevStatus(u, "ns/a", true, SyncState.RESTORING, "mdev not created yet",
                Optional.empty(), Optional.empty());
        ReservationSync r = syncOf(report(SyncState.RESTORING, restoring), "ns/a");
        assertThat(r.getState()).isEqualTo(ReservationSync.State.Restoring);
        assertThat(r.getReason()).isEqualTo(Reason.RecoveringIntent);
        assertThat(r.getAppliedHash()).isNull();
    }

    /**
     * A deleted reservation with releasePolicy Keep: no mdev, no allocation, only KEPT claims that the
     * host edits hold. It is Released (the controller removes its finalizer on that), not Ready for
     * ever; while its kept queues are still being taken off the host it is not Released yet.
     */
    @Test
    void aKeptReleaseIsReleasedOnceTheHostEditsHold() throws Exception {
        SimKernel kernel = SimKernel.boot(MachineProfiles.loadResource("mask-mode-apconfig"), 1);
        ApInventory inv = new SysfsApBus(new SimSysfs(kernel)).inventory();
        var agent = new AgentStatus();
        agent.setIdentity("a");
        var kept = new dev.apqn.plan.OffHostClaim(dev.apqn.plan.OffHostClaim.Kind.KEPT, "payroll/old-hsm",
                new TreeSet<>(List.of(dev.apqn.ap.Apqn.of(5, 4))));
        var collateral = new dev.apqn.plan.OffHostClaim(dev.apqn.plan.OffHostClaim.Kind.COLLATERAL, "payroll/old-hsm",
                new TreeSet<>(List.of(dev.apqn.ap.Apqn.of(3, 4), dev.apqn.ap.Apqn.of(6, 4))));
        var target = new HostTarget(OwnershipMode.MASKS, ApMask.none(), ApMask.none().with(4), new TreeSet<>(), new TreeMap<>(),
                List.of(kept, collateral), 1L);
        for (SyncState host : List.of(SyncState.READY, SyncState.APPLYING)) {
            var o = new NodeStatusBuilder.Observation(inv, Optional.of(report(host)), Optional.of(target), "h1",
                    new TreeSet<>(), Ownership.NONE, List.of(), 0, null, 1L, 1L, Map.of(), agent);
            ReservationSync s = NodeStatusBuilder.build(o, null, "2026-01-01T00:00:00Z").getReservations().stream()
                    .filter(x -> x.getReservation().equals("payroll/old-hsm")).findFirst().orElseThrow();
            if (host == SyncState.READY) {
                assertThat(s.getState()).isEqualTo(ReservationSync.State.Released);
                assertThat(s.getMessage()).contains("releasePolicy Keep");
            } else {
                assertThat(s.getState()).isEqualTo(ReservationSync.State.Applying);
            }
        }
    }

    @Test
    void anMdevHeldBackByARefusedHostWriteCarriesTheFailureReason() throws Exception {
        UUID u = UUID.randomUUID();
        var waiting = new dev.apqn.agent.MdevStatus(u, "ns/a", true, SyncState.APPLYING, "taking the queues from the host"
                + " failed: writing to /sys/bus/ap/aqmask failed with EBUSY (Device or resource busy)", Optional.empty(),
                Optional.empty());
        ReservationSync refused = syncOf(report(SyncState.FAILED, waiting), "ns/a");
        assertThat(refused.getState()).isEqualTo(ReservationSync.State.Applying);
        assertThat(refused.getReason()).as("the controller's cue for Stalled (ReservationStatusBuilder.failed)")
                .isEqualTo(Reason.DriverBindFailed);
        assertThat(refused.getMessage()).contains("EBUSY");

        ReservationSync progressing = syncOf(report(SyncState.READY, waiting), "ns/a");
        assertThat(progressing.getReason()).as("nothing refused: plain progress").isEqualTo(Reason.Applying);
    }

    /** Every other adapter and every other domain off the host (foreign mask bits): the most fragmented mask pattern. */
    static void fragment(SimKernel kernel) {
        StringBuilder odd = new StringBuilder();
        for (int i = 1; i < 256; i += 2) {
            odd.append(odd.length() == 0 ? "" : ",").append("-").append(i);
        }
        kernel.writeApmask(odd.toString());
        kernel.writeAqmask(odd.toString());
    }

    @Test
    void aFragmentedMaskPatternOnStress256StaysInTheBudget() throws Exception {
        SimKernel kernel = SimKernel.boot(MachineProfiles.loadResource("stress-256"), 1);
        fragment(kernel);
        ApInventory inv = new SysfsApBus(new SimSysfs(kernel)).inventory();
        APNodeStateStatus s = NodeStatusBuilder.build(observe(inv), null, "2026-01-01T00:00:00Z");
        int bytes = bytes(s);
        System.out.printf("stress-256, every other adapter and domain off the host: status %d bytes, %d card entries (budget %d;"
                + " 81948 bytes with one entry per card)%n", bytes, s.getCards().size(), StatusSizeIT.BUDGET_BYTES);
        // per card kind: the even adapters (host keeps the even domains) and the odd ones (all on vfio_ap)
        assertThat(s.getCards()).hasSize(10);
        assertThat(s.getCards().get(0).getAdapters()).startsWith("0,2,4,").endsWith(",62");
        assertThat(adaptersOf(s)).isEqualTo(ApMask.fromRange(0, 255));
        assertThat(s.getFreeApqns()).isEqualTo(128 * 43);
        assertThat(bytes).isLessThan(StatusSizeIT.BUDGET_BYTES);
    }

    @Test
    void oneReservationWithCollateralOnEveryAdapterStaysInTheBudget() throws Exception {
        SimKernel kernel = SimKernel.boot(MachineProfiles.loadResource("stress-256"), 1);
        kernel.writeAqmask("-0,-1"); // mask mode: a 4x2 reservation's domains leave the host on all 256 adapters
        ApInventory inv = new SysfsApBus(new SimSysfs(kernel)).inventory();
        APNodeStateStatus s = NodeStatusBuilder.build(observe(inv), null, "2026-01-01T00:00:00Z");
        int bytes = bytes(s);
        System.out.printf("stress-256, domains 0-1 off the host on every adapter: status %d bytes, %d card entries%n", bytes,
                s.getCards().size());
        assertThat(s.getCards()).hasSize(5).allSatisfy(c -> assertThat(c.getQueues()).extracting(QueueGroup::getDomains)
                .containsExactly("2-84", "0-1"));
        assertThat(bytes).isLessThan(StatusSizeIT.BUDGET_BYTES);
    }
}
