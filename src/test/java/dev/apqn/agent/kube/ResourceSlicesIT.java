package dev.apqn.agent.kube;

import static dev.apqn.agent.kube.AgentItSupport.WAIT;
import static dev.apqn.agent.kube.AgentItSupport.awaitInventoryGeneration;
import static dev.apqn.agent.kube.AgentItSupport.awaitState;
import static dev.apqn.agent.kube.AgentItSupport.createNodeState;
import static dev.apqn.agent.kube.AgentItSupport.maskPlan;
import static dev.apqn.agent.kube.AgentItSupport.mdev;
import static dev.apqn.agent.kube.AgentItSupport.syncIs;
import static dev.apqn.agent.kube.AgentItSupport.writeSpec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apqn.apbus.sim.SimKernel;
import dev.apqn.api.v1alpha1.ReservationSync;
import dev.apqn.dra.DraDriver;
import dev.apqn.dra.ResourceSlicePublisher;
import dev.apqn.plan.HostTarget;
import dev.apqn.plan.MdevTarget;
import dev.apqn.plan.OwnershipMode;
import dev.apqn.testing.Helm;
import dev.apqn.testing.LocalControlPlane;
import dev.apqn.testing.WithKubeApiServer;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.resource.v1.Device;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceAttribute;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceRequestAllocationResult;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceClaim;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceClaimBuilder;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceSlice;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dynamic Resource Allocation from the API server's side: the agent (under the chart's RBAC) publishes
 * its node's Ready reservations as {@code apqn.dev} devices, only on change, and the real kube-scheduler
 * allocates a ResourceClaim's CEL selector to exactly the intended device.
 */
@WithKubeApiServer(crds = "crds")
class ResourceSlicesIT {

    static final String PROFILE = "mask-mode-apconfig";
    static String ns;
    static KubernetesClient admin;
    static AgentFleet fleet;
    static List<HasMetadata> deviceClass;
    @TempDir
    static Path state;

    @BeforeAll
    static void agents(LocalControlPlane cp) {
        ns = cp.createNamespace("slices");
        admin = cp.adminClient();
        fleet = AgentFleet.create(AgentItSupport.agentClient(cp, ns), AgentItSupport.settings(ns), 2, state).withResourceSlices();
        // the chart's DeviceClass, as helm renders it
        deviceClass = admin.load(new ByteArrayInputStream(Helm.template(ns, ns, "--show-only", "templates/dra-deviceclass.yaml")
                .getBytes(StandardCharsets.UTF_8))).items();
        deviceClass.forEach(o -> admin.resource(o).fieldManager("apqn-tests").forceConflicts().serverSideApply());
    }

    @AfterAll
    static void stop() {
        if (fleet != null) {
            fleet.close();
        }
        if (deviceClass != null) {
            deviceClass.forEach(o -> admin.resource(o).delete());
        }
    }

    record Node(String name, SimKernel kernel, long generation) {
    }

