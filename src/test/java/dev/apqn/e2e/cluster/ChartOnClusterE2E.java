package dev.apqn.e2e.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.apqn.api.v1alpha1.APNodeState;
import dev.apqn.api.v1alpha1.APQNReservation;
import dev.apqn.api.v1alpha1.APQNReservationSpec;
import dev.apqn.api.v1alpha1.MdevStatus;
import dev.apqn.api.v1alpha1.Phase;
import dev.apqn.testing.Helm;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.awaitility.core.ConditionTimeoutException;
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
 * image.pullPolicy=Never}) with the simulated backend: controller and agent pods Ready, one
 * APNodeState per node, a reservation goes Ready and its deletion gives the queues back, and an
 * agent's own token cannot write another node's state.
 */
@WithNodeCluster
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChartOnClusterE2E {

    private static final Logger LOG = LoggerFactory.getLogger(ChartOnClusterE2E.class);

    static final String NS = "apqn-system";
    static final String TENANT = "e2e-payroll";
    static final Duration WAIT = Duration.ofMinutes(3);
    static final String TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token";

    @BeforeAll
    static void install(NodeCluster cluster) {
        if (NodeClusterExtension.operatorImageTar().isEmpty()) {
            NodeClusterExtension.skip("no operator image tar (-De2e.image.tar, default "
                    + NodeClusterExtension.DEFAULT_IMAGE_TAR + "): build it first (make image)");
        }
        String image = NodeClusterExtension.OPERATOR_IMAGE;
        Helm.run(cluster.kubeconfig(), List.of("install", Helm.RELEASE, Helm.chart().toString(),
                "--namespace", NS, "--create-namespace",
                "--set", "image.repository=" + image.substring(0, image.lastIndexOf(':')),
                "--set", "image.tag=" + image.substring(image.lastIndexOf(':') + 1),
                "--set", "image.pullPolicy=Never",
                "--set", "agent.backend=simulated")).orThrow();
    }

    @AfterAll
    static void uninstall(NodeCluster cluster, KubernetesClient client) {
        if (NodeClusterExtension.operatorImageTar().isEmpty()) {
            return;
        }
        // reservations first: the chart's uninstall guard refuses while any exist
        client.resources(APQNReservation.class).inAnyNamespace().delete();
        client.namespaces().withName(TENANT).delete();
    }

    @Test
    @Order(1)
    void controllerAndAgentPodsBecomeReadyOnePerNodeForTheAgent(NodeCluster cluster, KubernetesClient client) {
        awaitWithDiagnostics(client, "controller and agent pods Ready", () -> {
            var controller = client.apps().deployments().inNamespace(NS).withName(Helm.RELEASE + "-controller").get();
            var agent = client.apps().daemonSets().inNamespace(NS).withName(Helm.RELEASE + "-agent").get();
            return controller != null && Objects.equals(controller.getStatus().getReadyReplicas(), 2)
                    && agent != null && Objects.equals(agent.getStatus().getNumberReady(), cluster.nodeNames().size());
        });
        assertThat(agentPods(client)).extracting(p -> p.getSpec().getNodeName())
                .containsExactlyInAnyOrderElementsOf(cluster.nodeNames());
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
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(TENANT).endMetadata().build())
                .serverSideApply();
        var r = new APQNReservation();
        r.setMetadata(new ObjectMetaBuilder().withName("hsm").withNamespace(TENANT).build());
        var spec = new APQNReservationSpec();
        spec.setNodeName(node);
        spec.setAdapters(List.of(5));
        spec.setDomains(List.of(4, 6));
        r.setSpec(spec);
        long created = System.nanoTime();
        client.resource(r).create();

        var reservation = client.resources(APQNReservation.class).inNamespace(TENANT).withName("hsm");
        awaitWithDiagnostics(client, "reservation Ready", () -> {
            var x = reservation.get();
            return x.getStatus() != null && x.getStatus().getPhase() == Phase.Ready;
        });
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
        LOG.info("APNodeState {} shows the queues back {} after delete", node, E2eTimings.seconds(System.nanoTime() - deleted));
    }

    @Test
    @Order(4)
    void anAgentsOwnTokenCannotWriteAnotherNodesState(NodeCluster cluster, KubernetesClient client) throws Exception {
        if (cluster.nodeNames().size() < 2) {
            NodeClusterExtension.skip("needs two nodes; " + cluster.describe() + " has " + cluster.nodeNames().size());
        }
        Pod agent = agentPods(client).get(0);
        String own = agent.getSpec().getNodeName();
        String other = cluster.nodeNames().stream().filter(n -> !n.equals(own)).findFirst().orElseThrow();
        // the very token the kubelet projected into the running agent pod
        String token = exec(client, agent, "cat", TOKEN).trim();
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
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(TENANT).endMetadata().build())
                .serverSideApply();
        var r = new APQNReservation();
        r.setMetadata(new ObjectMetaBuilder().withName("guarded").withNamespace(TENANT).build());
        var spec = new APQNReservationSpec();
        spec.setNodeName(node);
        spec.setAdapters(List.of(6));
        spec.setDomains(List.of(5));
        r.setSpec(spec);
        client.resource(r).create();
        var reservation = client.resources(APQNReservation.class).inNamespace(TENANT).withName("guarded");
        awaitWithDiagnostics(client, "reservation guarded Ready", () -> {
            var x = reservation.get();
            return x.getStatus() != null && x.getStatus().getPhase() == Phase.Ready;
        });

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

    static List<Pod> agentPods(KubernetesClient client) {
        return client.pods().inNamespace(NS).withLabel("app.kubernetes.io/component", "agent").list().getItems();
    }

    static String exec(KubernetesClient client, Pod pod, String... command) throws Exception {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        try (var watch = client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
                .inContainer(pod.getSpec().getContainers().get(0).getName())
                .writingOutput(out).writingError(err).exec(command)) {
            int code = watch.exitCode().get(1, TimeUnit.MINUTES);
            assertThat(code).as("%s in %s: %s", List.of(command), pod.getMetadata().getName(), err).isZero();
        }
        return out.toString(StandardCharsets.UTF_8);
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

    /** Waits; on timeout the failure names every pod of the release with its state and log tail. */
    static void awaitWithDiagnostics(KubernetesClient client, String what, Callable<Boolean> done) {
        try {
            await(what).atMost(WAIT).pollInterval(Duration.ofSeconds(1)).until(done);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(what + " not reached within " + WAIT + "; pods:\n" + podReport(client), e);
        }
    }

    static String podReport(KubernetesClient client) {
        return client.pods().inNamespace(NS).list().getItems().stream().map(p -> {
            String states = p.getStatus().getContainerStatuses() == null ? "" : p.getStatus().getContainerStatuses().stream()
                    .map(c -> c.getName() + " ready=" + c.getReady() + " restarts=" + c.getRestartCount() + " " + c.getState())
                    .collect(Collectors.joining("; "));
            String log;
            try {
                log = client.pods().inNamespace(NS).withName(p.getMetadata().getName()).tailingLines(15).getLog();
            } catch (KubernetesClientException ex) {
                log = "(no log: " + ex.getMessage() + ")";
            }
            return p.getMetadata().getName() + " on " + p.getSpec().getNodeName() + " " + p.getStatus().getPhase()
                    + " " + states + "\n" + log;
        }).collect(Collectors.joining("\n---\n"));
    }
}
