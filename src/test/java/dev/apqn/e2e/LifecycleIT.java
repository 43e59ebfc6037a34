package dev.apqn.e2e;

import static dev.apqn.e2e.E2eCluster.apqns;
import static dev.apqn.e2e.E2eCluster.cond;
import static dev.apqn.e2e.E2eCluster.explicit;
import static dev.apqn.e2e.E2eCluster.uuid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apqn.api.v1alpha1.Phase;
import dev.apqn.e2e.E2eCluster.Kind;
import dev.apqn.e2e.E2eCluster.SimNode;
import dev.apqn.plan.OffHostClaim;
import dev.apqn.status.Conditions;
import dev.apqn.status.Reasons;
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
        assertThat(cluster.events(ns, "payroll")).extracting(Event::getReason).contains(Reasons.READY, Reasons.RELEASED);
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
        assertThat(cond(d, Conditions.DEGRADED)).isEqualTo("True/" + Reasons.FILTERED_BY_KERNEL);
        assertThat(d.getStatus().getMessage()).contains("control domains " + outside).contains("outside the host configuration");
        assertThat(n.guestApqns(uuid(r))).as("the usage APQN still reaches the guest").containsExactly(dev.apqn.apbus.Apqn.of(4, 3));
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

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aUsageDomainOutsideTheHostConfigurationIsNeverReadyAndSaysWhy(Kind kind) {
        SimNode n = cluster.node(kind, "nodom");
        String ns = cluster.namespace("nodom");
        cluster.create(explicit(ns, "far", n.name, List.of(4), List.of(15)));
        cluster.awaitPhase(ns, "far", Phase.Ready);
        int outside = 16; // every shipped profile configures usage domains 0-15 only
        cluster.create(explicit(ns, "outside", n.name, List.of(4), List.of(outside)));
        await().atMost(E2eCluster.WAIT).until(() -> {
            var x = cluster.get(ns, "outside");
            // legacy z15 (no APXA): domain 16 is above ap_max_domain_id 15, which the planner names first
            return x.getStatus() != null && x.getStatus().getMessage() != null
                    && x.getStatus().getMessage().contains(kind == Kind.LEGACY ? "ap_max_domain_id" : "host configuration");
        });
        var x = cluster.get(ns, "outside");
        assertThat(x.getStatus().getPhase()).isNotEqualTo(Phase.Ready);
        assertThat(cond(x, Conditions.READY)).startsWith("False/");
        assertThat(x.getStatus().getMessage()).contains("04.0010");
        System.out.printf("%s: usage domain outside the host configuration -> phase %s, %s: %s%n", kind,
                x.getStatus().getPhase(), cond(x, Conditions.STALLED), x.getStatus().getMessage());
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
        assertThat(cond(x, Conditions.READY)).isEqualTo("False/" + Reasons.APQN_NOT_FOUND);
        assertThat(cond(x, Conditions.STALLED)).isEqualTo("True/" + Reasons.APQN_NOT_FOUND);
        return x;
    }
}
