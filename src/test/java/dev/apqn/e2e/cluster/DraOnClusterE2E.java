package dev.apqn.e2e.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apqn.api.v1alpha1.APQNReservation;
import dev.apqn.api.v1alpha1.Phase;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.resource.v1.Device;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceAttribute;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceClaim;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
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
 * A reservation's mdev reaches a pod through Dynamic Resource Allocation on real kubelets: the chart
 * with {@code dra.enabled=true} and the simulated backend; the node's agent publishes the Ready
 * reservation as a device of driver {@value #DRIVER}; a ResourceClaim selects it by the reservation's
 * name (CEL); the scheduler places the pod on the reservation's node; the kubelet calls the agent's
 * DRA plugin, whose CDI spec names the mdev's {@code /dev/vfio/<group>}; containerd puts that device
 * node into the container. The node's agent reports the claim and pod as the reservation's consumer
 * and the reservation shows it; its release waits (InUse) until the pod is gone.
 *
 * <p>The simkernel serves sysfs only: there is no vfio driver behind {@code /dev/vfio/<group>} on
 * these machines. The test stands in for the vfio driver by creating the character device nodes our
 * plugin's CDI spec names on the node before the pod starts: {@code /dev/vfio/<group>} (major
 * {@value #STAND_IN_MAJOR}, local/experimental range; minor = group) and {@code /dev/vfio/vfio} (10,196, as
 * on Linux); without them containerd refuses the container (it stats each device node's host path).
 * So what is shown is the injection (the node, its numbers, the container's device cgroup letting it
 * be opened), not a working VFIO group.
 */
@WithNodeCluster
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DraOnClusterE2E {

    private static final Logger LOG = LoggerFactory.getLogger(DraOnClusterE2E.class);

    static final String DRIVER = "apqn.dev";
    static final String TENANT = ChartRelease.TENANT;
    static final String RESERVATION = "dra-hsm";
    static final String CLAIM = "hsm";
    static final String POD = "guest";
    static final int STAND_IN_MAJOR = 240;
    /** /dev/vfio/vfio's numbers on Linux (misc device 196). */
    static final String VFIO_CONTAINER = "10 196";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Read untyped (as kubectl shows them): the consumers are what a user sees. */
    private static final String API_VERSION = APQNReservation.GROUP + "/" + APQNReservation.VERSION;
    static final Duration WAIT = ChartRelease.WAIT;

    /** Shared by the ordered steps: the worker node, the reservation's mdev and its IOMMU group, the claim's UID. */
    private static String node;
    private static String uuid;
    private static String group;
    private static String claimUid;

    @BeforeAll
    static void install(NodeCluster cluster) {
        ChartRelease.install(cluster, "dra.enabled=true");
    }

    @AfterAll
    static void uninstall(NodeCluster cluster, KubernetesClient client) {
        client.pods().inNamespace(TENANT).withName(POD).delete();
        client.resources(ResourceClaim.class).inNamespace(TENANT).withName(CLAIM).delete();
        if (node != null && group != null) {
            cluster.exec(node, "rm", "-rf", "/dev/vfio");
        }
        ChartRelease.uninstall(cluster, client);
    }

    @Test
    @Order(1)
    void aReadyReservationIsPublishedAsADeviceOfItsNode(NodeCluster cluster, KubernetesClient client) {
        ChartRelease.awaitReady(cluster, client);
        node = cluster.nodeNames().get(cluster.nodeNames().size() - 1);
        var reservation = ChartRelease.reserve(client, RESERVATION, node, List.of(5), List.of(4, 6));
        ChartRelease.awaitPhase(client, reservation, Phase.Ready);
        uuid = reservation.get().getStatus().getMdevUuid();
        group = new SimkernelOnNode(cluster, node).iommuGroupOf(uuid);

        await("device " + uuid + " in " + node + "'s ResourceSlice").atMost(WAIT).untilAsserted(() ->
                assertThat(devicesOf(client, node)).anySatisfy(d -> {
                    assertThat(d.getName()).isEqualTo(uuid.toLowerCase());
                    assertThat(attribute(d, "reservationName")).isEqualTo(RESERVATION);
                    assertThat(attribute(d, "reservationNamespace")).isEqualTo(TENANT);
                }));
    }

    @Test
    @Order(2)
    void aPodClaimingTheReservationRunsOnItsNodeWithTheMdevsVfioGroup(NodeCluster cluster, KubernetesClient client)
            throws Exception {
        // what the vfio driver does on a real host: the VFIO container node and one per IOMMU group (see the
        // class comment); the node container's /dev is its own, the host's is untouched
        var mknod = cluster.exec(node, "sh", "-c", "mkdir -p /dev/vfio"
                + " && { test -c /dev/vfio/vfio || mknod /dev/vfio/vfio c " + VFIO_CONTAINER + "; }"
                + " && { test -c /dev/vfio/" + group + " || mknod /dev/vfio/" + group + " c " + STAND_IN_MAJOR + " " + group + "; }");
        assertThat(mknod.exitCode()).as(mknod.stderr()).isZero();
        String selector = "device.attributes[\"" + DRIVER + "\"].reservationName == \"" + RESERVATION + "\"";
        claimUid = client.resource(DraObjects.claim(TENANT, CLAIM, DRIVER, selector, DRIVER, Map.of())).create()
                .getMetadata().getUid();
        long created = System.nanoTime();
        client.resource(DraObjects.podUsing(TENANT, POD, CLAIM,
                "ls -l /dev/vfio/; cat /dev/vfio/" + group + " 2>&1 | sed 's/^/open: /'; exec sleep 3600")).create();

        Pod pod = awaitPod(client, p -> "Running".equals(p.getStatus().getPhase()), "Running");
        LOG.info("pod Running {} after create", E2eTimings.seconds(System.nanoTime() - created));
        assertThat(pod.getSpec().getNodeName()).as("placed by the claim's allocation").isEqualTo(node);
        var allocated = DraObjects.allocation(client, TENANT, CLAIM).orElseThrow();
        assertThat(allocated.getDriver()).isEqualTo(DRIVER);
        assertThat(allocated.getPool()).isEqualTo(node);
        assertThat(allocated.getDevice()).isEqualTo(uuid.toLowerCase());

        // the kubelet called our plugin: its CDI spec for this claim on the node names the mdev's group
        String specFile = "/var/run/cdi/apqn.dev-" + claimUid + ".json";
        var spec = cluster.exec(node, "cat", specFile);
        assertThat(spec.exitCode()).as("%s on %s: %s", specFile, node, spec.stderr()).isZero();
        LOG.info("{} on {}: {}", specFile, node, spec.stdout().strip());
        JsonNode cdi = JSON.readTree(spec.stdout());
        assertThat(cdi.path("kind").asText()).isEqualTo("apqn.dev/mdev");
        assertThat(cdi.path("devices")).hasSize(1);
        assertThat(cdi.path("devices").get(0).path("name").asText()).isEqualTo(claimUid);
        assertThat(cdi.path("devices").get(0).path("containerEdits").path("deviceNodes").findValuesAsText("path"))
                .contains("/dev/vfio/" + group);

        // containerd injected it: the container has the character device with the node's numbers, and its
        // device cgroup lets it open it (ENXIO: no driver behind the stand-in; EPERM would be the cgroup)
        await("the container's listing").atMost(WAIT).untilAsserted(() -> assertThat(podLog(client)).contains("open: "));
        String log = podLog(client);
        LOG.info("in the container:\n{}", log.strip());
        assertThat(log).containsPattern("(?m)^c.* " + STAND_IN_MAJOR + ", +" + group + " .* " + group + "$")
                .containsPattern("(?m)^c.* 10, +196 .* vfio$")
                .contains("No such device or address").doesNotContain("Operation not permitted");
    }

    @Test
    @Order(3)
    void theNodeAndTheReservationShowTheClaimAndPodAsItsConsumer(KubernetesClient client) {
        // the node's agent reports what its plugin prepared (APNodeState status.reservations[].consumers) ...
        await("consumer of " + RESERVATION + " in " + node + "'s APNodeState").atMost(WAIT).untilAsserted(() ->
                assertConsumerIsOurClaimAndPod(nodeReportedConsumers(client)));
        // ... and the controller shows it on the reservation (status.consumers, the CONSUMER column)
        await("consumer in " + RESERVATION + "'s status").atMost(WAIT).untilAsserted(() ->
                assertConsumerIsOurClaimAndPod(reservationConsumers(client)));
    }

    @Test
    @Order(4)
    void releaseWaitsWhileThePodRunsAndCompletesAfterItIsDeleted(NodeCluster cluster, KubernetesClient client) {
        Resource<APQNReservation> reservation = client.resources(APQNReservation.class).inNamespace(TENANT).withName(RESERVATION);
        var kernel = new SimkernelOnNode(cluster, node);
        reservation.delete();
        await("InUse while the pod runs").atMost(WAIT).untilAsserted(() ->
                assertThat(reservation.get().getStatus().getConditions())
                        .anySatisfy(c -> {
                            assertThat(c.getType()).isEqualTo("InUse");
                            assertThat(c.getStatus()).isEqualTo("True");
                        }));
        // held, not released: the mdev and the pod are still there
        assertThat(kernel.mdevs()).contains(uuid);
        assertThat(client.pods().inNamespace(TENANT).withName(POD).get().getStatus().getPhase()).isEqualTo("Running");

        long deleted = System.nanoTime();
        client.pods().inNamespace(TENANT).withName(POD).delete();
        await("reservation released after the pod").atMost(WAIT).until(() -> reservation.get() == null);
        LOG.info("reservation gone {} after the pod's delete", E2eTimings.seconds(System.nanoTime() - deleted));
        assertThat(kernel.mdevs()).doesNotContain(uuid);
        assertThat(cluster.exec(node, "test", "-e", "/var/run/cdi/apqn.dev-" + claimUid + ".json").exitCode())
                .as("CDI spec removed by NodeUnprepareResources").isNotZero();
        await("device gone from " + node + "'s ResourceSlice").atMost(WAIT).untilAsserted(() ->
                assertThat(devicesOf(client, node)).extracting(Device::getName).doesNotContain(uuid.toLowerCase()));
    }

    private static List<Device> devicesOf(KubernetesClient client, String node) {
        return client.resources(ResourceSlice.class).withField("spec.driver", DRIVER).list().getItems().stream()
                .filter(s -> node.equals(s.getSpec().getNodeName()))
                .flatMap(s -> Objects.requireNonNullElse(s.getSpec().getDevices(), List.<Device>of()).stream())
                .toList();
    }

    /** A string attribute, named with or without the driver's domain (the API treats both alike). */
    private static String attribute(Device device, String name) {
        var attributes = Objects.requireNonNullElse(device.getAttributes(), Map.<String, DeviceAttribute>of());
        var a = attributes.containsKey(name) ? attributes.get(name) : attributes.get(DRIVER + "/" + name);
        return a == null ? null : a.getString();
    }

    private static void assertConsumerIsOurClaimAndPod(List<Map<String, Object>> consumers) {
        assertThat(consumers).hasSize(1);
        assertThat(consumers.get(0)).containsEntry("claim", TENANT + "/" + CLAIM).containsEntry("claimUID", claimUid)
                .containsEntry("pod", TENANT + "/" + POD);
    }

    /** The reservation's status.consumers as a user reads it ({@code kubectl get apqnr -o yaml}). */
    private static List<Map<String, Object>> reservationConsumers(KubernetesClient client) {
        var r = client.genericKubernetesResources(API_VERSION, "APQNReservation").inNamespace(TENANT).withName(RESERVATION).get();
        return consumers(map(r.getAdditionalProperties().get("status")));
    }

    /** The consumers the node's agent reports for the reservation in its APNodeState. */
    private static List<Map<String, Object>> nodeReportedConsumers(KubernetesClient client) {
        var state = client.genericKubernetesResources(API_VERSION, "APNodeState").withName(node).get();
        Object reservations = map(state.getAdditionalProperties().get("status")).get("reservations");
        return reservations == null ? List.of() : ((List<?>) reservations).stream().map(DraOnClusterE2E::map)
                .filter(x -> (TENANT + "/" + RESERVATION).equals(x.get("reservation")))
                .findFirst().map(DraOnClusterE2E::consumers).orElse(List.of());
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> consumers(Map<String, Object> owner) {
        return (List<Map<String, Object>>) Objects.requireNonNullElse(owner.get("consumers"), List.of());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return o == null ? Map.of() : (Map<String, Object>) o;
    }

    private static Pod awaitPod(KubernetesClient client, Predicate<Pod> done, String what) {
        try {
            await(POD + " " + what).atMost(WAIT).until(() -> {
                Pod p = client.pods().inNamespace(TENANT).withName(POD).get();
                return p != null && p.getStatus() != null && done.test(p);
            });
        } catch (ConditionTimeoutException e) {
            Pod p = client.pods().inNamespace(TENANT).withName(POD).get();
            var events = client.v1().events().inNamespace(TENANT).list().getItems().stream()
                    .map(ev -> ev.getInvolvedObject().getName() + ": " + ev.getReason() + " " + ev.getMessage()).toList();
            throw new AssertionError(POD + " not " + what + ": " + (p == null ? "gone" : p.getStatus()) + "\nevents: " + events
                    + "\nrelease pods:\n" + ChartRelease.podReport(client), e);
        }
        return client.pods().inNamespace(TENANT).withName(POD).get();
    }

    private static String podLog(KubernetesClient client) {
        return client.pods().inNamespace(TENANT).withName(POD).getLog();
    }
}
