package dev.apqn.agent;

import static dev.apqn.agent.AgentHarness.OWNER1;
import static dev.apqn.agent.AgentHarness.OWNER2;
import static dev.apqn.agent.AgentHarness.VM1;
import static dev.apqn.agent.AgentHarness.VM2;
import static dev.apqn.agent.AgentHarness.mdev;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apqn.agent.kube.NodeStatusBuilder;
import dev.apqn.ap.Apqn;
import dev.apqn.apbus.SysfsApBus;
import dev.apqn.apbus.sim.SimFaults;
import dev.apqn.apbus.sim.SimSysfs;
import dev.apqn.apbus.sim.ZcryptRequest;
import dev.apqn.apbus.sim.ZcryptTarget;
import dev.apqn.api.v1alpha1.APNodeStateStatus;
import dev.apqn.api.v1alpha1.AgentStatus;
import dev.apqn.api.v1alpha1.ReservationSync;
import dev.apqn.plan.HostTarget;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash consistency: the agent dies just before and just after every host write of a converge
 * and of a release (enumerated generically by counting sysfs writes); a fresh agent with no memory
 * (only the kernel and the ledger directory survive) must then finish or roll back with the
 * invariant intact: off host == union of claims, no orphan mdev, no half-assigned matrix.
 */
class HostConvergerCrashTest {

    private static final String[] PROFILES = {"legacy", "mask-mode-apconfig", "override-mode", "mask-mode-foreign-mdev"};

    @TempDir
    Path tmp;

    private int dirs;

    private AgentHarness node(String profile) throws Exception {
        return new AgentHarness(profile, Files.createDirectories(tmp.resolve("n" + dirs++)));
    }

    private static HostTarget target(AgentHarness h, long gen) {
        return h.plan(gen, mdev(VM1, OWNER1, new int[] {3}, new int[] {4, 5}, 4), mdev(VM2, OWNER2, new int[] {3, 4}, new int[] {6}));
    }

    /** How many sysfs writes a clean converge from boot to target takes, and a clean release after it. */
    private int[] writesOf(String profile) throws Exception {
        AgentHarness h = node(profile);
        HostConverger agent = h.converger();
        HostTarget t = target(h, agent.inventoryGeneration());
        int before = h.sysfs.writes();
        agent.converge(t, DrainPolicy.none());
        int converge = h.sysfs.writes() - before;
        before = h.sysfs.writes();
        agent.converge(h.empty(t.inventoryGeneration()), DrainPolicy.none());
        return new int[] {converge, h.sysfs.writes() - before};
    }

    @TestFactory
    List<DynamicTest> crashAtEveryWriteOfAConvergeThenFinishOrRollBack() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (String profile : PROFILES) {
            int writes = writesOf(profile)[0];
            assertThat(writes).isGreaterThan(2);
            for (int n = 1; n <= writes; n++) {
                for (boolean after : new boolean[] {false, true}) {
                    for (boolean finish : new boolean[] {true, false}) {
                        int at = n;
                        String name = profile + ": converge, crash " + (after ? "after" : "before") + " write " + at + "/" + writes
                                + (finish ? ", then finish" : ", then roll back");
                        tests.add(DynamicTest.dynamicTest(name, () -> {
                            AgentHarness h = node(profile);
                            HostConverger dying = h.converger();
                            HostTarget t = target(h, dying.inventoryGeneration());
                            h.sysfs.crashAt(at, after);
                            assertThatThrownBy(() -> dying.converge(t, DrainPolicy.none())).isInstanceOf(Crash.class);

                            HostConverger fresh = h.converger();
                            if (finish) {
                                h.assertHolds(t, fresh.converge(t, DrainPolicy.none()));
                                h.assertReleased(h.converger().converge(h.empty(t.inventoryGeneration()), DrainPolicy.none()));
                            } else {
                                h.assertReleased(fresh.converge(h.empty(t.inventoryGeneration()), DrainPolicy.none()));
                            }
                        }));
                    }
                }
            }
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> crashAtEveryWriteOfAReleaseThenFinishOrRollBack() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (String profile : PROFILES) {
            int writes = writesOf(profile)[1];
            assertThat(writes).isGreaterThan(1);
            for (int n = 1; n <= writes; n++) {
                for (boolean after : new boolean[] {false, true}) {
                    for (boolean finish : new boolean[] {true, false}) {
                        int at = n;
                        String name = profile + ": release, crash " + (after ? "after" : "before") + " write " + at + "/" + writes
                                + (finish ? ", then finish the release" : ", then the reservation comes back");
                        tests.add(DynamicTest.dynamicTest(name, () -> {
                            AgentHarness h = node(profile);
                            HostConverger dying = h.converger();
                            HostTarget t = target(h, dying.inventoryGeneration());
                            h.assertHolds(t, dying.converge(t, DrainPolicy.none()));
                            h.sysfs.crashAt(at, after);
                            assertThatThrownBy(() -> dying.converge(h.empty(t.inventoryGeneration()), DrainPolicy.none()))
                                    .isInstanceOf(Crash.class);

                            HostConverger fresh = h.converger();
                            if (finish) {
                                h.assertReleased(fresh.converge(h.empty(t.inventoryGeneration()), DrainPolicy.none()));
                            } else {
                                h.assertHolds(t, fresh.converge(t, DrainPolicy.none()));
                            }
                        }));
                    }
                }
            }
        }
        return tests;
    }

