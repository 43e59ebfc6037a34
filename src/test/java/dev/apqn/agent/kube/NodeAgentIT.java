package dev.apqn.agent.kube;

import static dev.apqn.agent.kube.AgentItSupport.WAIT;
import static dev.apqn.agent.kube.AgentItSupport.awaitInventoryGeneration;
import static dev.apqn.agent.kube.AgentItSupport.awaitState;
import static dev.apqn.agent.kube.AgentItSupport.claimed;
import static dev.apqn.agent.kube.AgentItSupport.condition;
import static dev.apqn.agent.kube.AgentItSupport.createNodeState;
import static dev.apqn.agent.kube.AgentItSupport.get;
import static dev.apqn.agent.kube.AgentItSupport.maskPlan;
import static dev.apqn.agent.kube.AgentItSupport.mdev;
import static dev.apqn.agent.kube.AgentItSupport.offHost;
import static dev.apqn.agent.kube.AgentItSupport.sync;
import static dev.apqn.agent.kube.AgentItSupport.syncIs;
import static dev.apqn.agent.kube.AgentItSupport.writeSpec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.apqn.ap.ApMask;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.Matrix;
import dev.apqn.apbus.sim.SimKernel;
import dev.apqn.api.v1alpha1.APNodeState;
import dev.apqn.api.v1alpha1.APQNReservation;
import dev.apqn.api.v1alpha1.MdevStatus;
import dev.apqn.api.v1alpha1.ReservationSync;
import dev.apqn.plan.HostTarget;
import dev.apqn.plan.MdevTarget;
import dev.apqn.plan.OwnershipMode;
import dev.apqn.status.Conditions;
import dev.apqn.status.Reason;
import dev.apqn.testing.LocalControlPlane;
import dev.apqn.testing.WithKubeApiServer;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node agent on a real API server, running in the test JVM over simulated kernels, with a
 * client impersonating its service account bound to exactly the chart's agent RBAC (charts/apqn-operator/templates/rbac-agent.yaml).
 * The test plays the controller: it creates each node's APNodeState and writes its spec with
 * {@code HostTargetMapper}, then checks the status the agent writes and the kernel's own state.
 * Every test uses its own node (a fresh simulated kernel from the mask-mode-apconfig profile).
 */
@WithKubeApiServer(crds = "crds")
class NodeAgentIT {

    static final String PROFILE = "mask-mode-apconfig";
    static String ns;
    static KubernetesClient admin;
    static KubernetesClient agentClient;
    static AgentFleet fleet;
    @TempDir
    static Path state;

    @BeforeAll
    static void agents(LocalControlPlane cp) {
        ns = cp.createNamespace("agent");
        admin = cp.adminClient();
        agentClient = AgentItSupport.agentClient(cp, ns);
        fleet = AgentFleet.create(agentClient, AgentItSupport.settings(ns), 4, state);
    }

    @AfterAll
    static void stop() {
        if (fleet != null) {
            fleet.close();
        }
    }

