package dev.apqn.e2e;

import static dev.apqn.e2e.E2eCluster.apqns;
import static dev.apqn.e2e.E2eCluster.cond;
import static dev.apqn.testing.Reservations.explicit;
import static dev.apqn.e2e.E2eCluster.uuid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apqn.api.v1alpha1.Phase;
import dev.apqn.e2e.E2eCluster.Kind;
import dev.apqn.e2e.E2eCluster.SimNode;
import dev.apqn.plan.OffHostClaim;
import dev.apqn.status.Conditions;
import dev.apqn.status.Reason;
import dev.apqn.testing.LocalControlPlane;
import dev.apqn.testing.WithKubeApiServer;
import io.fabric8.kubernetes.api.model.Event;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 4, on all three kinds of node (legacy z15, mask mode with ap_config z16, override mode z17):
 * create → Ready with the node's guest_matrix holding exactly the APQNs; live update of a Ready
 * reservation; delete → everything back with the host; a domain outside the host configuration is
 * never Ready.
 */
@WithKubeApiServer(crds = "crds")
class LifecycleIT {

    static E2eCluster cluster;

    @BeforeAll
    static void start(LocalControlPlane cp) {
        cluster = E2eCluster.start(cp, "life");
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void createReadyLiveUpdateDeleteBackToTheHost(Kind kind) {
        SimNode n = cluster.node(kind, "life");
        String ns = cluster.namespace("life");
        var r = cluster.create(explicit(ns, "payroll", n.name, List.of(5), List.of(4, 6)));

        var ready = cluster.awaitPhase(ns, "payroll", Phase.Ready);
        assertThat(cond(ready, Conditions.READY)).isEqualTo("True/Ready");
        assertThat(ready.getStatus().getApqnSummary()).isEqualTo("05.0004,05.0006");
        assertThat(ready.getStatus().getMdevUuid()).isEqualTo(uuid(r));
        assertThat(n.guestApqns(uuid(r))).as("guest_matrix holds exactly the APQNs").isEqualTo(apqns(List.of(5), List.of(4, 6)));
        assertThat(n.offHost()).containsAll(apqns(List.of(5), List.of(4, 6)));
        cluster.awaitInvariant(n);
        assertThat(cluster.claims(n, OffHostClaim.Kind.RESERVED)).isEqualTo(apqns(List.of(5), List.of(4, 6)));

        // live update of a Ready reservation: one more adapter and one domain fewer
        cluster.edit(ns, "payroll", x -> {
            x.getSpec().setAdapters(List.of(4, 5));
            x.getSpec().setDomains(List.of(6));
            return x;
        });
        await().atMost(E2eCluster.WAIT).until(() -> {
            var x = cluster.get(ns, "payroll");
            return x.getStatus() != null && x.getStatus().getPhase() == Phase.Ready
                    && "04.0006,05.0006".equals(x.getStatus().getApqnSummary())
                    && x.getStatus().getObservedGeneration().equals(x.getMetadata().getGeneration());
        });
        await().atMost(E2eCluster.WAIT).untilAsserted(() ->
                assertThat(n.guestApqns(uuid(r))).isEqualTo(apqns(List.of(4, 5), List.of(6))));
        cluster.awaitInvariant(n);
        assertThat(n.kernel.mdevUuids()).as("the same mdev, updated in place").containsExactly(uuid(r));

        cluster.delete(ns, "payroll");
        cluster.awaitGone(ns, "payroll");
        cluster.assertBackToBoot(n);
        cluster.assertInvariant(n);
        assertThat(cluster.events(ns, "payroll")).extracting(Event::getReason).contains(Reason.Ready.name(), Reason.Released.name());
    }

    /**
     * releasePolicy Keep: deleting the reservation removes its mdev and the reservation itself, and its
     * queues stay off the host (KEPT claims of the deleted reservation), not back with zcrypt.
     */
    @Test
    void deletingAReservationWithReleasePolicyKeepFinishesAndKeepsItsQueuesOffTheHost() {
        SimNode n = cluster.node(Kind.MASK, "keep");
        String ns = cluster.namespace("keep");
        var spec = explicit(ns, "old-hsm", n.name, List.of(4), List.of(9));
        spec.getSpec().setReleasePolicy(dev.apqn.api.v1alpha1.ReleasePolicy.Keep);
        var r = cluster.create(spec);
        cluster.awaitPhase(ns, "old-hsm", Phase.Ready);

        cluster.delete(ns, "old-hsm");
        try {
            cluster.awaitGone(ns, "old-hsm");
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("not gone: " + io.fabric8.kubernetes.client.utils.Serialization.asYaml(cluster.get(ns, "old-hsm").getStatus())
                    + "\nnode: " + io.fabric8.kubernetes.client.utils.Serialization.asYaml(cluster.nodeState(n.name).getStatus().getReservations())
                    + "\nspec: " + io.fabric8.kubernetes.client.utils.Serialization.asYaml(cluster.nodeState(n.name).getSpec()), e);
        }
        assertThat(n.kernel.mdevUuids()).doesNotContain(uuid(r));
        assertThat(n.offHost()).as("kept off the host").contains(dev.apqn.ap.Apqn.of(4, 9));
        assertThat(cluster.claims(n, OffHostClaim.Kind.KEPT)).contains(dev.apqn.ap.Apqn.of(4, 9));
        assertThat(cluster.events(ns, "old-hsm")).extracting(Event::getReason).contains(Reason.Released.name());
    }

    @ParameterizedTest
    @EnumSource(value = Kind.class, names = {"MASK", "OVERRIDE"})
    void aControlDomainOutsideTheHostConfigurationIsDegradedWithTheReasonNotReady(Kind kind) {
        SimNode n = cluster.node(kind, "outside");
        String ns = cluster.namespace("outside");
        var r = explicit(ns, "tke", n.name, List.of(4), List.of(3));
        int outside = n.kernel.hostConfiguration().controlDomains().ids().max().orElseThrow() + 1;
        r.getSpec().setControlDomains(List.of(3, outside));
        r = cluster.create(r);
        var d = cluster.awaitPhase(ns, "tke", Phase.Degraded);
        assertThat(cond(d, Conditions.READY)).startsWith("False/");
        assertThat(cond(d, Conditions.DEGRADED)).isEqualTo("True/" + Reason.FilteredByKernel.name());
        assertThat(d.getStatus().getMessage()).contains("control domains " + outside).contains("outside the host configuration");
        assertThat(n.guestApqns(uuid(r))).as("the usage APQN still reaches the guest").containsExactly(dev.apqn.ap.Apqn.of(4, 3));
        cluster.awaitInvariant(n);
    }

    /**
     * z15 without APXA has domains 0-15 (ap_max_domain_id 15): the kernel refuses assign_control_domain 16 with
     * ENODEV, so the planner refuses the reservation with the reason and the fix instead of planning a write that
     * can never land. (Independently, the agent reports any refused write as Failed with the errno sentence:
     * HostConvergerTest.aRefusedAssignmentIsFailedWithTheErrnoSentence.)
     */
    @Test
    void onALegacyNodeAControlDomainAboveTheMaximumIsRefusedWithTheReason() {
        SimNode n = cluster.node(Kind.LEGACY, "abovemax");
        String ns = cluster.namespace("abovemax");
        var r = explicit(ns, "tke", n.name, List.of(4), List.of(3));
        int aboveMax = n.kernel.profile().maxDomainId() + 1;
        r.getSpec().setControlDomains(List.of(3, aboveMax));
        r = cluster.create(r);
        var x = awaitRefused(ns, "tke", "ap_max_domain_id");
        assertThat(x.getStatus().getMessage()).contains("spec.controlDomains " + aboveMax)
                .contains("maximum domain id " + (aboveMax - 1)).contains("ENODEV").contains("choose");
        assertThat(n.kernel.mdevUuids()).doesNotContain(uuid(r));
        cluster.awaitInvariant(n);
    }

    /**
     * A usage domain outside the host configuration: the mask-mode z16 (vfio_ap 6.0+) takes the assignment and
     * filters it out of guest_matrix, so the reservation is Degraded with the reason; the legacy z15 (assignment
     * needs bound queues) and the override-mode z17 (no override for a queue that does not exist: EADDRNOTAVAIL)
     * cannot take it, so the planner refuses it saying why and what to do.
     */
    @ParameterizedTest
    @EnumSource(Kind.class)
    void aUsageDomainOutsideTheHostConfigurationIsNeverReadyAndSaysWhy(Kind kind) {
        SimNode n = cluster.node(kind, "nodom");
        String ns = cluster.namespace("nodom");
        cluster.create(explicit(ns, "far", n.name, List.of(4), List.of(15)));
        cluster.awaitPhase(ns, "far", Phase.Ready);
        int outside = 16; // every shipped profile configures usage domains 0-15 only
        assertThat(n.kernel.hostConfiguration().usageDomains().get(outside)).isFalse();
        var created = cluster.create(explicit(ns, "outside", n.name, List.of(4), List.of(outside)));
        if (kind == Kind.MASK) {
            var d = cluster.awaitPhase(ns, "outside", Phase.Degraded);
            assertThat(cond(d, Conditions.READY)).startsWith("False/");
            assertThat(cond(d, Conditions.DEGRADED)).isEqualTo("True/" + Reason.FilteredByKernel.name());
            assertThat(d.getStatus().getMessage()).contains("04.0010").contains("outside the host configuration");
            assertThat(n.kernel.mdevUuids()).as("the kernel took the assignment").contains(uuid(created));
            assertThat(n.kernel.mdevMatrix(uuid(created)).orElseThrow().apqns()).containsExactly(dev.apqn.ap.Apqn.of(4, outside));
            assertThat(n.guestApqns(uuid(created))).as("and filtered it out of guest_matrix").isEmpty();
            assertThat(n.guestApqns(uuid(cluster.get(ns, "far")))).containsExactly(dev.apqn.ap.Apqn.of(4, 15));
            var target = dev.apqn.api.v1alpha1.HostTargetMapper.fromSpec(cluster.nodeState(n.name).getSpec()).orElseThrow();
            assertThat(target.domainsOffHost().get(outside)).as("the cover clears aqmask bit %d", outside).isTrue();
            assertThat(target.claims()).as("no collateral for APQNs that do not exist")
                    .filteredOn(c -> c.owner().endsWith("/outside") && c.kind() == OffHostClaim.Kind.COLLATERAL).isEmpty();
            cluster.awaitInvariant(n);
            return;
        }
        if (kind == Kind.LEGACY) {
            // z15 without APXA: domain 16 is above ap_max_domain_id 15 as well, which the planner names first
            var x = awaitRefused(ns, "outside", "ap_max_domain_id");
            assertThat(x.getStatus().getMessage()).contains("04.0010").contains("usage domains 16 are above the node's maximum domain id 15")
                    .contains("ENODEV");
            assertThat(n.kernel.mdevUuids()).doesNotContain(uuid(x));
            // within the maximum: adapter 1 is installed but configured to another LPAR
            var y = cluster.create(explicit(ns, "otherlpar", n.name, List.of(1), List.of(4)));
            y = awaitRefused(ns, "otherlpar", "host configuration");
            assertThat(y.getStatus().getMessage()).contains("01.0004").contains("EADDRNOTAVAIL")
                    .contains("before 6.0 every assigned APQN must be a queue bound to vfio_ap")
                    .contains("mask-mode node with a 6.0+ kernel");
            assertThat(n.kernel.mdevUuids()).doesNotContain(uuid(y));
            cluster.awaitInvariant(n);
            return;
        }
        var x = awaitRefused(ns, "outside", "host configuration");
        assertThat(x.getStatus().getMessage()).contains("04.0010").contains("EADDRNOTAVAIL").contains("driver_override")
                .contains("mask-mode node with a 6.0+ kernel");
        assertThat(n.kernel.mdevUuids()).doesNotContain(uuid(x));
        cluster.awaitInvariant(n);
    }

    /** Waits for the planner's refusal (its message contains {@code says}): Pending, Stalled/ApqnNotFound, never Ready. */
    private static dev.apqn.api.v1alpha1.APQNReservation awaitRefused(String ns, String name, String says) {
        await().atMost(E2eCluster.WAIT).until(() -> {
            var x = cluster.get(ns, name);
            return x.getStatus() != null && x.getStatus().getMessage() != null && x.getStatus().getMessage().contains(says);
        });
        var x = cluster.get(ns, name);
        assertThat(x.getStatus().getPhase()).isEqualTo(Phase.Pending);
        assertThat(cond(x, Conditions.READY)).isEqualTo("False/" + Reason.ApqnNotFound.name());
        assertThat(cond(x, Conditions.STALLED)).isEqualTo("True/" + Reason.ApqnNotFound.name());
        return x;
    }
}