    @Test
    void aTimedOutMaskWriteThatLandsLaterIsFinished() throws Exception {
        AgentHarness h = node("mask-mode-apconfig");
        h.sim.withCallTimeout(Duration.ofMillis(50));
        HostConverger agent = h.converger();
        HostTarget t = target(h, agent.inventoryGeneration());
        SimFaults.Hang hang = h.sim.faults().hangWrites("/sys/bus/ap/aqmask");

        ConvergeReport stuck = agent.converge(t, DrainPolicy.none());
        assertThat(stuck.hostEdits()).isIn(SyncState.FAILED, SyncState.APPLYING);
        assertThat(stuck.converged()).isFalse();
        assertThat(agent.ledger().openIntents()).hasSize(1).allMatch(IntentLedger.Intent::outcomeUnknown);
        assertThat(h.kernel.mdevUuids()).isEmpty();

        List<SimFaults.LandedWrite> landed = hang.release();
        assertThat(landed).hasSize(1).allMatch(w -> w.error() == null);

        h.assertHolds(t, h.converger().converge(t, DrainPolicy.none()));
        h.assertReleased(h.converger().converge(h.empty(t.inventoryGeneration()), DrainPolicy.none()));
    }

    @Test
    void aTimedOutTakeThatLandsAfterTheReservationWasDeletedIsGivenBack() throws Exception {
        AgentHarness h = node("mask-mode-apconfig");
        h.sim.withCallTimeout(Duration.ofMillis(50));
        HostConverger agent = h.converger();
        HostTarget t = target(h, agent.inventoryGeneration());
        SimFaults.Hang hang = h.sim.faults().hangWrites("/sys/bus/ap/aqmask");
        agent.converge(t, DrainPolicy.none());

        ConvergeReport waiting = h.converger().converge(h.empty(t.inventoryGeneration()), DrainPolicy.none());
        assertThat(waiting.hostEdits()).isEqualTo(SyncState.APPLYING);
        hang.release();

        h.assertReleased(h.converger().converge(h.empty(t.inventoryGeneration()), DrainPolicy.none()));
    }

    @Test
    void aTimedOutApConfigWriteThatLandsLaterIsConfirmed() throws Exception {
        AgentHarness h = node("mask-mode-apconfig");
        h.sim.withCallTimeout(Duration.ofMillis(50));
        HostConverger agent = h.converger();
        HostTarget t = target(h, agent.inventoryGeneration());
        SimFaults.Hang hang = h.sim.faults().hangWrites("/sys/devices/vfio_ap/matrix/" + VM1 + "/ap_config");

        ConvergeReport stuck = agent.converge(t, DrainPolicy.none());
        assertThat(stuck.mdev(VM1).state()).isIn(SyncState.APPLYING, SyncState.FAILED);
        assertThat(agent.ledger().openIntents()).anyMatch(i -> i.op() == IntentLedger.Op.CONFIGURE_MDEV && i.outcomeUnknown());
        hang.release();

        ConvergeReport r = h.converger().converge(t, DrainPolicy.none());
        h.assertHolds(t, r);
        assertThat(r.drifts()).isEmpty();
    }

