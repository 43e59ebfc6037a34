package dev.apqn.agent.kube;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apqn.agent.Ownership;
import dev.apqn.api.v1alpha1.APNodeStateStatus;
import dev.apqn.api.v1alpha1.AgentStatus;
import dev.apqn.api.v1alpha1.CardStatus;
import dev.apqn.api.v1alpha1.QueueGroup;
import dev.apqn.apbus.ApInventory;
import dev.apqn.apbus.SysfsApBus;
import dev.apqn.apbus.sim.MachineProfiles;
import dev.apqn.apbus.sim.SimKernel;
import dev.apqn.apbus.sim.SimSysfs;
import dev.apqn.status.Conditions;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import dev.apqn.agent.ConvergeReport;
import dev.apqn.agent.SyncState;
import dev.apqn.api.v1alpha1.ReservationSync;
import dev.apqn.plan.HostTarget;
import dev.apqn.plan.OwnershipMode;
import dev.apqn.status.Reasons;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/** The status built from an inventory: compact on the largest node, and equal when nothing changed (no write). */
class NodeStatusBuilderTest {

    static NodeStatusBuilder.Observation observe(ApInventory inv) {
        var agent = new AgentStatus();
        agent.setIdentity("a");
        return new NodeStatusBuilder.Observation(inv, Optional.empty(), Optional.empty(), null, null, Ownership.NONE, List.of(),
                0, null, 1L, 1L, Map.of(), agent);
    }

    @Test
    void stress256InventoryIsOneEntryPerCardWithRangeStrings() throws Exception {
        SimKernel kernel = SimKernel.boot(MachineProfiles.loadResource("stress-256"), 1);
        ApInventory inv = new SysfsApBus(new SimSysfs(kernel)).inventory();
        APNodeStateStatus s = NodeStatusBuilder.build(observe(inv), null, "2026-01-01T00:00:00Z");
        int bytes = Serialization.asJson(s).getBytes(StandardCharsets.UTF_8).length;
        System.out.printf("stress-256 status from the builder: %d bytes for %d cards / %d queues%n", bytes, s.getCards().size(),
                inv.queues().size());
        assertThat(s.getCards()).hasSize(256);
        CardStatus first = s.getCards().get(0);
        assertThat(first.getQueues()).singleElement().satisfies(g -> {
            assertThat(g.getDriver()).isEqualTo(QueueGroup.Driver.cex4queue);
            assertThat(g.getState()).isEqualTo(QueueGroup.State.Online);
            assertThat(g.getDomains()).isEqualTo("0-84");
        });
        assertThat(s.getFreeApqns()).isEqualTo(256 * 85);
        assertThat(bytes).isLessThan(StatusSizeIT.BUDGET_BYTES);
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
                List.of(), List.of(), 0, new TreeMap<>(), new TreeMap<>(), false);
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
        assertThat(d.getReason()).isEqualTo(Reasons.MDEV_CHANGED);
        assertThat(d.getMessage()).contains("changed by hand");
        assertThat(d.getAppliedHash()).isEqualTo("h1");

        var restoring = new dev.apqn.agent.MdevStatus(u, "ns/a", true, SyncState.RESTORING, "mdev not created yet",
                Optional.empty(), Optional.empty());
        ReservationSync r = syncOf(report(SyncState.RESTORING, restoring), "ns/a");
        assertThat(r.getState()).isEqualTo(ReservationSync.State.Restoring);
        assertThat(r.getReason()).isEqualTo(Reasons.RECOVERING_INTENT);
        assertThat(r.getAppliedHash()).isNull();
    }

    @Test
    void aFragmentedMaskPatternOnStress256IsMeasured() throws Exception {
        SimKernel kernel = SimKernel.boot(MachineProfiles.loadResource("stress-256"), 1);
        StringBuilder odd = new StringBuilder();
        for (int i = 1; i < 256; i += 2) {
            odd.append(odd.length() == 0 ? "" : ",").append("-").append(i);
        }
        kernel.writeApmask(odd.toString());
        kernel.writeAqmask(odd.toString());
        ApInventory inv = new SysfsApBus(new SimSysfs(kernel)).inventory();
        APNodeStateStatus s = NodeStatusBuilder.build(observe(inv), null, "2026-01-01T00:00:00Z");
        int bytes = Serialization.asJson(s).getBytes(StandardCharsets.UTF_8).length;
        System.out.printf("stress-256, every other adapter and domain off the host: status %d bytes (budget %d)%n", bytes,
                StatusSizeIT.BUDGET_BYTES);
        assertThat(s.getCards()).hasSize(256);
    }
}
