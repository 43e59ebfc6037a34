package dev.apqn.e2e.cluster;

import static dev.apqn.e2e.cluster.ChartRelease.awaitPhase;
import static dev.apqn.e2e.cluster.ChartRelease.podOn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apqn.api.v1alpha1.APQNReservation;
import dev.apqn.api.v1alpha1.Phase;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent pod deleted while one of its host writes is in flight, on a converge and on a release:
 * the write is held in the simkernel, the pod is deleted (grace period 0), its JVM dies around the
 * held write, the write lands after its writer is gone (the intent stays unresolved in the ledger on
 * the node), and the DaemonSet's next pod recovers from the ledger. Checked through the simkernel's
 * files on the node, not the agent's report: one mdev holding exactly the reserved queues, bound to
 * vfio_ap; after the release no mdev, masks and drivers as at boot.
 */
@WithNodeCluster
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AgentRestartE2E {

    private static final Logger LOG = LoggerFactory.getLogger(AgentRestartE2E.class);
    static final List<String> QUEUES = List.of("05.0004", "05.0006");

    static String node;
    static SimkernelOnNode kernel;
    static String bootApmask;
    static String bootAqmask;
    static Resource<APQNReservation> reservation;

    @BeforeAll
    static void install(NodeCluster cluster, KubernetesClient client) {
        ChartRelease.install(cluster);
        ChartRelease.awaitReady(cluster, client);
        node = cluster.nodeNames().get(cluster.nodeNames().size() - 1);
        kernel = new SimkernelOnNode(cluster, node);
        bootApmask = kernel.read("/sys/bus/ap/apmask");
        bootAqmask = kernel.read("/sys/bus/ap/aqmask");
    }

    @AfterAll
    static void uninstall(NodeCluster cluster, KubernetesClient client) {
        if (kernel != null) {
            kernel.releaseAllWrites();
        }
        ChartRelease.uninstall(cluster, client);
    }

    @Test
    @Order(1)
    void anAgentPodDeletedInTheMiddleOfAConvergeIsReplacedByOneThatFinishesIt(NodeCluster cluster, KubernetesClient client) {
        kernel.holdWrites(SimkernelOnNode.CREATE);
        reservation = ChartRelease.reserve(client, "killed-converge", node, List.of(5), List.of(4, 6));
        await("the agent's mdev create write is held in the simkernel").atMost(ChartRelease.WAIT)
                .until(() -> kernel.blockedWrites(SimkernelOnNode.CREATE) == 1);

        killAgentAroundItsHeldWrite(cluster, client, SimkernelOnNode.CREATE);

        awaitPhase(client, reservation, Phase.Ready);
        String uuid = reservation.get().getStatus().getMdevUuid();
        assertThat(reservation.get().getStatus().getApqnSummary()).isEqualTo(String.join(",", QUEUES));
        assertThat(kernel.mdevs()).as("mdevs on %s: the one the dead agent created is the reservation's", node)
                .containsExactly(uuid);
        assertThat(kernel.matrixOf(uuid)).containsExactlyElementsOf(QUEUES);
        QUEUES.forEach(q -> assertThat(kernel.driverOf(q)).as("driver of %s", q).contains("vfio_ap"));
        LOG.info("agent killed mid-converge: the next agent pod finished it; writes seen by the simkernel:\n{}",
                String.join("\n", kernel.writes()));
    }

    @Test
    @Order(2)
    void anAgentPodDeletedInTheMiddleOfAReleaseIsReplacedByOneThatGivesEverythingBack(NodeCluster cluster, KubernetesClient client) {
        String uuid = reservation.get().getStatus().getMdevUuid();
        String remove = SimkernelOnNode.MATRIX + "/" + uuid + "/remove";
        kernel.holdWrites(remove);
        reservation.delete();
        await("the agent's mdev remove write is held in the simkernel").atMost(ChartRelease.WAIT)
                .until(() -> kernel.blockedWrites(remove) == 1);

        killAgentAroundItsHeldWrite(cluster, client, remove);

        await("reservation released and gone").atMost(ChartRelease.WAIT).until(() -> reservation.get() == null);
        await("the host has its queues back on " + node).atMost(ChartRelease.WAIT).untilAsserted(() -> {
            assertThat(kernel.mdevs()).isEmpty();
            assertThat(kernel.read("/sys/bus/ap/apmask")).isEqualTo(bootApmask);
            assertThat(kernel.read("/sys/bus/ap/aqmask")).isEqualTo(bootAqmask);
            QUEUES.forEach(q -> assertThat(kernel.driverOf(q)).as("driver of %s", q).isPresent().get().isNotEqualTo("vfio_ap"));
        });
    }

    /**
     * Deletes the agent pod on {@link #node} with grace period 0 while its write to {@code held} is
     * blocked, waits until its JVM is down to the thread inside that write (so the write cannot be
     * resolved by it any more), lets the write land, and waits for the DaemonSet's next pod.
     */
    private static void killAgentAroundItsHeldWrite(NodeCluster cluster, KubernetesClient client, String held) {
        Pod doomed = podOn(client, "agent", node);
        long pid = PodFootprint.jvmPid(cluster, doomed);
        client.pods().inNamespace(ChartRelease.NS).withName(doomed.getMetadata().getName()).withGracePeriod(0).delete();
        await("agent JVM " + pid + " killed around its held write").atMost(Duration.ofMinutes(1))
                .until(() -> kernel.threadsOf(pid) <= 2);
        kernel.releaseWrites(held);
        await("agent JVM " + pid + " gone").atMost(Duration.ofMinutes(1)).until(() -> kernel.threadsOf(pid) == 0);
        ChartRelease.awaitReplacement(client, "agent", node, doomed);
        LOG.info("agent pod {} deleted with its write to {} held; JVM {} died around it; a new agent pod is Ready",
                doomed.getMetadata().getName(), held, pid);
    }
}
