package dev.apqn.e2e.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apqn.api.v1alpha1.APNodeState;
import dev.apqn.api.v1alpha1.APQNReservation;
import dev.apqn.api.v1alpha1.Phase;
import dev.apqn.testing.Helm;
import dev.apqn.testing.Reservations;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The chart installed as a user installs it, from the operator image tar ({@code
 * image.pullPolicy=Never}), with the simulated backend (a simkernel DaemonSet per agent node), and
 * what the *E2E tests do with it: wait for its pods, make reservations, look at pods.
 */
final class ChartRelease {

    static final String NS = "apqn-system";
    static final String TENANT = "e2e-payroll";
    static final Duration WAIT = Duration.ofMinutes(3);

    private ChartRelease() {
    }

    /** {@code helm install} with the simulated backend plus {@code extraSets}; skips without an image tar. */
    static void install(NodeCluster cluster, String... extraSets) {
        if (NodeClusterExtension.operatorImageTar().isEmpty()) {
            NodeClusterExtension.skip("no operator image tar (-De2e.image.tar, default "
                    + NodeClusterExtension.DEFAULT_IMAGE_TAR + "): build it first (make image)");
        }
        String image = NodeClusterExtension.OPERATOR_IMAGE;
        List<String> args = new ArrayList<>(List.of("install", Helm.RELEASE, Helm.chart().toString(),
                "--namespace", NS, "--create-namespace",
                "--set", "image.repository=" + image.substring(0, image.lastIndexOf(':')),
                "--set", "image.tag=" + image.substring(image.lastIndexOf(':') + 1),
                "--set", "image.pullPolicy=Never",
                "--set", "agent.backend=simulated"));
        for (String set : extraSets) {
            args.add("--set");
            args.add(set);
        }
        Helm.run(cluster.kubeconfig(), args).orThrow();
    }

    /** Removes reservations (the uninstall guard refuses while any exist), then the release if still there. */
    static void uninstall(NodeCluster cluster, KubernetesClient client) {
        if (NodeClusterExtension.operatorImageTar().isEmpty()) {
            return;
        }
        client.resources(APQNReservation.class).inAnyNamespace().delete();
        await("reservations gone before uninstall").atMost(WAIT)
                .until(() -> client.resources(APQNReservation.class).inAnyNamespace().list().getItems().isEmpty());
        client.namespaces().withName(TENANT).delete();
        if (client.apps().deployments().inNamespace(NS).withName(Helm.RELEASE + "-controller").get() != null) {
            Helm.run(cluster.kubeconfig(), List.of("uninstall", Helm.RELEASE, "--namespace", NS, "--wait", "--timeout", "3m"))
                    .orThrow();
        }
    }

    /** Controller (2 replicas), agents and simkernels Ready on every node, each node's APNodeState reported. */
    static void awaitReady(NodeCluster cluster, KubernetesClient client) {
        int nodes = cluster.nodeNames().size();
        awaitWithDiagnostics(client, "controller, agent and simkernel pods Ready", () -> {
            var controller = client.apps().deployments().inNamespace(NS).withName(Helm.RELEASE + "-controller").get();
            var agent = client.apps().daemonSets().inNamespace(NS).withName(Helm.RELEASE + "-agent").get();
            var simkernel = client.apps().daemonSets().inNamespace(NS).withName(Helm.RELEASE + "-simkernel").get();
            return controller != null && Objects.equals(controller.getStatus().getReadyReplicas(), 2)
                    && Objects.equals(controller.getStatus().getUpdatedReplicas(), 2)
                    && Objects.equals(controller.getStatus().getReplicas(), 2)
                    && agent != null && Objects.equals(agent.getStatus().getNumberReady(), nodes)
                    && Objects.equals(agent.getStatus().getUpdatedNumberScheduled(), nodes)
                    && simkernel != null && Objects.equals(simkernel.getStatus().getNumberReady(), nodes);
        });
        await("an APNodeState with agent status per node").atMost(WAIT).untilAsserted(() ->
                assertThat(client.resources(APNodeState.class).list().getItems())
                        .filteredOn(s -> s.getStatus() != null && s.getStatus().getAgent() != null)
                        .extracting(s -> s.getMetadata().getName())
                        .containsExactlyInAnyOrderElementsOf(cluster.nodeNames()));
    }

    /** Creates reservation {@link #TENANT}/{@code name} of {@code adapters} × {@code domains} on {@code node}. */
    static Resource<APQNReservation> reserve(KubernetesClient client, String name, String node, List<Integer> adapters,
                                             List<Integer> domains) {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(TENANT).endMetadata().build())
                .serverSideApply();
        client.resource(Reservations.explicit(TENANT, name, node, adapters, domains)).create();
        return client.resources(APQNReservation.class).inNamespace(TENANT).withName(name);
    }

    static void awaitPhase(KubernetesClient client, Resource<APQNReservation> reservation, Phase phase) {
        awaitWithDiagnostics(client, "reservation " + reservation.get().getMetadata().getName() + " " + phase, () -> {
            var x = reservation.get();
            return x != null && x.getStatus() != null && x.getStatus().getPhase() == phase;
        });
    }

    /** Waits until a pod of {@code component} other than {@code gone} runs Ready on {@code node} (a DaemonSet's next pod). */
    static void awaitReplacement(KubernetesClient client, String component, String node, Pod gone) {
        awaitWithDiagnostics(client, "a new " + component + " pod Ready on " + node, () -> pods(client, component).stream()
                .anyMatch(p -> node.equals(p.getSpec().getNodeName())
                        && !p.getMetadata().getUid().equals(gone.getMetadata().getUid())
                        && p.getStatus().getContainerStatuses() != null
                        && p.getStatus().getContainerStatuses().stream().allMatch(c -> Boolean.TRUE.equals(c.getReady()))));
    }

    static List<Pod> pods(KubernetesClient client, String component) {
        return client.pods().inNamespace(NS).withLabel("app.kubernetes.io/component", component).list().getItems();
    }

    static Pod podOn(KubernetesClient client, String component, String node) {
        return pods(client, component).stream().filter(p -> node.equals(p.getSpec().getNodeName()))
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null).findFirst()
                .orElseThrow(() -> new AssertionError("no " + component + " pod on " + node + "; pods:\n" + podReport(client)));
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