    static Node node(String prefix) {
        String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 6);
        SimKernel kernel = fleet.addSimulatedNode(name, PROFILE);
        createNodeState(admin, name);
        return new Node(name, kernel, awaitInventoryGeneration(admin, name));
    }

    /** The plan as the controller would write it; waits until the agent reports every mdev Ready. */
    static void plan(Node n, MdevTarget... mdevs) {
        writeSpec(admin, n.name(), mdevs.length == 0 ? HostTarget.empty(OwnershipMode.MASKS, n.generation())
                : maskPlan(n.kernel(), n.generation(), mdevs));
        awaitState(admin, n.name(), s -> List.of(mdevs).stream().allMatch(m -> syncIs(s, m.owner(), ReservationSync.State.Ready)));
    }

    static List<ResourceSlice> slices(String node) {
        return admin.resources(ResourceSlice.class).withField("spec.nodeName", node).list().getItems();
    }

    static ResourceSlice awaitSlice(String node, java.util.function.Predicate<ResourceSlice> p) {
        await().atMost(WAIT).until(() -> slices(node).size() == 1 && p.test(slices(node).get(0)));
        return slices(node).get(0);
    }

    static List<String> deviceNames(ResourceSlice s) {
        return s.getSpec().getDevices().stream().map(Device::getName).toList();
    }

    static Map<String, Object> attributes(Device d) {
        Map<String, Object> out = new TreeMap<>();
        d.getAttributes().forEach((k, v) -> out.put(k, value(v)));
        return out;
    }

    static Object value(DeviceAttribute a) {
        return a.getString() != null ? a.getString() : a.getInt() != null ? a.getInt() : a.getBool() != null ? a.getBool() : a.getVersion();
    }

    // --------------------------------------------------------------------------------------------

    @Test
    void aDeviceAppearsPerReadyReservationAndDisappearsWhenReleased() {
        Node n = node("pub");
        UUID hsm = UUID.fromString("0A1B2C3D-0000-4000-8000-000000000001");
        UUID signer = UUID.fromString("0a1b2c3d-0000-4000-8000-000000000002");
        MdevTarget ep11 = mdev(hsm, "team-a/hsm", new int[] {5}, new int[] {4, 6});
        MdevTarget cca = mdev(signer, "team-b/signer", new int[] {3, 4}, new int[] {8});
        assertThat(slices(n.name())).as("no Ready reservation, no slice").isEmpty();

        plan(n, ep11, cca);
        ResourceSlice s = awaitSlice(n.name(), x -> x.getSpec().getDevices().size() == 2);
        assertThat(s.getMetadata().getName()).isEqualTo(n.name() + "-apqn.dev");
        assertThat(s.getSpec().getDriver()).isEqualTo("apqn.dev");
        assertThat(s.getSpec().getNodeName()).isEqualTo(n.name());
        assertThat(s.getSpec().getPool().getName()).isEqualTo(n.name());
        assertThat(s.getSpec().getPool().getResourceSliceCount()).isEqualTo(1L);
        assertThat(deviceNames(s)).containsExactly(hsm.toString().toLowerCase(), signer.toString());
        assertThat(attributes(s.getSpec().getDevices().get(0))).containsExactlyInAnyOrderEntriesOf(Map.of(
                DraDriver.ATTR_RESERVATION_NAMESPACE, "team-a", DraDriver.ATTR_RESERVATION_NAME, "hsm",
                DraDriver.ATTR_MDEV_UUID, "0a1b2c3d-0000-4000-8000-000000000001",
                DraDriver.ATTR_APQNS, "05.0004,05.0006", DraDriver.ATTR_APQN_COUNT, 2L,
                DraDriver.ATTR_ADAPTERS, "05", DraDriver.ATTR_DOMAINS, "0004,0006", DraDriver.ATTR_CONTROL_DOMAINS, "",
                DraDriver.ATTR_GENERATIONS, "CEX8", DraDriver.ATTR_MODES, "ep11"));
        assertThat(attributes(s.getSpec().getDevices().get(1))).containsAllEntriesOf(Map.of(
                DraDriver.ATTR_RESERVATION_NAMESPACE, "team-b", DraDriver.ATTR_RESERVATION_NAME, "signer",
                DraDriver.ATTR_APQNS, "03.0008,04.0008", DraDriver.ATTR_APQN_COUNT, 2L,
                DraDriver.ATTR_ADAPTERS, "03,04", DraDriver.ATTR_DOMAINS, "0008",
                DraDriver.ATTR_GENERATIONS, "CEX7,CEX8", DraDriver.ATTR_MODES, "cca"));
        long generation = s.getSpec().getPool().getGeneration();

        plan(n, cca); // hsm released
        s = awaitSlice(n.name(), x -> x.getSpec().getDevices().size() == 1);
        assertThat(deviceNames(s)).containsExactly(signer.toString());
        assertThat(s.getSpec().getPool().getGeneration()).as("a change bumps the pool generation").isGreaterThan(generation);

        plan(n); // everything released
        await().atMost(WAIT).until(() -> slices(n.name()).isEmpty());
    }

    @Test
    void theSliceIsWrittenOnlyWhenItChangesAndRepublishedWhenDeleted() {
        Node n = node("steady");
        plan(n, mdev(UUID.randomUUID(), "team-a/steady", new int[] {5}, new int[] {4}));
        ResourceSlice s = awaitSlice(n.name(), x -> x.getSpec().getDevices().size() == 1);
        NodeAgent agent = fleet.agent(n.name());
        long writes = agent.sliceWrites();
        long passes = agent.passes();
        await().atMost(WAIT).until(() -> agent.passes() >= passes + 5);
        assertThat(slices(n.name())).singleElement().satisfies(x ->
                assertThat(x.getMetadata().getResourceVersion()).as("five passes, no write").isEqualTo(s.getMetadata().getResourceVersion()));
        assertThat(agent.sliceWrites()).isEqualTo(writes);

        // the kubelet deletes a driver's slices when its plugin goes away; the agent publishes them again
        admin.resource(s).delete();
        ResourceSlice again = awaitSlice(n.name(), x -> !x.getMetadata().getUid().equals(s.getMetadata().getUid()));
        assertThat(again.getSpec().getDevices()).isEqualTo(s.getSpec().getDevices());
        assertThat(again.getMetadata().getName()).isEqualTo(ResourceSlicePublisher.sliceName(n.name(), 0));
    }

    @Test
    void theSchedulerAllocatesExactlyTheDeviceACelSelectorNames(LocalControlPlane cp, @TempDir Path dir) {
        Node n = node("alloc");
        UUID hsm = UUID.randomUUID();
        UUID signer = UUID.randomUUID();
        plan(n, mdev(hsm, ns + "/hsm", new int[] {5}, new int[] {4, 6}), mdev(signer, ns + "/signer", new int[] {3, 4}, new int[] {8}));
        awaitSlice(n.name(), x -> x.getSpec().getDevices().size() == 2);
        readyNode(n.name());
        admin.serviceAccounts().inNamespace(ns).resource(new ServiceAccountBuilder().withNewMetadata().withName("default")
                .endMetadata().build()).createOr(x -> x.update());
        Process scheduler = cp.startKubeScheduler(dir);
        try {
            assertAllocations(n, signer);
        } finally {
            scheduler.destroy();
            admin.pods().inNamespace(ns).withName("guest").delete();
            admin.pods().inNamespace(ns).withName("waits").delete();
            admin.nodes().withName(n.name()).delete();
        }
    }

    private static void assertAllocations(Node n, UUID signer) {
        ResourceClaim wanted = claim("signer-claim", "device.attributes[\"apqn.dev\"].reservationName == \"signer\"");
        Pod pod = pod("guest", wanted);
        await().atMost(WAIT).until(() -> nodeOf(pod) != null);
        assertThat(nodeOf(pod)).isEqualTo(n.name());
        ResourceClaim allocated = admin.resource(wanted).get();
        List<DeviceRequestAllocationResult> results = allocated.getStatus().getAllocation().getDevices().getResults();
        assertThat(results).singleElement().satisfies(r -> {
            assertThat(r.getDriver()).isEqualTo("apqn.dev");
            assertThat(r.getPool()).isEqualTo(n.name());
            assertThat(r.getDevice()).isEqualTo(signer.toString());
            assertThat(r.getRequest()).isEqualTo("mdev");
        });

        ResourceClaim nothing = claim("no-such-claim", "device.attributes[\"apqn.dev\"].reservationName == \"no-such-reservation\"");
        Pod waiting = pod("waits", nothing);
        await().atMost(WAIT).until(() -> unschedulable(waiting));
        assertThat(nodeOf(waiting)).isNull();
        assertThat(admin.resource(nothing).get().getStatus() == null
                || admin.resource(nothing).get().getStatus().getAllocation() == null).as("nothing allocated").isTrue();
    }

    @Test
    void moreThan128DevicesGoIntoSeveralSlicesOfOnePoolGeneration() {
        String node = "many-" + UUID.randomUUID().toString().substring(0, 6);
        var publisher = new ResourceSlicePublisher(admin, node, "apqn-tests");
        publisher.publish(devices(130));
        List<ResourceSlice> two = slices(node);
        assertThat(two).extracting(x -> x.getMetadata().getName())
                .containsExactlyInAnyOrder(node + "-apqn.dev", node + "-apqn.dev-1");
        assertThat(two).extracting(x -> x.getSpec().getDevices().size()).containsExactlyInAnyOrder(128, 2);
        assertThat(two).allSatisfy(x -> {
            assertThat(x.getSpec().getPool().getResourceSliceCount()).isEqualTo(2L);
            assertThat(x.getSpec().getPool().getGeneration()).isEqualTo(1L);
        });
        long writes = publisher.writes();
        publisher.publish(devices(130));
        assertThat(publisher.writes()).as("same content, no write").isEqualTo(writes);

        publisher.publish(devices(3));
        assertThat(slices(node)).singleElement().satisfies(x -> {
            assertThat(x.getMetadata().getName()).isEqualTo(node + "-apqn.dev");
            assertThat(x.getSpec().getDevices()).hasSize(3);
            assertThat(x.getSpec().getPool().getResourceSliceCount()).isEqualTo(1L);
            assertThat(x.getSpec().getPool().getGeneration()).isEqualTo(2L);
        });
        publisher.publish(List.of());
        assertThat(slices(node)).isEmpty();
    }

    static List<Device> devices(int count) {
        return java.util.stream.IntStream.range(0, count).mapToObj(i -> {
            var d = new Device();
            d.setName(String.format("0a1b2c3d-0000-4000-8000-%012d", i));
            var a = new DeviceAttribute();
            a.setString("r" + i);
            d.setAttributes(Map.of(DraDriver.ATTR_RESERVATION_NAME, a));
            return d;
        }).toList();
    }

    // ------------------------------------------------------------------ the allocation test's objects

    /** A Node object as a kubelet would report it: Ready, room for pods; no kubelet runs anything. */
    static void readyNode(String name) {
        admin.nodes().resource(new NodeBuilder().withNewMetadata().withName(name).addToLabels("kubernetes.io/hostname", name)
                .endMetadata().build()).create();
        // the API server's admission taints a new Node not-ready; a kubelet's node controller would lift it
        admin.nodes().withName(name).edit(x -> {
            x.getSpec().setTaints(List.of());
            return x;
        });
        NodeCondition ready = new NodeConditionBuilder().withType("Ready").withStatus("True").withReason("KubeletReady")
                .withLastHeartbeatTime(java.time.Instant.now().toString()).build();
        Map<String, Quantity> room = Map.of("cpu", new Quantity("4"), "memory", new Quantity("8Gi"), "pods", new Quantity("110"));
        admin.nodes().withName(name).editStatus(x -> {
            x.getStatus().setConditions(List.of(ready));
            x.getStatus().setCapacity(room);
            x.getStatus().setAllocatable(room);
            return x;
        });
    }

    static ResourceClaim claim(String name, String cel) {
        return admin.resource(new ResourceClaimBuilder().withNewMetadata().withName(name).withNamespace(ns).endMetadata()
                .withNewSpec().withNewDevices().addNewRequest().withName("mdev").withNewExactly().withDeviceClassName("apqn.dev")
                .addNewSelector().withNewCel().withExpression(cel).endCel().endSelector().endExactly().endRequest()
                .endDevices().endSpec().build()).create();
    }

    static Pod pod(String name, ResourceClaim claim) {
        return admin.pods().inNamespace(ns).resource(new PodBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().addNewResourceClaim().withName("apqn").withResourceClaimName(claim.getMetadata().getName())
                .endResourceClaim().addNewContainer().withName("guest").withImage("ghcr.io/apqn-dev/never-pulled:1")
                .withNewResources().addNewClaim().withName("apqn").endClaim().endResources().endContainer()
                .endSpec().build()).create();
    }

    static String nodeOf(Pod pod) {
        return admin.resource(pod).get().getSpec().getNodeName();
    }

    static boolean unschedulable(Pod pod) {
        Pod now = admin.resource(pod).get();
        return now.getStatus() != null && now.getStatus().getConditions() != null && now.getStatus().getConditions().stream()
                .anyMatch(c -> "PodScheduled".equals(c.getType()) && "False".equals(c.getStatus()) && "Unschedulable".equals(c.getReason()));
    }
}
