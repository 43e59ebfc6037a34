package dev.apqn.e2e.cluster;

import static dev.apqn.e2e.cluster.ChartRelease.awaitPhase;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apqn.api.v1alpha1.APQNReservation;
import dev.apqn.api.v1alpha1.Phase;
import dev.apqn.testing.Helm;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens to Ready reservations when the cluster around them changes: the leading controller
 * pod is killed, the release is upgraded (both workloads roll), a node's simkernel restarts (the
 * node reboots), the API server stops answering for 60 s. Reservations never leave Ready but for
 * the reboot (Restoring, then Ready again), and the simkernels' write journals show no host write
 * that no plan asked for. The pods' metrics are scraped, and their RSS and CPU printed at idle and
 * after the scenarios.
 */
@WithNodeCluster
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DisruptionE2E {

    private static final Logger LOG = LoggerFactory.getLogger(DisruptionE2E.class);
    static final String LEADER_LEASE = "apqn-controller-leader";

    static Map<String, SimkernelOnNode> kernels = new LinkedHashMap<>();
    static Map<String, Resource<APQNReservation>> reservations = new LinkedHashMap<>();
    static StatusHistory history;
    static PodFootprint idle;

    @BeforeAll
    static void install(NodeCluster cluster, KubernetesClient client) {
        ChartRelease.install(cluster);
        ChartRelease.awaitReady(cluster, client);
        cluster.nodeNames().forEach(n -> kernels.put(n, new SimkernelOnNode(cluster, n)));
        history = new StatusHistory(client, ChartRelease.TENANT);
    }

    @AfterAll
    static void uninstall(NodeCluster cluster, KubernetesClient client) {
        if (history != null) {
            history.close();
        }
        ChartRelease.uninstall(cluster, client);
    }

    @Test
    @Order(1)
    void podsServeMetricsAndTheirIdleFootprintIsPrinted(NodeCluster cluster, KubernetesClient client) throws Exception {
        // settle: the JVMs' start-up work (class loading, JIT) is not idle
        Thread.sleep(20_000);
        idle = PodFootprint.measure(cluster, client, Duration.ofSeconds(30));
        LOG.info("pod footprint at idle (no reservations):\n{}", idle);
        var controllerMetrics = ChartRelease.pods(client, "controller").stream().map(p -> PodFootprint.scrape(cluster, p)).toList();
        assertThat(controllerMetrics).hasSize(2).allMatch(m -> m.startsWith("HTTP/1.0 200") && m.contains("jvm_memory_used_bytes"));
        assertThat(controllerMetrics).as("the leader's reservation gauge").anyMatch(m -> m.contains("apqn_reservations{phase=\"Ready\"}"));
        for (Pod pod : ChartRelease.pods(client, "agent")) {
            assertThat(PodFootprint.scrape(cluster, pod)).contains("apqn_node_apqns").contains("jvm_memory_used_bytes");
        }
        // one Ready reservation per node for the scenarios that follow (mask-mode-apconfig: adapters 3-6, domains 0-15)
        for (String node : cluster.nodeNames()) {
            boolean worker = node.equals(cluster.nodeNames().get(cluster.nodeNames().size() - 1));
            var r = ChartRelease.reserve(client, "steady-" + reservations.size(), node,
                    worker ? List.of(5) : List.of(6), worker ? List.of(4, 6) : List.of(5));
            reservations.put(node, r);
        }
        reservations.values().forEach(r -> awaitPhase(client, r, Phase.Ready));
    }

    @Test
    @Order(2)
    void theLeadingControllerKilledAControllerLeadsAgainAndNoReservationLeavesReady(NodeCluster cluster, KubernetesClient client) {
        history.clear();
        Map<String, String> readySince = readySince();
        Map<String, List<String>> journals = journals();
        var lease = client.resources(Lease.class).inNamespace(ChartRelease.NS).withName(LEADER_LEASE);
        String leader = lease.get().getSpec().getHolderIdentity();
        assertThat(ChartRelease.pods(client, "controller")).extracting(p -> p.getMetadata().getName()).contains(leader);

        // SIGKILL, as a crash or the OOM killer: no shutdown hook releases the Lease (a pod deletion would:
        // the kubelet sends SIGTERM first, even with grace period 0, and the controller releases the Lease)
        Pod leaderPod = client.pods().inNamespace(ChartRelease.NS).withName(leader).get();
        long pid = PodFootprint.jvmPid(cluster, leaderPod);
        long killed = System.nanoTime();
        assertThat(cluster.exec(leaderPod.getSpec().getNodeName(), "kill", "-9", Long.toString(pid)).exitCode()).isZero();
        Instant killedAt = Instant.now();
        // a live leader again: the Lease renewed after the kill, by the standby (once the Lease expired)
        // or by the killed pod's restarted container (same identity, the pod name: it may renew at once)
        await("a live controller renews the leader Lease").atMost(ChartRelease.WAIT).pollInterval(Duration.ofMillis(200))
                .until(() -> renewedAfter(client, LEADER_LEASE, killedAt.plusSeconds(1)));
        double failover = (System.nanoTime() - killed) / 1e9;
        String successor = lease.get().getSpec().getHolderIdentity();
        LOG.info("controller failover: the leader {} was killed (SIGKILL); {} renewed the leader Lease {} s later (lease duration 15 s)",
                leader, successor.equals(leader) ? successor + " (its restarted container)" : successor,
                String.format("%.1f", failover));

        String node = aNewReservationGoesReadyAndIsReleased(client, "after-failover");

        assertStillReadySince(readySince);
        reservations.values().forEach(r -> assertThat(history.phasesOf(r.get().getMetadata().getName())).isSubsetOf("Ready"));
        // host writes since: only those of the reservation made after the failover, on its node
        journals.forEach((n, before) -> {
            if (!n.equals(node)) {
                assertThat(kernels.get(n).writes()).as("host writes on %s", n).isEqualTo(before);
            }
        });
    }

    @Test
    @Order(3)
    void helmUpgradeRollsBothWorkloadsWithoutAHostWriteOrALeftReady(NodeCluster cluster, KubernetesClient client) {
        history.clear();
        Map<String, String> readySince = readySince();
        Map<String, List<String>> journals = journals();
        var before = ChartRelease.pods(client, "agent").stream().map(p -> p.getMetadata().getUid()).toList();

        long started = System.nanoTime();
        Helm.run(cluster.kubeconfig(), List.of("upgrade", Helm.RELEASE, Helm.chart().toString(), "--namespace", ChartRelease.NS,
                "--reuse-values", "--set", "controller.podAnnotations.e2e/rolled=yes", "--set", "agent.podAnnotations.e2e/rolled=yes",
                "--wait", "--timeout", "5m")).orThrow();
        ChartRelease.awaitReady(cluster, client);
        LOG.info("helm upgrade rolling controller and agents done in {} s", String.format("%.1f", (System.nanoTime() - started) / 1e9));
        assertThat(ChartRelease.pods(client, "agent")).extracting(p -> p.getMetadata().getUid()).doesNotContainAnyElementsOf(before);

        assertStillReadySince(readySince);
        reservations.values().forEach(r -> assertThat(history.phasesOf(r.get().getMetadata().getName())).isSubsetOf("Ready"));
        assertThat(journals()).as("host writes during the upgrade (none planned)").isEqualTo(journals);
    }

    @Test
    @Order(4)
    void aSimkernelRestartIsANodeRebootAndTheAgentRestoresTheReservation(NodeCluster cluster, KubernetesClient client) {
        history.clear();
        String node = cluster.nodeNames().get(cluster.nodeNames().size() - 1);
        var reservation = reservations.get(node);
        String name = reservation.get().getMetadata().getName();
        SimkernelOnNode kernel = kernels.get(node);
        Pod simkernel = ChartRelease.podOn(client, "simkernel", node);

        client.pods().inNamespace(ChartRelease.NS).withName(simkernel.getMetadata().getName()).delete();
        ChartRelease.awaitReplacement(client, "simkernel", node, simkernel);
        long rebooted = System.nanoTime();
        await("the agent on " + node + " restores " + name + " after the reboot").atMost(ChartRelease.WAIT)
                .untilAsserted(() -> assertThat(history.syncStatesOf(node, name)).containsSubsequence("Restoring", "Ready"));
        awaitPhase(client, reservation, Phase.Ready);
        LOG.info("simkernel on {} restarted (a reboot): {} states {} (reservation phases {}), Ready again {} s after the new kernel",
                node, name, history.syncStatesOf(node, name), history.phasesOf(name),
                String.format("%.1f", (System.nanoTime() - rebooted) / 1e9));
        String uuid = reservation.get().getStatus().getMdevUuid();
        assertThat(kernel.mdevs()).containsExactly(uuid);
        assertThat(kernel.matrixOf(uuid)).hasSize(2);
    }

    @Test
    @Order(5)
    void theApiServerUnreachableFor60sChangesNothingOnTheHostsAndEverythingResumes(NodeCluster cluster, KubernetesClient client)
            throws Exception {
        Map<String, String> readySince = readySince();
        Map<String, List<String>> journals = journals();
        String controlPlane = cluster.nodeNames().get(0);

        assertThat(cluster.exec(controlPlane, "pkill", "-STOP", "-x", "kube-apiserver").exitCode()).isZero();
        Instant stopped = Instant.now();
        try {
            for (int i = 0; i < 12; i++) {
                Thread.sleep(5_000);
                assertThat(journals()).as("host writes %d s into the API outage", (i + 1) * 5).isEqualTo(journals);
            }
        } finally {
            assertThat(cluster.exec(controlPlane, "pkill", "-CONT", "-x", "kube-apiserver").exitCode()).isZero();
        }
        Instant resumed = Instant.now();
        LOG.info("kube-apiserver stopped (SIGSTOP) for {} s", Duration.between(stopped, resumed).toSeconds());

        // resumed: every agent renews its Lease again, a controller leads, informers relisted
        await("agents and the controller renew their Leases after the outage").atMost(ChartRelease.WAIT)
                .pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                    for (String node : cluster.nodeNames()) {
                        assertThat(renewedAfter(client, "apqn-agent-" + node, resumed)).as("agent Lease of %s", node).isTrue();
                    }
                    assertThat(renewedAfter(client, LEADER_LEASE, resumed)).as("leader Lease").isTrue();
                });
        ChartRelease.awaitReady(cluster, client);
        assertThat(journals()).as("host writes after the outage (informers relisted, agents resynced)").isEqualTo(journals);
        assertStillReadySince(readySince);

        aNewReservationGoesReadyAndIsReleased(client, "after-outage");
        assertStillReadySince(readySince);
    }

    @Test
    @Order(6)
    void theFootprintAfterTheScenariosIsPrinted(NodeCluster cluster, KubernetesClient client) {
        PodFootprint after = PodFootprint.measure(cluster, client, Duration.ofSeconds(30));
        LOG.info("pod footprint after the scenarios (2 Ready reservations):\n{}\nat idle it was:\n{}", after, idle);
        assertThat(after.rows()).extracting(PodFootprint.Row::component).contains("controller", "agent", "simkernel");
    }

    // ------------------------------------------------------------------------------------------

    /** The operator works: reservation {@code name} (03.0009 on the first node) goes Ready and is released; returns its node. */
    private static String aNewReservationGoesReadyAndIsReleased(KubernetesClient client, String name) {
        String node = reservations.keySet().iterator().next();
        var fresh = ChartRelease.reserve(client, name, node, List.of(3), List.of(9));
        awaitPhase(client, fresh, Phase.Ready);
        fresh.delete();
        await(name + " gone").atMost(ChartRelease.WAIT).until(() -> fresh.get() == null);
        return node;
    }

    /** Each reservation's Ready condition's lastTransitionTime (it changes when Ready flips). */
    private static Map<String, String> readySince() {
        Map<String, String> out = new LinkedHashMap<>();
        reservations.forEach((node, r) -> out.put(r.get().getMetadata().getName(), readyCondition(r.get()).getLastTransitionTime()));
        return out;
    }

    private static void assertStillReadySince(Map<String, String> readySince) {
        reservations.values().forEach(r -> {
            APQNReservation x = r.get();
            assertThat(x.getStatus().getPhase()).as("phase of %s", x.getMetadata().getName()).isEqualTo(Phase.Ready);
            Condition ready = readyCondition(x);
            assertThat(ready.getStatus()).isEqualTo("True");
            assertThat(ready.getLastTransitionTime()).as("Ready of %s never flipped", x.getMetadata().getName())
                    .isEqualTo(readySince.get(x.getMetadata().getName()));
        });
    }

    private static Condition readyCondition(APQNReservation r) {
        return r.getStatus().getConditions().stream().filter(c -> c.getType().equals("Ready")).findFirst().orElseThrow();
    }

    private static Map<String, List<String>> journals() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        kernels.forEach((node, k) -> out.put(node, k.writes()));
        return out;
    }

    private static boolean renewedAfter(KubernetesClient client, String lease, Instant t) {
        Lease l = client.resources(Lease.class).inNamespace(ChartRelease.NS).withName(lease).get();
        return l != null && l.getSpec().getRenewTime() != null
                && l.getSpec().getRenewTime().toInstant().isAfter(t);
    }
}
