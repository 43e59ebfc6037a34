package dev.apqn.agent.kube;

import static dev.apqn.agent.kube.AgentItSupport.WAIT;
import static dev.apqn.agent.kube.AgentItSupport.awaitInventoryGeneration;
import static dev.apqn.agent.kube.AgentItSupport.awaitState;
import static dev.apqn.agent.kube.AgentItSupport.createNodeState;
import static dev.apqn.agent.kube.AgentItSupport.maskPlan;
import static dev.apqn.agent.kube.AgentItSupport.mdev;
import static dev.apqn.agent.kube.AgentItSupport.sync;
import static dev.apqn.agent.kube.AgentItSupport.syncIs;
import static dev.apqn.agent.kube.AgentItSupport.writeSpec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apqn.apbus.SysfsApBus;
import dev.apqn.apbus.sim.MachineProfiles;
import dev.apqn.apbus.sim.SimKernel;
import dev.apqn.apbus.sim.SimSysfs;
import dev.apqn.api.v1alpha1.APQNReservation;
import dev.apqn.api.v1alpha1.Consumer;
import dev.apqn.api.v1alpha1.ReservationSync;
import dev.apqn.dra.KubeletPlugin;
import dev.apqn.dra.KubeletSide;
import dev.apqn.dra.kubelet.registration.PluginInfo;
import dev.apqn.dra.kubelet.v1.Device;
import dev.apqn.dra.kubelet.v1.NodePrepareResourceResponse;
import dev.apqn.plan.HostTarget;
import dev.apqn.plan.OwnershipMode;
import dev.apqn.testing.LocalControlPlane;
import dev.apqn.testing.Reservations;
import dev.apqn.testing.WithKubeApiServer;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceClaim;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceClaimBuilder;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceClaimStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's kubelet plugin (DRA driver apqn.dev, docs/dra.md) through its real Unix sockets, spoken to as
 * the kubelet speaks ({@link KubeletSide}: Netty's epoll Unix sockets, not the plugin's own transport), with a
 * real API server holding the ResourceClaims and APQNReservations, and a node agent over a simulated kernel
 * whose reservation is Ready (the test writes the APNodeState spec as the controller would).
 *
 * <p>The agent here uses the admin client: the agent's RBAC for ResourceClaims and APQNReservations (get) is
 * the chart's part of issue 11 and is tested with it.
 */
@WithKubeApiServer(crds = "crds")
class KubeletPluginIT {

    static final String PROFILE = "mask-mode-apconfig";
    static final ObjectMapper JSON = new ObjectMapper();

    static KubernetesClient admin;
    static AgentRuntime runtime;
    static KubeletSide kubelet;
    static String teamA;
    static String teamB;
    @TempDir
    static Path state;

    final List<NodeAgent> agents = new ArrayList<>();

    @BeforeAll
    static void setUp(LocalControlPlane cp) {
        admin = cp.adminClient();
        teamA = cp.createNamespace("team-a");
        teamB = cp.createNamespace("team-b");
        runtime = new AgentRuntime(admin, AgentItSupport.settings(teamA), 2, 1, false);
        kubelet = new KubeletSide();
    }

    @AfterEach
    void stopAgents() {
        agents.forEach(NodeAgent::close);
    }

    @AfterAll
    static void tearDown() {
        if (kubelet != null) {
            kubelet.close();
        }
        if (runtime != null) {
            runtime.close();
        }
    }

    /** A simulated node whose agent serves the kubelet plugin, and a Ready reservation {@code teamA/<name>} on it. */
    record Node(String name, SimKernel kernel, KubeletPlugin.Dirs dirs, Path ledgerDir, UUID mdev, String reservation,
                HostTarget target) {
    }

    Node readyNode(String reservationName) {
        String name = "dra-" + UUID.randomUUID().toString().substring(0, 6);
        SimKernel kernel = SimKernel.boot(MachineProfiles.resolve(PROFILE), name.hashCode());
        Path dir = state.resolve(name);
        var dirs = new KubeletPlugin.Dirs(dir.resolve("var/lib/kubelet/plugins"), dir.resolve("var/lib/kubelet/plugins_registry"),
                dir.resolve("var/run/cdi"));
        admin.resource(Reservations.explicit(teamA, reservationName, name, List.of(5), List.of(4, 6))).create();
        Node n = new Node(name, kernel, dirs, dir.resolve("run/apqn-agent"), UUID.randomUUID(), teamA + "/" + reservationName, null);
        startAgent(n);
        createNodeState(admin, name);
        long gen = awaitInventoryGeneration(admin, name);
        HostTarget target = maskPlan(kernel, gen, mdev(n.mdev(), n.reservation(), new int[] {5}, new int[] {4, 6}));
        writeSpec(admin, name, target);
        awaitState(admin, name, s -> syncIs(s, n.reservation(), ReservationSync.State.Ready));
        return new Node(name, kernel, dirs, n.ledgerDir(), n.mdev(), n.reservation(), target);
    }

