package dev.apqn.agent;

import static dev.apqn.agent.AgentHarness.OWNER1;
import static dev.apqn.agent.AgentHarness.OWNER2;
import static dev.apqn.agent.AgentHarness.VM1;
import static dev.apqn.agent.AgentHarness.VM2;
import static dev.apqn.agent.AgentHarness.mdev;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apqn.ap.ApMask;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.Errno;
import dev.apqn.ap.Matrix;
import dev.apqn.apbus.sim.ZcryptRequest;
import dev.apqn.apbus.sim.ZcryptTarget;
import dev.apqn.plan.HostTarget;
import dev.apqn.plan.MdevTarget;
import dev.apqn.plan.OffHostClaim;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link HostConverger} against the simulated kernel, on the three kinds of node. */
class HostConvergerTest {

    @TempDir
    Path tmp;

    private static final MdevTarget VM1_3x45 = mdev(VM1, OWNER1, new int[] {3}, new int[] {4, 5}, 4);

    @ParameterizedTest
    @ValueSource(strings = {"legacy", "mask-mode-apconfig", "override-mode"})
    void convergesToReadyAndReleasesEverything(String profile) throws Exception {
        AgentHarness h = new AgentHarness(profile, tmp);
        HostConverger agent = h.converger();
        HostTarget target = h.plan(agent.inventoryGeneration(), VM1_3x45);

        ConvergeReport r = agent.converge(target, DrainPolicy.none());
        h.assertHolds(target, r);
        assertThat(r.mdev(VM1).guestMatrix()).hasValueSatisfying(g ->
                assertThat(g.apqns()).containsExactly(Apqn.of(3, 4), Apqn.of(3, 5)));
        assertThat(h.kernel.mdevMatrix(VM1.toString()).orElseThrow().controlDomains()).isEqualTo(ApMask.of(4));

        int writes = h.sysfs.writes();
        ConvergeReport again = agent.converge(target, DrainPolicy.none());
        assertThat(h.sysfs.writes()).as("a converged node needs no writes").isEqualTo(writes);
        assertThat(again.converged()).isTrue();

        h.assertReleased(agent.converge(h.empty(target.inventoryGeneration()), DrainPolicy.none()));
    }

    @Test
    void domainOutsideTheHostConfigurationIsDegradedNotReady() throws Exception {
        AgentHarness h = new AgentHarness("mask-mode-apconfig", tmp);
        HostConverger agent = h.converger();
        MdevTarget vm = mdev(VM1, OWNER1, new int[] {3}, new int[] {4, 20});
        HostTarget target = h.plan(agent.inventoryGeneration(), vm);

        ConvergeReport r = agent.converge(target, DrainPolicy.none());

        MdevStatus s = r.mdev(VM1);
        assertThat(s.state()).isEqualTo(SyncState.DEGRADED);
        assertThat(s.reason()).contains("03.0014 is outside the host configuration");
        assertThat(h.kernel.mdevMatrix(VM1.toString())).contains(vm.matrix());
        h.assertReleased(agent.converge(h.empty(target.inventoryGeneration()), DrainPolicy.none()));
    }

    @Test
    void controlDomainOutsideTheHostConfigurationIsDegradedOnAnOverrideNode() throws Exception {
        AgentHarness h = new AgentHarness("override-mode", tmp);
        HostConverger agent = h.converger();
        HostTarget target = h.plan(agent.inventoryGeneration(), mdev(VM1, OWNER1, new int[] {3}, new int[] {4}, 4, 20));

        ConvergeReport r = agent.converge(target, DrainPolicy.none());

        assertThat(r.mdev(VM1).state()).isEqualTo(SyncState.DEGRADED);
        assertThat(r.mdev(VM1).reason()).contains("control domains 20 are not in effect");
    }

