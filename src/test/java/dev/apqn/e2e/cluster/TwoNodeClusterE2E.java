package dev.apqn.e2e.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;

/**
 * The cluster itself, before anything of ours runs on it: both nodes Ready on the pinned kubelet,
 * and real pods on each node that reach the API server through the {@code kubernetes} Service and
 * a pod on the other node (what the agent and controller pods will need).
 */
@WithNodeCluster
class TwoNodeClusterE2E {

    static final String NS = "e2e-smoke";
    /** Built by make node-image from Debian's busybox-static and imported by every node at start. */
    static final String BUSYBOX = "apqn.dev/e2e/busybox:1";
    static final Duration WAIT = Duration.ofMinutes(2);

    @BeforeAll
    static void namespace(NodeCluster cluster, KubernetesClient client) {
        if (cluster.nodeNames().size() < 2) {
            NodeClusterExtension.skip("needs the two-node offline cluster; " + cluster.describe());
        }
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
                .serverSideApply();
    }

    @AfterAll
    static void cleanUp(KubernetesClient client) {
        client.namespaces().withName(NS).delete();
    }

    @Test
    void bothNodesAreReadyOnThePinnedKubelet(NodeCluster cluster, KubernetesClient client) {
        assertThat(cluster.nodeNames()).hasSize(2);
        List<Node> nodes = client.nodes().list().getItems();
        assertThat(nodes).extracting(n -> n.getMetadata().getName())
                .containsExactlyInAnyOrderElementsOf(cluster.nodeNames());
        assertThat(nodes).allSatisfy(n -> {
            assertThat(OfflineNodeCluster.ready(n)).as("%s Ready", n.getMetadata().getName()).isTrue();
            assertThat(n.getStatus().getNodeInfo().getKubeletVersion()).isEqualTo("v1.34.4");
            assertThat(n.getStatus().getNodeInfo().getContainerRuntimeVersion()).startsWith("containerd://");
        });
    }

    @Test
    void podsOnEachNodeReachTheApiServerServiceAndAPodOnTheOtherNode(NodeCluster cluster, KubernetesClient client) {
        String serverNode = cluster.nodeNames().get(0);
        Pod server = client.pods().inNamespace(NS).resource(pod("web", serverNode,
                "mkdir -p /www && echo served-by-$(hostname) > /www/index.html && exec httpd -f -p 8080 -h /www")
                .editSpec().withRestartPolicy("Always")
                .editFirstContainer().withNewReadinessProbe().withNewTcpSocket().withNewPort(8080).endTcpSocket()
                .withPeriodSeconds(1).endReadinessProbe().endContainer()
                .endSpec().build()).create();
        // Ready: the kubelet's probe connected, so httpd listens
        server = client.pods().inNamespace(NS).withName("web").waitUntilCondition(
                p -> p.getStatus() != null && p.getStatus().getPodIP() != null && p.getStatus().getConditions().stream()
                        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())),
                WAIT.toMillis(), TimeUnit.MILLISECONDS);
        String webIp = server.getStatus().getPodIP();

        for (String node : cluster.nodeNames()) {
            String name = "client-" + node;
            client.pods().inNamespace(NS).resource(pod(name, node,
                    // the kubernetes Service's address comes from the env the kubelet sets. nc, not wget:
                    // Debian's busybox-static wget crashes (static glibc resolver). A TCP connect to the
                    // API server; the chart test covers real API calls from pods.
                    "timeout 10 nc $KUBERNETES_SERVICE_HOST $KUBERNETES_SERVICE_PORT </dev/null && echo api-service-reachable;"
                            + " printf 'GET / HTTP/1.0\\r\\n\\r\\n' | timeout 10 nc " + webIp + " 8080")
                    .build()).create();
            await(name + " finished").atMost(WAIT).until(() -> {
                Pod p = client.pods().inNamespace(NS).withName(name).get();
                return p.getStatus() != null && List.of("Succeeded", "Failed").contains(p.getStatus().getPhase());
            });
            Pod done = client.pods().inNamespace(NS).withName(name).get();
            String log = client.pods().inNamespace(NS).withName(name).getLog();
            assertThat(done.getSpec().getNodeName()).isEqualTo(node);
            assertThat(done.getStatus().getPhase()).as("%s on %s, log:%n%s", name, node, log).isEqualTo("Succeeded");
            assertThat(log).contains("api-service-reachable").contains("served-by-web");
        }
    }

    /**
     * An image that exists only after the cluster started (a new tag of the busybox image, saved by
     * the Docker engine) reaches every node through {@link NodeCluster#loadImage} and runs there
     * without a registry: how a test loads an image it builds itself.
     */
    @Test
    void anImageLoadedAfterStartRunsOnEveryNode(NodeCluster cluster, KubernetesClient client) throws Exception {
        var docker = DockerClientFactory.lazyClient();
        String repo = "apqn.dev/e2e/loaded-after-start";
        docker.tagImageCmd(BUSYBOX, repo, "1").exec();
        Path tar = Path.of("target/e2e/loaded-after-start.tar");
        try (var in = docker.saveImageCmd(repo + ":1").exec()) {
            Files.copy(in, tar, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            docker.removeImageCmd(repo + ":1").exec();
        }
        cluster.loadImage(tar);

        for (String node : cluster.nodeNames()) {
            String name = "loaded-" + node;
            client.pods().inNamespace(NS).resource(pod(name, node, "echo ran-on-$0").build()
                    .edit().editSpec().editFirstContainer().withImage(repo + ":1").addToArgs(node).endContainer()
                    .endSpec().build()).create();
            await(name + " finished").atMost(WAIT).until(() -> {
                Pod p = client.pods().inNamespace(NS).withName(name).get();
                return p.getStatus() != null && List.of("Succeeded", "Failed").contains(p.getStatus().getPhase());
            });
            assertThat(client.pods().inNamespace(NS).withName(name).get().getStatus().getPhase()).isEqualTo("Succeeded");
            assertThat(client.pods().inNamespace(NS).withName(name).getLog()).contains("ran-on-" + node);
        }
    }

    /** A busybox pod pinned to a node through the scheduler (nodeSelector), run once. */
    static PodBuilder pod(String name, String node, String script) {
        return new PodBuilder()
                .withNewMetadata().withName(name).withNamespace(NS).endMetadata()
                .withNewSpec()
                .withRestartPolicy("Never")
                .withNodeSelector(Map.of("kubernetes.io/hostname", node))
                .withTerminationGracePeriodSeconds(1L)
                .addNewContainer()
                .withName("main").withImage(BUSYBOX).withImagePullPolicy("Never")
                .withCommand("sh", "-c", script)
                .endContainer()
                .endSpec();
    }
}