    static String node(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 6);
    }

    /** Node, kernel and a Ready reservation of adapter 5 x domains 4,6 for {@code owner}. */
    record Reserved(String node, SimKernel kernel, UUID uuid, String owner, HostTarget target) {
    }

    static Reserved reserveAndAwaitReady(String prefix) {
        String node = node(prefix);
        SimKernel kernel = fleet.addSimulatedNode(node, PROFILE);
        createNodeState(admin, node);
        long gen = awaitInventoryGeneration(admin, node);
        UUID uuid = UUID.randomUUID();
        String owner = "team-a/" + prefix;
        HostTarget target = maskPlan(kernel, gen, mdev(uuid, owner, new int[] {5}, new int[] {4, 6}));
        writeSpec(admin, node, target);
        awaitState(admin, node, s -> syncIs(s, owner, ReservationSync.State.Ready) && condition(s, Conditions.READY, "True"));
        return new Reserved(node, kernel, uuid, owner, target);
    }

    static void assertHolds(Reserved r) {
        SimKernel k = r.kernel();
        Matrix guest = k.mdevShadow(r.uuid().toString()).orElseThrow();
        assertThat(new TreeSet<>(guest.apqns())).as("guest_matrix holds exactly the reserved APQNs")
                .containsExactly(Apqn.of(5, 4), Apqn.of(5, 6));
        assertThat(k.aqmask().get(4) || k.aqmask().get(6)).as("aqmask bits 4 and 6 cleared").isFalse();
        assertThat(offHost(k)).as("off host == claims").isEqualTo(claimed(k, r.target()));
        assertThat(k.mdevUuids()).containsExactly(r.uuid().toString());
    }

    // --------------------------------------------------------------------------------------------

    @Test
    void theAgentRoleNeverTouchesReservationsAndWorksAnyway() {
        assertThatThrownBy(() -> agentClient.resources(APQNReservation.class).inAnyNamespace().list())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));
        assertThatThrownBy(() -> agentClient.resources(APQNReservation.class).inNamespace(ns).list())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));
        // one by name it may read (dra.enabled: the kubelet plugin checks a claim's namespace against it), never write
        assertThat(agentClient.resources(APQNReservation.class).inNamespace(ns).withName("any").get()).isNull();
        var reservation = new APQNReservation();
        reservation.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName("any").withNamespace(ns).build());
        assertThatThrownBy(() -> agentClient.resource(reservation).create())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));
        // nor spec: the status subresource only
        assertThatThrownBy(() -> agentClient.resources(APNodeState.class).withName("x").edit(s -> s))
                .isInstanceOf(KubernetesClientException.class);

        Reserved r = reserveAndAwaitReady("rbac");
        assertHolds(r);
        APNodeState s = get(admin, r.node());
        assertThat(s.getMetadata().getManagedFields()).anySatisfy(f -> {
            assertThat(f.getManager()).isEqualTo(AgentSettings.FIELD_MANAGER);
            assertThat(f.getSubresource()).isEqualTo("status");
            // written whole (WholeWrites) into an atomic status: one field owned, not every leaf
            assertThat(f.getOperation()).isEqualTo("Update");
            assertThat(f.getFieldsV1().getAdditionalProperties()).containsOnlyKeys("f:status");
            assertThat(f.getFieldsV1().getAdditionalProperties().get("f:status")).isEqualTo(java.util.Map.of());
        });
    }

    @Test
    void specToReadyThenRemovalReleasesAndMasksComeBack() {
        Reserved r = reserveAndAwaitReady("ready");
        assertHolds(r);
        APNodeState s = get(admin, r.node());
        MdevStatus m = s.getStatus().getMdevs().stream().filter(x -> x.getUuid().equals(r.uuid().toString())).findFirst().orElseThrow();
        assertThat(m.getOwned()).isTrue();
        assertThat(m.getReservation()).isEqualTo(r.owner());
        assertThat(m.getGuestMatrix().getAdapters()).isEqualTo("5");
        assertThat(m.getGuestMatrix().getDomains()).isEqualTo("4,6");
        assertThat(sync(s, r.owner()).orElseThrow().getAppliedHash()).isEqualTo(s.getSpec().getHostEdits().getHash());
        assertThat(s.getStatus().getHostConfig().getDomainsOffHostByOperator()).isEqualTo("4,6");
        assertThat(s.getStatus().getObservedGeneration()).isEqualTo(s.getMetadata().getGeneration());
        assertThat(s.getStatus().getLedger().getOpen()).isZero();
        assertThat(s.getStatus().getReservedApqns()).isEqualTo(2);

        try (var rec = new AgentItSupport.Recorder(admin, r.node())) {
            writeSpec(admin, r.node(), HostTarget.empty(OwnershipMode.MASKS, r.target().inventoryGeneration()));
            await().atMost(WAIT).until(() -> rec.any(x -> syncIs(x, r.owner(), ReservationSync.State.Released)));
            awaitState(admin, r.node(), x -> condition(x, Conditions.READY, "True") && x.getStatus().getReservations() == null);
        }
        assertThat(r.kernel().mdevUuids()).isEmpty();
        assertThat(r.kernel().aqmask()).isEqualTo(ApMask.all());
        assertThat(offHost(r.kernel())).isEmpty();
        assertThat(get(admin, r.node()).getStatus().getHostConfig().getDomainsOffHostByOperator()).isNull();
    }

    @Test
    void leaseIsCreatedBeforeTheNodeStateExistsAndRenewed() {
        String node = node("lease");
        fleet.addSimulatedNode(node, PROFILE);
        var leases = admin.resources(Lease.class).inNamespace(ns).withName(AgentLease.name(node));
        await().atMost(WAIT).until(() -> leases.get() != null);
        Lease first = leases.get();
        assertThat(AgentLease.name(node)).isEqualTo("apqn-agent-" + node);
        assertThat(first.getSpec().getHolderIdentity()).startsWith("it-agent_" + node + "_");
        assertThat(first.getSpec().getLeaseDurationSeconds()).isEqualTo(5);
        ZonedDateTime renewed = first.getSpec().getRenewTime();
        await().atMost(WAIT).until(() -> leases.get().getSpec().getRenewTime().isAfter(renewed));
        assertThat(get(admin, node)).as("the agent never creates its APNodeState").isNull();

        // a fresh agent instance takes the Lease over
        String holder = first.getSpec().getHolderIdentity();
        fleet.restartAgent(node);
        await().atMost(WAIT).until(() -> !leases.get().getSpec().getHolderIdentity().equals(holder));
        assertThat(leases.get().getSpec().getLeaseTransitions()).isEqualTo(1);

        createNodeState(admin, node);
        APNodeState s = awaitState(admin, node, x -> x.getStatus().getInventoryGeneration() != null);
        assertThat(s.getStatus().getAgent().getIdentity()).isEqualTo(leases.get().getSpec().getHolderIdentity());
        assertThat(s.getStatus().getAgent().getLease()).isEqualTo(ns + "/" + AgentLease.name(node));
        assertThat(condition(s, Conditions.READY, "Unknown")).as("not planned yet").isTrue();
        assertThat(s.getStatus().getCards()).hasSize(4);
    }

    @Test
    void statusIsWrittenOnlyWhenItChanges() throws InterruptedException {
        Reserved r = reserveAndAwaitReady("idle");
        NodeAgent agent = fleet.agent(r.node());
        // let the passes after Ready settle (transient entries drop on the next pass)
        await().atMost(WAIT).pollDelay(Duration.ofSeconds(1)).until(() -> {
            String rv = get(admin, r.node()).getMetadata().getResourceVersion();
            Thread.sleep(1000);
            return rv.equals(get(admin, r.node()).getMetadata().getResourceVersion());
        });
        String rv = get(admin, r.node()).getMetadata().getResourceVersion();
        long passes = agent.passes();
        long writes = agent.statusWrites();
        Thread.sleep(3000); // 10 resync periods
        System.out.printf("idle node %s: %d passes, %d status writes in 3 s%n", r.node(), agent.passes() - passes,
                agent.statusWrites() - writes);
        assertThat(agent.passes() - passes).as("resync passes ran").isGreaterThanOrEqualTo(3);
        assertThat(agent.statusWrites()).as("no status write while idle").isEqualTo(writes);
        assertThat(get(admin, r.node()).getMetadata().getResourceVersion()).isEqualTo(rv);
    }

    @Test
    void aHandEditOfTheMaskIsDriftedThenRepaired() {
        Reserved r = reserveAndAwaitReady("drift");
        try (var rec = new AgentItSupport.Recorder(admin, r.node())) {
            // an admin takes domain 6 out of the mdev and gives it back to the host by hand
            r.kernel().unassign(r.uuid().toString(), SimKernel.Resource.DOMAIN, "6");
            r.kernel().writeAqmask("+6");
            await().atMost(WAIT).until(() -> rec.any(x -> condition(x, Conditions.DRIFTED, "True")));
            var drifted = rec.seen.stream().filter(x -> x.getStatus() != null && condition(x, Conditions.DRIFTED, "True"))
                    .findFirst().orElseThrow();
            var c = Conditions.find(drifted.getStatus().getConditions(), Conditions.DRIFTED).orElseThrow();
            System.out.println("Drifted: " + c.getReason() + ": " + c.getMessage());
            assertThat(c.getReason()).isIn(Reason.MaskChangedOutside.name(), Reason.MdevChangedOutside.name());
            assertThat(c.getMessage()).contains("aqmask bits 6");
            // the reservation itself is reported Drifted (repaired) for the pass that found it, then Ready again
            await().atMost(WAIT).until(() -> rec.any(x -> syncIs(x, r.owner(), ReservationSync.State.Drifted)));
            awaitState(admin, r.node(), x -> condition(x, Conditions.DRIFTED, "False") && condition(x, Conditions.READY, "True"));
        }
        assertHolds(r);
        // the story is told as a Warning event on the node state (recorded under the agent's RBAC)
        await().atMost(WAIT).until(() -> admin.v1().events().inNamespace(AgentEvents.NAMESPACE).list().getItems().stream()
                .anyMatch(e -> r.node().equals(e.getInvolvedObject().getName()) && "Warning".equals(e.getType())
                        && Reason.MaskChangedOutside.name().equals(e.getReason())));
    }

    @Test
    void aCrashInTheMiddleOfAConvergeIsFinishedByAFreshAgent() throws Exception {
        // a first converge here makes three host writes: aqmask, create the mdev, ap_config
        for (String point : new String[] {"1-after", "2-before", "2-after", "3-before", "3-after"}) {
            int crashAt = Integer.parseInt(point.substring(0, 1));
            boolean before = point.endsWith("before");
            String node = node("crash" + crashAt + (before ? "b" : "a"));
            SimKernel kernel = fleet.addSimulatedNode(node, PROFILE);
            createNodeState(admin, node);
            long gen = awaitInventoryGeneration(admin, node);
            var crash = new AgentItSupport.CrashAfterWrite[1];
            fleet.restartAgent(node, sysfs -> crash[0] = new AgentItSupport.CrashAfterWrite(sysfs, crashAt, before));
            UUID uuid = UUID.randomUUID();
            String owner = "team-c/crash" + crashAt;
            MdevTarget m = mdev(uuid, owner, new int[] {5}, new int[] {4, 6});
            HostTarget target = maskPlan(kernel, gen, m);
            writeSpec(admin, node, target);
            assertThat(crash[0].crashed.await(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            System.out.println("node " + node + ": agent crashed at write " + crashAt + ", " + crash[0].crashedAfter);

            NodeAgent fresh = fleet.restartAgent(node); // only the kernel, the ledger dir and the API server survive
            APNodeState s = awaitState(admin, node, x -> syncIs(x, owner, ReservationSync.State.Ready)
                    && condition(x, Conditions.READY, "True") && x.getStatus().getLedger().getOpen() == 0);
            assertHolds(new Reserved(node, kernel, uuid, owner, target));
            assertThat(s.getStatus().getLedger().getRecoveredAtStart()).as("the open intent of the crashed write").isEqualTo(1);
            // the in-flight estimate was recorded with the take's intent: the fresh agent reports it too
            assertThat(sync(s, owner).orElseThrow().getInFlightAtTakeover()).as("inFlightAtTakeover after a crash at %s", point)
                    .isEqualTo(0);
            assertThat(fresh.passes()).isPositive();
            fleet.stopAgent(node);
        }
    }

    @Test
    void afterANodeRebootTheAgentRestoresWithRestoringThenReady() {
        Reserved r = reserveAndAwaitReady("reboot");
        try (var rec = new AgentItSupport.Recorder(admin, r.node())) {
            r.kernel().reboot();
            await().atMost(WAIT).until(() -> rec.any(x -> condition(x, Conditions.RESTORING, "True")));
            var restoring = rec.seen.stream().filter(x -> x.getStatus() != null && condition(x, Conditions.RESTORING, "True"))
                    .findFirst().orElseThrow();
            assertThat(Conditions.find(restoring.getStatus().getConditions(), Conditions.RESTORING).orElseThrow().getReason())
                    .isEqualTo(Reason.RecoveringIntent.name());
            awaitState(admin, r.node(), x -> condition(x, Conditions.RESTORING, "False") && condition(x, Conditions.READY, "True")
                    && syncIs(x, r.owner(), ReservationSync.State.Ready));
            // the reservation itself went through Restoring (announced before anything was re-created)
            assertThat(rec.any(x -> syncIs(x, r.owner(), ReservationSync.State.Restoring))).isTrue();
        }
        assertHolds(r);
    }

    @Test
    void aRunningGuestBlocksReleaseUntilItStops() {
        Reserved r = reserveAndAwaitReady("guest");
        r.kernel().attachGuest(r.uuid().toString(), "vm-1");
        writeSpec(admin, r.node(), HostTarget.empty(OwnershipMode.MASKS, r.target().inventoryGeneration()));
        APNodeState s = awaitState(admin, r.node(), x -> syncIs(x, r.owner(), ReservationSync.State.InUse)
                && condition(x, Conditions.IN_USE, "True"));
        assertThat(sync(s, r.owner()).orElseThrow().getReason()).isEqualTo(Reason.GuestRunning);
        assertThat(condition(s, Conditions.READY, "False")).isTrue();
        assertThat(r.kernel().mdevUuids()).containsExactly(r.uuid().toString());
        assertThat(r.kernel().guestView("vm-1").orElseThrow().apqns()).contains(Apqn.of(5, 4), Apqn.of(5, 6));

        try (var rec = new AgentItSupport.Recorder(admin, r.node())) {
            r.kernel().detachGuest("vm-1");
            await().atMost(WAIT).until(() -> rec.any(x -> syncIs(x, r.owner(), ReservationSync.State.Released)));
            awaitState(admin, r.node(), x -> condition(x, Conditions.IN_USE, "False") && condition(x, Conditions.READY, "True"));
        }
        assertThat(r.kernel().mdevUuids()).isEmpty();
        assertThat(r.kernel().aqmask()).isEqualTo(ApMask.all());
        assertThat(offHost(r.kernel())).isEmpty();
    }
}
