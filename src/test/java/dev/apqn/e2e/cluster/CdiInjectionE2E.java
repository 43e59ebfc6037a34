package dev.apqn.e2e.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceClass;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceClaim;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The node's container runtime injects CDI devices, shown without our operator: containerd 2.x
 * (hack/node-image/containerd; Debian's 1.6 ignores CDI) with CDI enabled for /etc/cdi and
 * /var/run/cdi. Two ways in: Kubernetes' own DRA test driver as a kubelet plugin on a node (ResourceSlice,
 * scheduler allocation, the kubelet's NodePrepareResources, its CDI spec, the CRI's CDI device field,
 * containerd's edits in the container), and a static CDI spec file with a device node run by
 * containerd directly ({@code ctr run --device}), which is the kind of edit our plugin's spec makes.
 */
@WithNodeCluster
class CdiInjectionE2E {

    static final String NS = "e2e-cdi";
    /** A driver name of our own, so nothing else on the cluster answers for it. */
    static final String DRIVER = "cdi-probe.e2e.apqn.dev";
    static final String PID_FILE = "/run/dra-test-driver.pid";
    static final Duration WAIT = Duration.ofMinutes(2);

    @BeforeAll
    static void namespace(KubernetesClient client) {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
                .serverSideApply();
    }

    @AfterAll
    static void cleanUp(NodeCluster cluster, KubernetesClient client) {
        client.namespaces().withName(NS).delete();
        for (String node : cluster.nodeNames()) {
            // the driver started below, by its pid: it removes its sockets on SIGTERM
            cluster.exec(node, "sh", "-c", "test -f " + PID_FILE + " && kill $(cat " + PID_FILE + ") && rm -f " + PID_FILE);
            cluster.exec(node, "rm", "-f", "/var/run/cdi/static-probe.json");
        }
        client.resources(ResourceSlice.class).withField("spec.driver", DRIVER).delete();
        client.resources(DeviceClass.class).withName(DRIVER).delete();
    }

    @Test
    void aPodsDraClaimGetsTheDriversCdiEditsFromTheContainerRuntime(NodeCluster cluster, KubernetesClient client) {
        String node = cluster.nodeNames().get(0);
        // the control-plane node holds an admin kubeconfig for the driver's ResourceSlice writes
        // the driver creates the parent of its socket directory, not the directory itself
        var started = cluster.exec(node, "sh", "-c", "mkdir -p /var/lib/kubelet/plugins/" + DRIVER
                + " && dra-test-driver --kubeconfig /etc/kubernetes/admin.conf"
                + " --drivername " + DRIVER + " kubelet-plugin --node-name " + node + " --num-devices 1"
                + " >/var/log/apqn-node/dra-test-driver.log 2>&1 & echo $! >" + PID_FILE);
        assertThat(started.exitCode()).as(started.stderr()).isZero();
        await("the test driver's ResourceSlice for " + node).atMost(WAIT).until(() ->
                client.resources(ResourceSlice.class).withField("spec.driver", DRIVER).list().getItems().stream()
                        .anyMatch(s -> node.equals(s.getSpec().getNodeName())));
        client.resource(DraObjects.deviceClass(DRIVER, DRIVER)).serverSideApply();
        ResourceClaim claim = client.resource(DraObjects.claim(NS, "probe", DRIVER, null, DRIVER,
                Map.of("greeting", "hello-from-cdi"))).create();

        client.resource(DraObjects.podUsing(NS, "probe", "probe", "env | sort; exec sleep 600")).create();
        Pod pod = awaitRunning(client, "probe");

        assertThat(pod.getSpec().getNodeName()).as("placed by the claim's allocation").isEqualTo(node);
        // the driver's CDI spec, written on NodePrepareResources, named by the claim's UID
        String uid = claim.getMetadata().getUid();
        var spec = cluster.exec(node, "sh", "-c", "cat /var/run/cdi/*" + uid + "*");
        assertThat(spec.exitCode()).as("a CDI spec for claim %s on %s: %s", uid, node, spec.stderr()).isZero();
        assertThat(spec.stdout()).contains("\"kind\":\"" + DRIVER + "/test\"").contains("user_greeting=hello-from-cdi");
        // containerd applied it: the env edits are in the container's environment
        await("the container's env printed").atMost(WAIT).untilAsserted(() ->
                assertThat(client.pods().inNamespace(NS).withName("probe").getLog())
                        .contains("user_greeting=hello-from-cdi").contains("claim_probe_device=true"));

        client.pods().inNamespace(NS).withName("probe").delete();
        await("NodeUnprepareResources removed the CDI spec").atMost(WAIT).until(() ->
                cluster.exec(node, "sh", "-c", "ls /var/run/cdi/ | grep -q " + uid).exitCode() != 0);
    }

    @Test
    void aStaticCdiSpecPutsItsDeviceNodeAndEnvIntoAContainer(NodeCluster cluster) {
        String node = cluster.nodeNames().get(cluster.nodeNames().size() - 1);
        // /dev/null under another name: a device node any container may open, like /dev/vfio/<group>
        // in our plugin's spec; env as a second, independent kind of edit
        String spec = """
                {"cdiVersion":"0.6.0","kind":"static-probe.e2e.apqn.dev/dev","devices":[{"name":"null",
                 "containerEdits":{"deviceNodes":[{"path":"/dev/apqn-probe","hostPath":"/dev/null"}],
                                   "env":["APQN_CDI_PROBE=static"]}}]}
                """;
        var written = cluster.exec(node, "sh", "-c", "cat >/var/run/cdi/static-probe.json <<'EOF'\n" + spec + "EOF");
        assertThat(written.exitCode()).as(written.stderr()).isZero();

        var run = cluster.exec(node, "ctr", "-n", "k8s.io", "run", "--rm", "--device", "static-probe.e2e.apqn.dev/dev=null",
                TwoNodeClusterE2E.BUSYBOX, "static-cdi-probe", "sh", "-c",
                "ls -l /dev/apqn-probe; echo probe=$APQN_CDI_PROBE; echo written >/dev/apqn-probe && echo writable");

        assertThat(run.exitCode()).as("ctr run: %s", run.stderr()).isZero();
        // a character device 1,3 (/dev/null's numbers), not a bind-mounted file
        assertThat(run.stdout()).containsPattern("(?m)^c.* 1, +3 .*/dev/apqn-probe$")
                .contains("probe=static").contains("writable");
        // without the spec there is nothing to inject: the same run fails
        cluster.exec(node, "rm", "-f", "/var/run/cdi/static-probe.json");
        var without = cluster.exec(node, "ctr", "-n", "k8s.io", "run", "--rm", "--device", "static-probe.e2e.apqn.dev/dev=null",
                TwoNodeClusterE2E.BUSYBOX, "static-cdi-probe-2", "true");
        assertThat(without.exitCode()).isNotZero();
        assertThat(without.stderr()).contains("static-probe.e2e.apqn.dev/dev=null");
    }

    private static Pod awaitRunning(KubernetesClient client, String name) {
        await(name + " Running").atMost(WAIT).until(() -> {
            Pod p = client.pods().inNamespace(NS).withName(name).get();
            return p != null && p.getStatus() != null && List.of("Running", "Succeeded", "Failed").contains(p.getStatus().getPhase());
        });
        Pod p = client.pods().inNamespace(NS).withName(name).get();
        assertThat(p.getStatus().getPhase()).as("%s: %s", name, p.getStatus()).isEqualTo("Running");
        return p;
    }
}