    @Test
    void aTimedOutWriteIsReportedNotThrown() throws Exception {
        AgentHarness h = node("override-mode");
        h.sim.withCallTimeout(Duration.ofMillis(50));
        HostConverger agent = h.converger();
        HostTarget t = target(h, agent.inventoryGeneration());
        SimFaults.Hang hang = h.sim.faults().hangWrites("/sys/devices/ap/card03/03.0004/driver_override");
        ConvergeReport r = agent.converge(t, DrainPolicy.none());
        assertThat(r.converged()).isFalse();
        hang.release();
        h.assertHolds(t, h.converger().converge(t, DrainPolicy.none()));
    }

    @Test
    void theInFlightEstimateIsPerReservationAndSurvivesACrashAfterTheMaskWrite() throws Exception {
        AgentHarness h = node("mask-mode-apconfig");
        HostConverger agent = h.converger();
        HostTarget t = target(h, agent.inventoryGeneration());
        var traffic = h.kernel.traffic();
        for (int i = 0; i < 3; i++) {
            traffic.submit(ZcryptRequest.Kind.NORMAL, ZcryptTarget.apqn(Apqn.of(3, 4))); // reserved by vm1
        }
        traffic.submit(ZcryptRequest.Kind.NORMAL, ZcryptTarget.apqn(Apqn.of(5, 4)));     // collateral, claimed by vm1
        for (int i = 0; i < 2; i++) {
            traffic.submit(ZcryptRequest.Kind.NORMAL, ZcryptTarget.apqn(Apqn.of(4, 6))); // reserved by vm2
        }
        h.sysfs.crashAt(1, true); // the aqmask write lands, the agent dies before recording its outcome
        assertThatThrownBy(() -> agent.converge(t, DrainPolicy.none())).isInstanceOf(Crash.class);
        assertThat(h.kernel.aqmask().get(4)).as("the take landed").isFalse();
        assertThat(traffic.outstanding()).doesNotContainKey(Apqn.of(3, 4));

        HostConverger fresh = h.converger(); // no memory: only the kernel and the ledger directory
        assertThat(fresh.ledger().openIntents()).singleElement()
                .satisfies(i -> assertThat(i.inFlight()).isEqualTo(Map.of(OWNER1, 4, OWNER2, 2)));
        ConvergeReport r = fresh.converge(t, DrainPolicy.none());
        h.assertHolds(t, r);
        assertThat(r.inFlightAtTakeover()).isEqualTo(Map.of(OWNER1, 4, OWNER2, 2));
        assertThat(r.events()).anyMatch(e -> e.contains("finished the interrupted take") && e.contains(OWNER1 + " 4")
                && e.contains(OWNER2 + " 2"));

        // what the status says, from a third agent instance: the same figures
        HostConverger third = h.converger();
        ConvergeReport idle = third.converge(t, DrainPolicy.none());
        assertThat(idle.inFlightAtTakeover()).isEqualTo(Map.of(OWNER1, 4, OWNER2, 2));
        var agentStatus = new AgentStatus();
        agentStatus.setIdentity("fresh");
        var o = new NodeStatusBuilder.Observation(new SysfsApBus(new SimSysfs(h.kernel)).inventory(), Optional.of(idle), Optional.of(t),
                "h", new TreeSet<>(), third.ledger().owned(), third.ledger().openIntents(), 0, null, idle.inventoryGeneration(), 1L,
                third.ledger().inFlightAtTakeover(), agentStatus);
        APNodeStateStatus st = NodeStatusBuilder.build(o, null, "2026-01-01T00:00:00Z");
        Map<String, Integer> reported = new java.util.TreeMap<>();
        for (ReservationSync x : st.getReservations()) {
            reported.put(x.getReservation(), x.getInFlightAtTakeover());
        }
        System.out.println("inFlightAtTakeover in status after a crash after the aqmask write: " + reported);
        assertThat(reported).isEqualTo(Map.of(OWNER1, 4, OWNER2, 2));

        // released: the figures are forgotten
        third.converge(h.empty(t.inventoryGeneration()), DrainPolicy.none());
        assertThat(h.converger().ledger().inFlightAtTakeover()).isEmpty();
    }
}
