package dev.apqn.e2e.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.apqn.api.v1alpha1.APNodeState;
import dev.apqn.api.v1alpha1.APQNReservation;
import dev.apqn.api.v1alpha1.MdevStatus;
import dev.apqn.api.v1alpha1.Phase;
import dev.apqn.testing.Helm;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The chart as a user installs it, on real kubelets, from the operator image tar ({@code
 * image.pullPolicy=Never}) with the simulated backend (the simkernel DaemonSet serves each node's AP
 * sysfs; the agent writes it with its production sysfs backend): controller, agent and simkernel
 * pods Ready, one APNodeState per node, a reservation goes Ready and its deletion gives the queues
 * back (checked in the simkernel's files on the node), and an agent's own token cannot write
 * another node's state.
 */
@WithNodeCluster
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChartOnClusterE2E {

    private static final Logger LOG = LoggerFactory.getLogger(ChartOnClusterE2E.class);

    static final String NS = ChartRelease.NS;
    static final String TENANT = ChartRelease.TENANT;
    static final Duration WAIT = ChartRelease.WAIT;
    static final String TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token";

    @BeforeAll
    static void install(NodeCluster cluster) {
        ChartRelease.install(cluster);
    }

    @AfterAll
    static void uninstall(NodeCluster cluster, KubernetesClient client) {
        ChartRelease.uninstall(cluster, client);
    }

    @Test
    @Order(1)
    void controllerAgentAndSimkernelPodsBecomeReadyOnePerNodeForTheAgent(NodeCluster cluster, KubernetesClient client) {
        ChartRelease.awaitReady(cluster, client);
        assertThat(ChartRelease.pods(client, "agent")).extracting(p -> p.getSpec().getNodeName())
                .containsExactlyInAnyOrderElementsOf(cluster.nodeNames());
        assertThat(ChartRelease.pods(client, "simkernel")).extracting(p -> p.getSpec().getNodeName())
                .containsExactlyInAnyOrderElementsOf(cluster.nodeNames());
        for (String node : cluster.nodeNames()) {
            assertThat(new SimkernelOnNode(cluster, node).mounted()).as("the simkernel's sysfs on %s", node).isTrue();
        }
    }

    @Test
    @Order(2)
    void eachNodeGetsItsAPNodeStateReportedByItsAgent(NodeCluster cluster, KubernetesClient client) {
        await("an APNodeState with agent status per node").atMost(WAIT).untilAsserted(() ->
                assertThat(client.resources(APNodeState.class).list().getItems())
                        .filteredOn(s -> s.getStatus() != null && s.getStatus().getAgent() != null)
                        .extracting(s -> s.getMetadata().getName())
                        .containsExactlyInAnyOrderElementsOf(cluster.nodeNames()));
    }

    @Test
    @Order(3)
    void aReservationGoesReadyAndItsDeletionReleasesTheQueues(NodeCluster cluster, KubernetesClient client) {
        String node = cluster.nodeNames().get(cluster.nodeNames().size() - 1);
        var kernel = new SimkernelOnNode(cluster, node);
        String bootApmask = kernel.read("/sys/bus/ap/apmask");
        String bootAqmask = kernel.read("/sys/bus/ap/aqmask");
        long created = System.nanoTime();
        var reservation = ChartRelease.reserve(client, "hsm", node, List.of(5), List.of(4, 6));
        ChartRelease.awaitPhase(client, reservation, Phase.Ready);
        LOG.info("reservation Ready {} after create", E2eTimings.seconds(System.nanoTime() - created));
        var ready = reservation.get().getStatus();
        assertThat(ready.getApqnSummary()).isEqualTo("05.0004,05.0006");
        String uuid = ready.getMdevUuid();
        // what the node's agent reads back from its (simulated) kernel
        await("the mdev on " + node).atMost(WAIT).untilAsserted(() -> {
            var state = client.resources(APNodeState.class).withName(node).get().getStatus();
            assertThat(state.getMdevs()).extracting(MdevStatus::getUuid).contains(uuid);
            assertThat(state.getReservedApqns()).isEqualTo(2);
        });
        // what the node's (simulated) kernel says, read on the node itself
        assertThat(kernel.mdevs()).containsExactly(uuid);
        assertThat(kernel.matrixOf(uuid)).containsExactly("05.0004", "05.0006");
        assertThat(kernel.read(SimkernelOnNode.MATRIX + "/" + uuid + "/guest_matrix")).isEqualTo(kernel.read(SimkernelOnNode.MATRIX + "/" + uuid + "/matrix"));
        assertThat(kernel.driverOf("05.0004")).contains("vfio_ap");
        LOG.info("on {}: apmask {} -> {}, aqmask {} -> {}", node, bootApmask.strip(), kernel.read("/sys/bus/ap/apmask").strip(),
                bootAqmask.strip(), kernel.read("/sys/bus/ap/aqmask").strip());

        long deleted = System.nanoTime();
        reservation.delete();
        await("reservation gone").atMost(WAIT).until(() -> reservation.get() == null);
        LOG.info("reservation released and gone {} after delete", E2eTimings.seconds(System.nanoTime() - deleted));
        await("queues back with the host on " + node).atMost(WAIT).untilAsserted(() -> {
            var state = client.resources(APNodeState.class).withName(node).get().getStatus();
            // no mdevs may be reported as an empty list or left out
            assertThat(Objects.requireNonNullElse(state.getMdevs(), List.<MdevStatus>of()))
                    .extracting(MdevStatus::getUuid).doesNotContain(uuid);
            assertThat(state.getReservedApqns()).isZero();
        });
        assertThat(kernel.mdevs()).isEmpty();
        assertThat(kernel.read("/sys/bus/ap/apmask")).isEqualTo(bootApmask);
        assertThat(kernel.read("/sys/bus/ap/aqmask")).isEqualTo(bootAqmask);
        assertThat(kernel.driverOf("05.0004")).isPresent().get().isNotEqualTo("vfio_ap");
        LOG.info("APNodeState {} shows the queues back {} after delete", node, E2eTimings.seconds(System.nanoTime() - deleted));
    }

    @Test
    @Order(4)
    void anAgentsOwnTokenCannotWriteAnotherNodesState(NodeCluster cluster, KubernetesClient client) throws Exception {
        if (cluster.nodeNames().size() < 2) {
            NodeClusterExtension.skip("needs two nodes; " + cluster.describe() + " has " + cluster.nodeNames().size());
        }
        Pod agent = ChartRelease.pods(client, "agent").get(0);
        String own = agent.getSpec().getNodeName();
        String other = cluster.nodeNames().stream().filter(n -> !n.equals(own)).findFirst().orElseThrow();
        // the very token the kubelet projected into the running agent pod
        String token = ChartRelease.exec(client, agent, "cat", TOKEN).trim();
        assertThat(token).as("projected token of %s", agent.getMetadata().getName()).isNotBlank();

        try (KubernetesClient asAgent = clientWithToken(cluster, token)) {
            var foreign = asAgent.resources(APNodeState.class).withName(other);
            var denied = catchThrowableOfType(KubernetesClientException.class,
                    () -> foreign.editStatus(s -> {
                        s.getStatus().setReservedApqns(99);
                        return s;
                    }));
            assertThat(denied).as("writing APNodeState %s with the token of the agent on %s", other, own).isNotNull();
            assertThat(denied.getCode()).isEqualTo(403);
            assertThat(denied.getMessage()).contains("may write only APNodeState " + own + ", not " + other);

            // the same token may write its own node's state (a dry run: nothing changes), so the
            // denial above is about the node, not a token that cannot write at all
            var mine = asAgent.resources(APNodeState.class).withName(own);
            var current = mine.get();
            mine.dryRun().patchStatus(current);
        }
        assertThat(client.resources(APNodeState.class).withName(other).get().getStatus().getReservedApqns())
                .isNotEqualTo(99);
    }

    /**
     * The chart's pre-delete hook on a real kubelet: `helm uninstall` while a reservation holds queues
     * fails, the release and the reservation stay, and the hook Job's log names the reservation and the
     * command that releases it; once the reservation is gone, the uninstall goes through (CRDs stay).
     * Last: it removes the release.
     */
    @Test
    @Order(5)
    void helmUninstallIsRefusedWhileAReservationHoldsQueuesAndSaysHow(NodeCluster cluster, KubernetesClient client) {
        String node = cluster.nodeNames().get(0);
        var reservation = ChartRelease.reserve(client, "guarded", node, List.of(6), List.of(5));
        ChartRelease.awaitPhase(client, reservation, Phase.Ready);

        var refused = Helm.run(cluster.kubeconfig(), List.of("uninstall", Helm.RELEASE, "--namespace", NS, "--timeout", "3m"));
        assertThat(refused.exitCode()).as("helm uninstall with a reservation:\n" + refused.stdout() + refused.stderr()).isNotZero();
        // Helm 4 names the failed hook Job: "resource Job/apqn-system/apqn-operator-uninstall-guard not ready. status: Failed"
        assertThat(refused.stderr()).contains("Job/" + NS + "/" + Helm.RELEASE + "-uninstall-guard").contains("Failed");
        String guardLog = client.pods().inNamespace(NS).withLabel("app.kubernetes.io/component", "uninstall-guard").list()
                .getItems().stream().map(p -> client.pods().inNamespace(NS).withName(p.getMetadata().getName()).getLog())
                .collect(Collectors.joining("\n"));
        LOG.info("helm uninstall refused: {}; the hook said:\n{}", refused.stderr().trim(), guardLog);
        assertThat(guardLog).contains(TENANT + "/guarded  node " + node + "  phase Ready")
                .contains("kubectl delete apqnreservations --all --all-namespaces --wait");
        assertThat(client.apps().deployments().inNamespace(NS).withName(Helm.RELEASE + "-controller").get())
                .as("the release survives a refused uninstall").isNotNull();
        assertThat(reservation.get().getStatus().getPhase()).isEqualTo(Phase.Ready);

        reservation.delete();
        await("reservation guarded released and gone").atMost(WAIT).until(() -> reservation.get() == null);
        var uninstall = Helm.run(cluster.kubeconfig(), List.of("uninstall", Helm.RELEASE, "--namespace", NS,
                "--wait", "--timeout", "3m"));
        assertThat(uninstall.exitCode()).as(uninstall.stdout() + uninstall.stderr()).isZero();
        assertThat(client.apps().deployments().inNamespace(NS).withName(Helm.RELEASE + "-controller").get()).isNull();
        assertThat(client.apiextensions().v1().customResourceDefinitions().withName("apqnreservations.apqn.dev").get())
                .as("Helm never deletes the CRDs").isNotNull();
    }

    /** The admin kubeconfig's server and CA, but authenticating with {@code token} only. */
    static KubernetesClient clientWithToken(NodeCluster cluster, String token) throws Exception {
        Config admin = Config.fromKubeconfig(Files.readString(cluster.kubeconfig()));
        Config config = new ConfigBuilder()
                .withMasterUrl(admin.getMasterUrl())
                .withCaCertData(admin.getCaCertData())
                .withOauthToken(token)
                .build();
        return new KubernetesClientBuilder().withConfig(config).build();
    }
}
