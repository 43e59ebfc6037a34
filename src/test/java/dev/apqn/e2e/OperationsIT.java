package dev.apqn.e2e;

import static dev.apqn.e2e.E2eCluster.apqns;
import static dev.apqn.e2e.E2eCluster.cond;
import static dev.apqn.testing.Reservations.explicit;
import static dev.apqn.e2e.E2eCluster.uuid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apqn.api.v1alpha1.APNodeState;
import dev.apqn.api.v1alpha1.Phase;
import dev.apqn.controller.ReservationReconciler;
import dev.apqn.e2e.E2eCluster.Kind;
import dev.apqn.e2e.E2eCluster.SimNode;
import dev.apqn.status.Conditions;
import dev.apqn.status.Reason;
import dev.apqn.testing.LocalControlPlane;
import dev.apqn.testing.WithKubeApiServer;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 4, the node's life around a reservation: a guest using the mdev blocks release until it
 * detaches; node reboot → Restoring → Ready; Node deleted → finalizer released with an event; a node
 * with no agent (or whose agent stopped) reports so within a bounded time; events on transitions only.
 */
@WithKubeApiServer(crds = "crds")
class OperationsIT {

    static final Duration CALM = Duration.ofSeconds(2);
    static E2eCluster cluster;

    @BeforeAll
    static void start(LocalControlPlane cp) {
        cluster = E2eCluster.start(cp, "ops");
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** Every version of one node's APNodeState conditions seen through a watch. */
    static final class NodeConditions implements AutoCloseable {
        final List<APNodeState> seen = new CopyOnWriteArrayList<>();
        private final SharedIndexInformer<APNodeState> informer;

        NodeConditions(String node) {
            informer = cluster.admin.resources(APNodeState.class).withField("metadata.name", node).inform(new ResourceEventHandler<>() {
                @Override
                public void onAdd(APNodeState obj) {
                    seen.add(obj);
                }

                @Override
                public void onUpdate(APNodeState oldObj, APNodeState newObj) {
                    seen.add(newObj);
                }

                @Override
                public void onDelete(APNodeState obj, boolean deletedFinalStateUnknown) {
                }
            }, 0);
        }

        boolean saw(String type, String status) {
            return seen.stream().anyMatch(s -> s.getStatus() != null && Conditions.find(s.getStatus().getConditions(), type)
                    .map(c -> status.equals(c.getStatus())).orElse(false));
        }

        @Override
        public void close() {
            informer.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aGuestUsingTheMdevBlocksReleaseUntilItDetaches(Kind kind) {
        SimNode n = cluster.node(kind, "guest");
        String ns = cluster.namespace("guest");
        var r = cluster.create(explicit(ns, "vm", n.name, List.of(4), List.of(2, 3)));
        cluster.awaitPhase(ns, "vm", Phase.Ready);
        n.kernel.attachGuest(uuid(r), "vm-1");
        cluster.delete(ns, "vm");
        cluster.awaitPhase(ns, "vm", Phase.Releasing);
        await().atMost(E2eCluster.WAIT).until(() -> cond(cluster.get(ns, "vm"), Conditions.IN_USE).equals("True/" + Reason.GuestRunning.name()));
        var blocked = cluster.get(ns, "vm");
        assertThat(blocked.getMetadata().getFinalizers()).contains(ReservationReconciler.FINALIZER);
        assertThat(blocked.getStatus().getMessage()).contains("running guest");
        await().during(CALM).atMost(CALM.plusSeconds(5)).until(() -> cluster.get(ns, "vm") != null
                && n.kernel.mdevUuids().contains(uuid(r)));
        assertThat(n.kernel.guestView("vm-1").orElseThrow().apqns()).as("the guest keeps its queues")
                .containsAll(apqns(List.of(4), List.of(2, 3)));

        n.kernel.detachGuest("vm-1");
        cluster.awaitGone(ns, "vm");
        cluster.awaitBackToBoot(n);
        cluster.assertInvariant(n);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aNodeRebootIsRestoringThenReady(Kind kind) {
        SimNode n = cluster.node(kind, "reboot");
        String ns = cluster.namespace("reboot");
        var r = cluster.create(explicit(ns, "survivor", n.name, List.of(3, 4), List.of(5)));
        cluster.awaitPhase(ns, "survivor", Phase.Ready);
        try (var watch = new NodeConditions(n.name)) {
            n.kernel.reboot();
            assertThat(n.kernel.mdevUuids()).as("the reboot wiped the mdev").isEmpty();
            await().atMost(E2eCluster.WAIT).until(() -> watch.saw(Conditions.RESTORING, "True"));
            await().atMost(E2eCluster.WAIT).until(() -> {
                var s = cluster.nodeState(n.name);
                return Conditions.find(s.getStatus().getConditions(), Conditions.RESTORING).map(c -> "False".equals(c.getStatus())).orElse(false)
                        && n.kernel.mdevUuids().contains(uuid(r));
            });
        }
        cluster.awaitPhase(ns, "survivor", Phase.Ready);
        await().atMost(E2eCluster.WAIT).untilAsserted(() ->
                assertThat(n.guestApqns(uuid(r))).isEqualTo(apqns(List.of(3, 4), List.of(5))));
        cluster.awaitInvariant(n);
    }

    @Test
    void aDeletedNodeReleasesTheFinalizerWithAnEvent() {
        SimNode n = cluster.node(Kind.MASK, "gone");
        String ns = cluster.namespace("gone");
        var r = cluster.create(explicit(ns, "orphan", n.name, List.of(5), List.of(2)));
        cluster.awaitPhase(ns, "orphan", Phase.Ready);
        n.kernel.attachGuest(uuid(r), "vm-stuck"); // the release can never finish on the node
        cluster.delete(ns, "orphan");
        cluster.awaitPhase(ns, "orphan", Phase.Releasing);
        cluster.stopAgent(n); // the machine is gone
        cluster.admin.nodes().withName(n.name).delete();
        cluster.awaitGone(ns, "orphan");
        assertThat(cluster.events(ns, "orphan")).anySatisfy(e -> {
            assertThat(e.getReason()).isEqualTo(Reason.NodeDeleted.name());
            assertThat(e.getType()).isEqualTo("Warning");
            assertThat(e.getMessage()).contains(n.name);
        });
        await().atMost(E2eCluster.WAIT).until(() -> cluster.nodeState(n.name) == null);
    }

    @Test
    void aNodeWithoutAgentIsReportedWithinABoundedTime() {
        SimNode n = cluster.node(Kind.OVERRIDE.profile, Kind.OVERRIDE.demoName + "-noagent", java.util.Map.of(), false);
        String ns = cluster.namespace("noagent");
        cluster.create(explicit(ns, "waiting", n.name, List.of(5), List.of(1)));
        await().atMost(Duration.ofSeconds(20)).until(() -> cond(cluster.get(ns, "waiting"), Conditions.STALLED)
                .equals("True/" + Reason.AgentUnavailable.name()));
        assertThat(cluster.get(ns, "waiting").getStatus().getMessage()).contains(APNodeState.leaseName(n.name));
        assertThat(cluster.get(ns, "waiting").getStatus().getPhase()).isNotEqualTo(Phase.Ready);

        cluster.restartAgent(n);
        cluster.awaitPhase(ns, "waiting", Phase.Ready);
        cluster.awaitInvariant(n);

        // an agent that stops renewing its Lease (3 s) is reported after 3 Lease durations (+ recheck)
        cluster.stopAgent(n);
        await().atMost(Duration.ofSeconds(30)).until(() -> cond(cluster.get(ns, "waiting"), Conditions.STALLED)
                .equals("True/" + Reason.AgentUnavailable.name()));
        assertThat(cluster.get(ns, "waiting").getStatus().getMessage()).contains("stopped");
        cluster.restartAgent(n);
        await().atMost(E2eCluster.WAIT).until(() -> cond(cluster.get(ns, "waiting"), Conditions.STALLED).startsWith("False/")
                && cluster.get(ns, "waiting").getStatus().getPhase() == Phase.Ready);
    }

    @Test
    void eventsAreEmittedOnTransitionsOnly() {
        SimNode n = cluster.node(Kind.MASK, "events");
        String ns = cluster.namespace("events");
        cluster.create(explicit(ns, "quiet", n.name, List.of(6), List.of(11)));
        cluster.awaitPhase(ns, "quiet", Phase.Ready);
        await().atMost(E2eCluster.WAIT).until(() -> cluster.events(ns, "quiet").stream().anyMatch(e -> Reason.Ready.name().equals(e.getReason())));
        int before = cluster.events(ns, "quiet").size();
        for (int i = 0; i < 5; i++) {
            int k = i;
            cluster.edit(ns, "quiet", x -> {
                x.getMetadata().getAnnotations().put("e2e/poke", "" + k);
                return x;
            });
        }
        await().during(CALM).atMost(CALM.plusSeconds(5)).until(() -> cluster.events(ns, "quiet").size() == before);
        assertThat(cluster.events(ns, "quiet")).filteredOn(e -> Reason.Ready.name().equals(e.getReason())).hasSize(1)
                .allSatisfy(e -> assertThat(e.getType()).isEqualTo("Normal"));
        assertThat(cluster.events(ns, "quiet")).extracting(Event::getType).doesNotContain("Warning");
    }
}