    /** A fresh agent (and plugin) on the node: only the kernel, the directories and the API server carry over. */
    NodeAgent startAgent(Node n) {
        try {
            Files.createDirectories(n.ledgerDir().getParent().resolve("lock"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        NodeAgent a = new NodeAgent(runtime, n.name(), new SysfsApBus(new SimSysfs(n.kernel())), n.ledgerDir(),
                HostAccess.simulated(n.kernel(), n.name(), n.ledgerDir().getParent().resolve("lock/s390apconfig.lock")))
                .withKubeletPlugin(n.dirs());
        agents.add(a);
        return a.start();
    }

    /** A ResourceClaim the scheduler has allocated our device to (status.allocation) and reserved for a pod. */
    static ResourceClaim allocatedClaim(String ns, String name, Node n, String pod) {
        ResourceClaim c = admin.resource(new ResourceClaimBuilder().withNewMetadata().withNamespace(ns).withName(name).endMetadata()
                .withNewSpec().withNewDevices().addNewRequest().withName("apqn").withNewExactly().withDeviceClassName("apqn.dev")
                .endExactly().endRequest().endDevices().endSpec().build()).create();
        c.setStatus(new ResourceClaimStatusBuilder().withNewAllocation().withNewDevices().addNewResult().withRequest("apqn")
                .withDriver("apqn.dev").withPool(n.name()).withDevice(n.mdev().toString()).endResult().endDevices().endAllocation()
                .addNewReservedFor().withResource("pods").withName(pod).withUid(UUID.randomUUID().toString()).endReservedFor()
                .build());
        return admin.resource(c).updateStatus();
    }

    /** The IOMMU group the simulated kernel put the mdev in, from /sys/kernel/iommu_groups/N/devices/<uuid>. */
    static int iommuGroupOf(Node n) throws Exception {
        SimSysfs sysfs = new SimSysfs(n.kernel());
        for (String g : sysfs.list("/sys/kernel/iommu_groups")) {
            if (sysfs.exists("/sys/kernel/iommu_groups/" + g + "/devices/" + n.mdev())) {
                return Integer.parseInt(g);
            }
        }
        throw new AssertionError("mdev " + n.mdev() + " is in no IOMMU group");
    }

    static Path cdiFile(Node n, String claimUid) {
        return n.dirs().cdiDir().resolve("apqn.dev-" + claimUid + ".json");
    }

    // --------------------------------------------------------------------------------------------

    @Test
    void theKubeletRegistersThePluginAndPreparesAClaimOnceEvenAcrossAnAgentRestart() throws Exception {
        Node n = readyNode("vm-a");
        Path reg = n.dirs().registrationSocket();
        Path endpoint = n.dirs().draSocket();

        PluginInfo info = kubelet.getInfo(reg);
        assertThat(info.getType()).isEqualTo("DRAPlugin");
        assertThat(info.getName()).isEqualTo("apqn.dev");
        assertThat(info.getEndpoint()).isEqualTo(endpoint.toString());
        assertThat(info.getSupportedVersionsList()).containsExactly("v1.DRAPlugin", "v1beta1.DRAPlugin");
        kubelet.notifyRegistered(reg);
        assertThat(Files.getPosixFilePermissions(reg)).extracting(Object::toString).containsExactlyInAnyOrder("OWNER_READ", "OWNER_WRITE");

        ResourceClaim claim = allocatedClaim(teamA, "vm-a-apqn", n, "virt-launcher-vm-a-x7k2p");
        String uid = claim.getMetadata().getUid();
        NodePrepareResourceResponse prepared = kubelet.prepare(endpoint, teamA, "vm-a-apqn", uid);

        assertThat(prepared.getError()).isEmpty();
        assertThat(prepared.getDevicesList()).containsExactly(Device.newBuilder().addRequestNames("apqn").setPoolName(n.name())
                .setDeviceName(n.mdev().toString()).addCdiDeviceIds("apqn.dev/mdev=" + uid).build());

        // the CDI spec: the mdev's VFIO group and container, and the metadata mount where KubeVirt reads it
        JsonNode spec = JSON.readTree(cdiFile(n, uid).toFile());
        assertThat(spec.path("kind").asText()).isEqualTo("apqn.dev/mdev");
        assertThat(spec.path("devices")).hasSize(1);
        JsonNode device = spec.path("devices").get(0);
        assertThat(device.path("name").asText()).isEqualTo(uid);
        assertThat(device.path("containerEdits").path("deviceNodes").findValuesAsText("path"))
                .containsExactly("/dev/vfio/" + iommuGroupOf(n), "/dev/vfio/vfio");
        JsonNode mount = device.path("containerEdits").path("mounts").get(0);
        assertThat(mount.path("containerPath").asText())
                .isEqualTo("/var/run/kubernetes.io/dra-device-attributes/resourceclaims/vm-a-apqn");
        JsonNode metadata = JSON.readTree(Path.of(mount.path("hostPath").asText()).resolve("apqn/apqn.dev-metadata.json").toFile());
        assertThat(metadata.path("apiVersion").asText()).isEqualTo("metadata.resource.k8s.io/v1alpha1");
        assertThat(metadata.path("requests").get(0).path("name").asText()).isEqualTo("apqn");
        assertThat(metadata.path("requests").get(0).path("devices")).hasSize(1);
        assertThat(metadata.path("requests").get(0).path("devices").get(0).path("attributes").path("mdevUUID").path("string").asText())
                .isEqualTo(n.mdev().toString());

        // idempotent: the kubelet asks again (after its own restart), through either version of the service
        String specText = Files.readString(cdiFile(n, uid));
        assertThat(kubelet.prepare(endpoint, teamA, "vm-a-apqn", uid)).isEqualTo(prepared);
        assertThat(kubelet.prepareV1beta1(endpoint, teamA, "vm-a-apqn", uid)).isEqualTo(prepared);
        assertThat(Files.readString(cdiFile(n, uid))).isEqualTo(specText);

        // the reservation's consumers, in the agent's status
        awaitState(admin, n.name(), s -> sync(s, n.reservation()).map(r -> r.getConsumers() != null).orElse(false));
        List<Consumer> consumers = sync(AgentItSupport.get(admin, n.name()), n.reservation()).orElseThrow().getConsumers();
        assertThat(consumers).hasSize(1);
        assertThat(consumers.get(0).getClaim()).isEqualTo(teamA + "/vm-a-apqn");
        assertThat(consumers.get(0).getClaimUID()).isEqualTo(uid);
        assertThat(consumers.get(0).getPod()).isEqualTo(teamA + "/virt-launcher-vm-a-x7k2p");
        assertThat(consumers.get(0).getSince()).isNotBlank();

        // releasing the reservation waits while the claim is prepared
        writeSpec(admin, n.name(), HostTarget.empty(OwnershipMode.MASKS, n.target().inventoryGeneration()));
        awaitState(admin, n.name(), s -> syncIs(s, n.reservation(), ReservationSync.State.InUse));
        assertThat(sync(AgentItSupport.get(admin, n.name()), n.reservation()).orElseThrow().getMessage())
                .contains("ResourceClaim " + teamA + "/vm-a-apqn");
        assertThat(n.kernel().mdevUuids()).contains(n.mdev().toString());

        // the agent restarts (its plugin too) between prepare and unprepare
        agents.remove(0).close();
        assertThat(reg).as("the registration socket goes with the plugin (the kubelet deregisters it)").doesNotExist();
        startAgent(n);
        assertThat(kubelet.getInfo(reg).getEndpoint()).isEqualTo(endpoint.toString());

        assertThat(kubelet.unprepare(endpoint, teamA, "vm-a-apqn", uid).getError()).isEmpty();
        assertThat(cdiFile(n, uid)).doesNotExist();
        assertThat(Path.of(mount.path("hostPath").asText())).doesNotExist();
        assertThat(Files.readString(n.ledgerDir().resolve("dra-claims.json"))).doesNotContain(uid);

        // the mdev is free now: the release goes through
        await().atMost(WAIT).until(() -> n.kernel().mdevUuids().isEmpty());
        assertThat(kubelet.unprepare(endpoint, teamA, "never-prepared", UUID.randomUUID().toString()).getError())
                .as("unprepare of a claim the plugin does not know succeeds").isEmpty();
    }

    @Test
    void aClaimFromAnotherNamespaceIsRefusedUntilTheReservationAdmitsIt() throws Exception {
        Node n = readyNode("vm-b");
        Path endpoint = n.dirs().draSocket();
        ResourceClaim claim = allocatedClaim(teamB, "borrowed", n, "intruder");
        String uid = claim.getMetadata().getUid();

        NodePrepareResourceResponse refused = kubelet.prepare(endpoint, teamB, "borrowed", uid);

        assertThat(refused.getError())
                .contains("ResourceClaim " + teamB + "/borrowed may not use device " + n.mdev())
                .contains("APQNReservation " + teamA + "/vm-b")
                .contains("admits ResourceClaims of namespace " + teamA + " only")
                .contains("add \"" + teamB + "\" to spec.claimNamespaces of APQNReservation " + teamA + "/vm-b");
        assertThat(refused.getDevicesList()).isEmpty();
        assertThat(cdiFile(n, uid)).doesNotExist();

        admin.resources(APQNReservation.class).inNamespace(teamA).withName("vm-b")
                .edit(r -> {
                    r.getSpec().setClaimNamespaces(List.of(teamB));
                    return r;
                });
        NodePrepareResourceResponse admitted = kubelet.prepare(endpoint, teamB, "borrowed", uid);
        assertThat(admitted.getError()).isEmpty();
        assertThat(admitted.getDevicesList()).extracting(Device::getDeviceName).containsExactly(n.mdev().toString());
        assertThat(cdiFile(n, uid)).exists();
        assertThat(kubelet.unprepare(endpoint, teamB, "borrowed", uid).getError()).isEmpty();
        assertThat(cdiFile(n, uid)).doesNotExist();
    }
}