    /**
     * A write the kernel refuses is FAILED with the errno sentence, every converge, never Applying: a
     * control domain above ap_max_domain_id (ENODEV) on legacy z15 (assign_control_domain) and on z16
     * (one ap_config write). The resolver confirms the partial matrix for the ledger; that is not the write landing.
     */
    @ParameterizedTest
    @ValueSource(strings = {"legacy", "mask-mode-apconfig"})
    void aRefusedAssignmentIsFailedWithTheErrnoSentence(String profile) throws Exception {
        AgentHarness h = new AgentHarness(profile, tmp);
        HostConverger agent = h.converger();
        int aboveMax = h.kernel.profile().maxDomainId() + 1;
        HostTarget target = h.plan(agent.inventoryGeneration(), mdev(VM1, OWNER1, new int[] {4}, new int[] {3}, 3, aboveMax));

        for (int pass = 0; pass < 2; pass++) {
            ConvergeReport r = agent.converge(target, DrainPolicy.none());
            MdevStatus s = r.mdev(VM1);
            assertThat(s.state()).as("pass %d: %s", pass, s).isEqualTo(SyncState.FAILED);
            assertThat(s.reason()).contains("ENODEV").contains("above the maximum");
            assertThat(r.converged()).isFalse();
        }
        h.assertReleased(agent.converge(h.empty(target.inventoryGeneration()), DrainPolicy.none()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"legacy", "mask-mode-apconfig", "override-mode"})
    void sharedAdapterWithDisjointDomainsGivesTwoReadyMdevs(String profile) throws Exception {
        AgentHarness h = new AgentHarness(profile, tmp);
        HostConverger agent = h.converger();
        HostTarget target = h.plan(agent.inventoryGeneration(), VM1_3x45, mdev(VM2, OWNER2, new int[] {3}, new int[] {6}));

        ConvergeReport r = agent.converge(target, DrainPolicy.none());

        h.assertHolds(target, r);
        h.assertReleased(agent.converge(h.empty(target.inventoryGeneration()), DrainPolicy.none()));
    }

    @Test
    void aReadyMdevIsUpdatedLiveThroughApConfig() throws Exception {
        AgentHarness h = new AgentHarness("mask-mode-apconfig", tmp);
        HostConverger agent = h.converger();
        long gen = agent.inventoryGeneration();
        agent.converge(h.plan(gen, VM1_3x45), DrainPolicy.none());
        h.kernel.attachGuest(VM1.toString(), "vm1");
        int before = h.sysfs.written().size();

        HostTarget grown = h.plan(gen, mdev(VM1, OWNER1, new int[] {3, 4}, new int[] {4, 5, 6}, 4));
        ConvergeReport r = agent.converge(grown, DrainPolicy.none());

        h.assertHolds(grown, r);
        assertThat(h.kernel.guestView("vm1")).hasValueSatisfying(g -> assertThat(g.apqns()).hasSize(6));
        List<String> writes = h.sysfs.written().subList(before, h.sysfs.written().size());
        assertThat(writes).anyMatch(p -> p.endsWith("/ap_config")).noneMatch(p -> p.contains("/assign_"));

        // shrinking while the guest runs is refused, and done once it stopped
        ConvergeReport shrink = agent.converge(h.plan(gen, VM1_3x45), DrainPolicy.none());
        assertThat(shrink.mdev(VM1).state()).isEqualTo(SyncState.IN_USE);
        assertThat(h.kernel.guestView("vm1")).hasValueSatisfying(g -> assertThat(g.apqns()).hasSize(6));
        h.kernel.detachGuest("vm1");
        h.assertHolds(h.plan(gen, VM1_3x45), agent.converge(h.plan(gen, VM1_3x45), DrainPolicy.none()));
    }

    @Test
    void aForeignMdevAndItsMaskBitsAreLeftAlone() throws Exception {
        AgentHarness h = new AgentHarness("mask-mode-foreign-mdev", tmp);
        String foreign = h.bootMdevs.get(0);
        Matrix foreignMatrix = h.kernel.mdevMatrix(foreign).orElseThrow();
        HostConverger agent = h.converger();
        HostTarget target = h.plan(agent.inventoryGeneration(), VM1_3x45);

        ConvergeReport r = agent.converge(target, DrainPolicy.none());

        h.assertHolds(target, r);
        assertThat(r.foreign()).anyMatch(f -> f.contains(foreign)).anyMatch(f -> f.contains("apmask bits 6"))
                .anyMatch(f -> f.contains("aqmask bits 10-11"));
        assertThat(r.mdevs()).containsOnlyKeys(VM1);
        h.assertReleased(agent.converge(h.empty(target.inventoryGeneration()), DrainPolicy.none()));
        assertThat(h.kernel.mdevMatrix(foreign)).contains(foreignMatrix);
    }

    @ParameterizedTest
    @ValueSource(strings = {"legacy", "mask-mode-apconfig", "override-mode"})
    void aGuestBlocksReleaseWithInUseUntilItStops(String profile) throws Exception {
        AgentHarness h = new AgentHarness(profile, tmp);
        HostConverger agent = h.converger();
        HostTarget target = h.plan(agent.inventoryGeneration(), VM1_3x45);
        agent.converge(target, DrainPolicy.none());
        h.kernel.attachGuest(VM1.toString(), "vm1");

        ConvergeReport blocked = agent.converge(h.empty(target.inventoryGeneration()), DrainPolicy.none());

        assertThat(blocked.mdev(VM1).state()).isEqualTo(SyncState.IN_USE);
        assertThat(blocked.mdev(VM1).wanted()).isFalse();
        assertThat(h.kernel.mdevMatrix(VM1.toString())).contains(VM1_3x45.matrix());
        assertThat(h.kernel.guestView("vm1")).hasValueSatisfying(g -> assertThat(g.apqns()).hasSize(2));
        assertThat(blocked.unaccounted()).isEmpty();
        assertThat(blocked.converged()).isFalse();

        h.kernel.detachGuest("vm1");
        h.assertReleased(agent.converge(h.empty(target.inventoryGeneration()), DrainPolicy.none()));
    }

    @Test
    void handEditsAreDriftAndOnlyTheOperatorsPartIsRepaired() throws Exception {
        AgentHarness h = new AgentHarness("mask-mode-apconfig", tmp);
        HostConverger agent = h.converger();
        HostTarget target = h.plan(agent.inventoryGeneration(), VM1_3x45);
        agent.converge(target, DrainPolicy.none());

        h.sim.write("/sys/devices/vfio_ap/matrix/" + VM1 + "/unassign_domain", "5");
        ConvergeReport drifted = agent.converge(target, DrainPolicy.none());
        assertThat(drifted.mdev(VM1).state()).isEqualTo(SyncState.DRIFTED);
        assertThat(drifted.mdev(VM1).reason()).contains("changed by hand").contains("repaired");
        assertThat(drifted.drifts()).hasSize(1);
        h.assertHolds(target, agent.converge(target, DrainPolicy.none()));

        h.sim.write("/sys/devices/vfio_ap/matrix/" + VM1 + "/remove", "1");
        ConvergeReport removed = agent.converge(target, DrainPolicy.none());
        assertThat(removed.mdev(VM1).state()).isEqualTo(SyncState.DRIFTED);
        assertThat(removed.drifts()).anyMatch(d -> d.contains("removed by hand"));
        h.assertHolds(target, agent.converge(target, DrainPolicy.none()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"legacy", "mask-mode-apconfig", "override-mode"})
    void afterANodeRebootTheAgentRestoresEverything(String profile) throws Exception {
        AgentHarness h = new AgentHarness(profile, tmp);
        HostConverger agent = h.converger();
        HostTarget target = h.plan(agent.inventoryGeneration(), VM1_3x45);
        agent.converge(target, DrainPolicy.none());

        h.kernel.reboot();
        h.kernel.traffic();
        HostConverger fresh = h.converger();
        assertThat(fresh.ledger().discardedForReboot()).isTrue();
        assertThat(fresh.ledger().restoring()).isTrue();
        ConvergeReport restored = fresh.converge(target, DrainPolicy.none());

        assertThat(restored.restoring()).isTrue();
        h.assertHolds(target, restored);
        assertThat(fresh.converge(target, DrainPolicy.none()).restoring()).isFalse();
        h.assertReleased(fresh.converge(h.empty(target.inventoryGeneration()), DrainPolicy.none()));
    }

    @Test
    void restoringIsTheStateUntilTheMdevIsBack() throws Exception {
        AgentHarness h = new AgentHarness("mask-mode-apconfig", tmp);
        HostConverger agent = h.converger();
        HostTarget target = h.plan(agent.inventoryGeneration(), VM1_3x45);
        agent.converge(target, DrainPolicy.none());
        h.kernel.reboot();
        h.sim.faults().failNextWrite("/sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create", dev.apqn.ap.Errno.EUSERS);

        ConvergeReport r = agent.converge(target, DrainPolicy.none());
        assertThat(r.restoring()).isTrue();
        assertThat(r.mdev(VM1).state()).isEqualTo(SyncState.FAILED);
        assertThat(r.mdev(VM1).reason()).contains("EUSERS");

        ConvergeReport next = agent.converge(target, DrainPolicy.none());
        assertThat(next.restoring()).isTrue();
        h.assertHolds(target, next);
        assertThat(agent.converge(target, DrainPolicy.none()).restoring()).isFalse();
    }

    @Test
    void theDrainWaitsForRequestsInFlightOnEveryQueueThatFlips() throws Exception {
        AgentHarness h = new AgentHarness("mask-mode-apconfig", tmp);
        HostConverger agent = h.converger();
        HostTarget target = h.plan(agent.inventoryGeneration(), VM1_3x45);
        var traffic = h.kernel.traffic();
        Apqn collateral = Apqn.of(5, 4);
        for (int i = 0; i < 3; i++) {
            traffic.submit(ZcryptRequest.Kind.NORMAL, ZcryptTarget.apqn(collateral));
        }
        traffic.sendAll();
        h.clock.onSleep(traffic::step);

        ConvergeReport r = agent.converge(target, DrainPolicy.waitBounded(Duration.ofSeconds(10)));

        h.assertHolds(target, r);
        assertThat(h.clock.sleeps()).isPositive();
        assertThat(r.inFlightAtWrite()).isZero();
        assertThat(r.drainTimedOut()).isFalse();
        assertThat(traffic.stats().completed()).isEqualTo(3);
        assertThat(traffic.stats().rescheduled()).isZero();
    }

    @Test
    void aBoundedDrainGivesUpAndReportsTheEstimateAtTheWrite() throws Exception {
        AgentHarness h = new AgentHarness("mask-mode-apconfig", tmp);
        HostConverger agent = h.converger();
        HostTarget target = h.plan(agent.inventoryGeneration(), VM1_3x45);
        var traffic = h.kernel.traffic();
        for (int i = 0; i < 4; i++) {
            traffic.submit(ZcryptRequest.Kind.NORMAL, ZcryptTarget.apqn(Apqn.of(3, 4)));
        }

        ConvergeReport r = agent.converge(target, DrainPolicy.waitBounded(Duration.ofSeconds(1)));

        h.assertHolds(target, r);
        assertThat(r.drainTimedOut()).isTrue();
        assertThat(r.inFlightAtWrite()).isEqualTo(4);
        assertThat(r.inFlightThisPass()).isEqualTo(java.util.Map.of(AgentHarness.OWNER1, 4));
        assertThat(r.inFlightAtTakeover()).isEqualTo(java.util.Map.of(AgentHarness.OWNER1, 4));
        assertThat(r.events()).anyMatch(e -> e.contains("about 4 requests in flight") && e.contains(AgentHarness.OWNER1 + " 4"));
        // the take flushed them (-EAGAIN); restricted to 03.0004 they have nowhere else to go
        assertThat(traffic.outstanding()).doesNotContainKey(Apqn.of(3, 4));
    }

    @Test
    void refusedWritesAndTakeoverEstimatesAreTypedValuesOfTheReport() throws Exception {
        AgentHarness h = new AgentHarness("mask-mode-apconfig", tmp);
        HostConverger agent = h.converger();
        HostTarget target = h.plan(agent.inventoryGeneration(), VM1_3x45);
        var traffic = h.kernel.traffic();
        for (int i = 0; i < 4; i++) {
            traffic.submit(ZcryptRequest.Kind.NORMAL, ZcryptTarget.apqn(Apqn.of(3, 4)));
        }
        // the plan takes the queues by clearing aqmask bits 4-5 (adapter 3 is the host's): the kernel refuses that once
        h.sim.faults().failNextWrite("/sys/bus/ap/aqmask", Errno.EBUSY);

        ConvergeReport refused = agent.converge(target, DrainPolicy.waitBounded(Duration.ofSeconds(1)));
        assertThat(refused.hostEdits()).isEqualTo(SyncState.FAILED);
        assertThat(refused.refusedWriteErrnos()).containsExactly(Errno.EBUSY);
        assertThat(refused.takeoverEstimates()).as("nothing was taken").isEmpty();
        assertThat(refused.inFlightAtWrite()).isZero();

        // the retry takes them with the 4 requests still in flight (nobody completes them; the drain gives up)
        ConvergeReport r = agent.converge(target, DrainPolicy.waitBounded(Duration.ofSeconds(1)));
        h.assertHolds(target, r);
        assertThat(r.refusedWriteErrnos()).isEmpty();
        assertThat(r.takeoverEstimates()).containsExactly(
                new TakeoverEstimate(IntentLedger.Op.CLEAR_AQMASK, "4-5", 4, new java.util.TreeMap<>(java.util.Map.of(OWNER1, 4))));
        assertThat(r.takeoverEstimates().stream().mapToInt(TakeoverEstimate::inFlight).sum()).isEqualTo(r.inFlightAtWrite());
        assertThat(r.inFlightThisPass()).isEqualTo(r.takeoverEstimates().get(0).perReservation());

        ConvergeReport again = agent.converge(target, DrainPolicy.none());
        assertThat(again.refusedWriteErrnos()).isEmpty();
        assertThat(again.takeoverEstimates()).as("a converged node takes nothing").isEmpty();
    }

    @Test
    void aPlanForAnOlderInventoryIsStaleWhereTheQueuesAreGone() throws Exception {
        AgentHarness h = new AgentHarness("mask-mode-apconfig", tmp);
        HostConverger agent = h.converger();
        long gen = agent.inventoryGeneration();
        HostTarget target = h.plan(gen, VM1_3x45);
        h.kernel.setHostConfiguration(ApMask.of(4, 5, 6), ApMask.fromRange(0, 15), ApMask.fromRange(0, 15));
        h.kernel.scan();

        ConvergeReport r = agent.converge(target, DrainPolicy.none());

        assertThat(r.inventoryGeneration()).isGreaterThan(gen);
        assertThat(r.mdev(VM1).state()).isEqualTo(SyncState.PLAN_STALE);
        assertThat(h.kernel.mdevUuids()).isEmpty();
    }

    @Test
    void editsThatWouldTakeUndeclaredCollateralAreNotMade() throws Exception {
        AgentHarness h = new AgentHarness("mask-mode-apconfig", tmp);
        HostConverger agent = h.converger();
        HostTarget full = h.plan(agent.inventoryGeneration(), VM1_3x45);
        List<OffHostClaim> reservedOnly = full.claims().stream().filter(c -> c.kind() == OffHostClaim.Kind.RESERVED).toList();
        HostTarget target = new HostTarget(full.mode(), full.adaptersOffHost(), full.domainsOffHost(), new TreeSet<>(), full.mdevs(),
                reservedOnly, full.inventoryGeneration());
        int writes = h.sysfs.writes();

        ConvergeReport r = agent.converge(target, DrainPolicy.none());

        assertThat(r.hostEdits()).isEqualTo(SyncState.PLAN_STALE);
        assertThat(r.hostEditsReason()).contains("04.0004").contains("without a claim");
        assertThat(r.mdev(VM1).state()).isEqualTo(SyncState.PLAN_STALE);
        assertThat(h.sysfs.writes()).isEqualTo(writes);
    }
}
