package dev.apqn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apqn.agent.DrainPolicy;
import dev.apqn.agent.kube.AgentRuntime;
import dev.apqn.agent.kube.AgentSettings;
import dev.apqn.agent.kube.HostAccess;
import dev.apqn.agent.kube.NodeAgent;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.Matrix;
import dev.apqn.apbus.Sysfs;
import dev.apqn.apbus.SysfsApBus;
import dev.apqn.apbus.SysfsException;
import dev.apqn.apbus.sim.MachineProfiles;
import dev.apqn.apbus.sim.SimKernel;
import dev.apqn.apbus.sim.SimSysfs;
import dev.apqn.api.v1alpha1.APNodeState;
import dev.apqn.api.v1alpha1.APQNReservation;
import dev.apqn.api.v1alpha1.HostTargetMapper;
import dev.apqn.api.v1alpha1.MdevUuids;
import dev.apqn.api.v1alpha1.NodeMdev;
import dev.apqn.api.v1alpha1.Phase;
import dev.apqn.app.ApqnConfigs;
import dev.apqn.controller.ControllerOperator;
import dev.apqn.controller.ControllerSettings;
import dev.apqn.plan.HostTarget;
import dev.apqn.plan.OffHostClaim;
import dev.apqn.status.Conditions;
import dev.apqn.testing.ChartRbac;
import dev.apqn.testing.LocalControlPlane;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.javaoperatorsdk.operator.Operator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.UnaryOperator;

/**
 * The whole operator in this JVM against the one real API server: the controller (a plain JOSDK
 * {@link Operator} with the production reconcilers, as {@code apqn.role=controller} starts it) and one
 * simulated {@link NodeAgent} per node (a {@link SimKernel} booted from a shipped machine profile, its
 * virtual sysfs, a ledger directory standing for the node's tmpfs), acting under the agent's RBAC
 * (the chart's agent RBAC (charts/apqn-operator/templates/rbac-agent.yaml), bound to a service account of this cluster's system namespace).
 *
 * <p>Each test class starts its own cluster: its own system namespace (agent Leases), its own Node
 * objects (labelled {@code kubernetes.io/arch=s390x} and with this cluster's id, which is the
 * controller's node selector, so clusters of other classes never see them). {@link #close()} deletes
 * the cluster's reservations and Nodes (the controller releases what is left), stops the agents and the
 * controller.
 */
final class E2eCluster implements AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(60);
    static final String CLUSTER_LABEL = "apqn.e2e/cluster";
    static final String KIND_LABEL = "apqn.e2e/kind";
    static final String SA = "apqn-agent";

    /** The three kinds of node the issue names, each with its shipped profile and demo node name. */
    enum Kind {
        LEGACY("legacy", "demo-z15"),
        MASK("mask-mode-apconfig", "demo-z16"),
        OVERRIDE("override-mode", "demo-z17");

        final String profile;
        final String demoName;

        Kind(String profile, String demoName) {
            this.profile = profile;
            this.demoName = demoName;
        }

        boolean legacy() {
            return this == LEGACY;
        }
    }

    /** One simulated node: what survives an agent crash (kernel, sysfs, ledger dir, lock) and its current agent. */
    final class SimNode {
        final String name;
        final String profile;
        final SimKernel kernel;
        final SimSysfs sysfs;
        final Path ledgerDir;
        final Path lockFile;
        final String bootApmask;
        final String bootAqmask;
        final SortedSet<Apqn> bootOffHost;
        final SortedSet<String> bootMdevs;
        volatile NodeAgent agent;
        volatile AgentRuntime ownRuntime;

        SimNode(String name, String profile) {
            this.name = name;
            this.profile = profile;
            this.kernel = SimKernel.boot(MachineProfiles.resolve(profile), name.hashCode());
            this.sysfs = new SimSysfs(kernel);
            Path dir = stateRoot.resolve(name);
            this.ledgerDir = dir.resolve("run/apqn-agent");
            this.lockFile = dir.resolve("run/lock/s390apconfig.lock");
            try {
                Files.createDirectories(lockFile.getParent());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            this.bootApmask = read("/sys/bus/ap/apmask");
            this.bootAqmask = read("/sys/bus/ap/aqmask");
            this.bootOffHost = offHost();
            this.bootMdevs = new TreeSet<>(kernel.mdevUuids());
        }

        String read(String path) {
            try {
                return sysfs.read(path).strip();
            } catch (SysfsException e) {
                throw new AssertionError("cannot read " + path + " on " + name + ": " + e.getMessage(), e);
            }
        }

        /** Queue devices not bound to the host's zcrypt driver, read through the node's sysfs (driver links). */
        SortedSet<Apqn> offHost() {
            SortedSet<Apqn> out = new TreeSet<>();
            for (Apqn q : kernel.queueDevices()) {
                Optional<String> link;
                try {
                    link = sysfs.readLink(String.format("/sys/devices/ap/card%02x/%s/driver", q.adapter(), q));
                } catch (SysfsException e) {
                    throw new AssertionError(e);
                }
                if (link.isEmpty() || !link.get().endsWith("/cex4queue")) {
                    out.add(q);
                }
            }
            return out;
        }

        /** What the guest gets: guest_matrix (legacy kernels without it: matrix), read from the mdev's sysfs files. */
        Optional<Matrix> guestMatrix(String uuid) {
            String dir = "/sys/devices/vfio_ap/matrix/" + uuid;
            try {
                if (!sysfs.exists(dir)) {
                    return Optional.empty();
                }
                String file = sysfs.exists(dir + "/guest_matrix") ? "/guest_matrix" : "/matrix";
                return Optional.of(Matrix.parseMatrixText(sysfs.read(dir + file)));
            } catch (SysfsException e) {
                throw new AssertionError(e);
            }
        }

        SortedSet<Apqn> guestApqns(String uuid) {
            return guestMatrix(uuid).map(m -> (SortedSet<Apqn>) new TreeSet<>(m.apqns())).orElse(new TreeSet<>());
        }
    }

    private final LocalControlPlane cp;
    final KubernetesClient admin;
    final String id;
    final String system;
    private final Path stateRoot;
    private final KubernetesClient agentClient;
    private final AgentRuntime runtime;
    private final AgentSettings agentSettings;
    private final Operator controller;
    private final Map<String, SimNode> nodes = new LinkedHashMap<>();
    private final List<String> namespaces = new ArrayList<>();

    private E2eCluster(LocalControlPlane cp, String id) {
        this.cp = cp;
        this.admin = cp.adminClient();
        this.id = id;
        this.system = cp.createNamespace("apqn-sys-" + id);
        try {
            this.stateRoot = Files.createTempDirectory("apqn-e2e-" + id);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.agentClient = agentRbac();
        this.agentSettings = ApqnConfigs.agentDefaults().withIdentity("e2e-agent").withLeaseNamespace(system)
                .withLease(Duration.ofSeconds(3), Duration.ofMillis(500))
                .withResyncPeriod(Duration.ofMillis(300)).withRetryDelay(Duration.ofMillis(200))
                .withDrain(DrainPolicy.waitBounded(Duration.ofMillis(300)).withPollInterval(Duration.ofMillis(20)));
        this.runtime = AgentRuntime.forAgents(agentClient, agentSettings, 4);
        ControllerSettings cs = new ControllerSettings(system, 3, Duration.ofSeconds(1),
                Map.of("kubernetes.io/arch", "s390x", CLUSTER_LABEL, id), Duration.ofSeconds(30), false,
                ControllerSettings.DEFAULT_LEADER_LEASE, system, Duration.ofSeconds(15), Duration.ofSeconds(10),
                Duration.ofSeconds(2), "e2e-controller-" + id, Duration.ofSeconds(3), Duration.ofMillis(150));
        this.controller = ControllerOperator.create(admin, cs, false);
        this.controller.start();
    }

    /** A started cluster: controller running, no nodes yet. */
    static E2eCluster start(LocalControlPlane cp, String id) {
        return new E2eCluster(cp, id + "-" + UUID.randomUUID().toString().substring(0, 4));
    }

    // ------------------------------------------------------------------ RBAC and clients

    private KubernetesClient agentRbac() {
        admin.serviceAccounts().inNamespace(system).resource(new ServiceAccountBuilder()
                .withNewMetadata().withName(SA).endMetadata().build()).create();
        ChartRbac.apply(admin, system, ChartRbac.Role.agent);
        KubernetesClient c = agentClientWith(null);
        await().atMost(WAIT).ignoreExceptions().until(() -> {
            c.resources(Lease.class).inNamespace(system).withName("probe").get();
            c.resources(APNodeState.class).withField(NodeAgent.NAME_FIELD, "probe").list();
            return true;
        });
        return c;
    }

    /** A client acting as the agent's service account; {@code hook} (may be null) sees every request. */
    KubernetesClient agentClientWith(Interceptor hook) {
        Config config = Config.fromKubeconfig(cp.kubeconfigYaml());
        config.setImpersonateUsername("system:serviceaccount:" + system + ":" + SA);
        config.setImpersonateGroups("system:serviceaccounts", "system:serviceaccounts:" + system);
        var b = new KubernetesClientBuilder().withConfig(config);
        if (hook != null) {
            b.withHttpClientBuilderConsumer(h -> h.addOrReplaceInterceptor("apqn-e2e-crash", hook));
        }
        return b.build();
    }

    // ------------------------------------------------------------------ nodes and agents

    /** A Node of the given kind (named {@code <demo name>-<tag>-<random>}), its simulated kernel and a started agent. */
    SimNode node(Kind kind, String tag) {
        return node(kind.profile, kind.demoName + "-" + tag, Map.of(KIND_LABEL, kind.name().toLowerCase()), true);
    }

    /** A Node booted from {@code profile}; {@code withAgent} false leaves it without any agent. */
    SimNode node(String profile, String prefix, Map<String, String> labels, boolean withAgent) {
        String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 4);
        Map<String, String> l = new HashMap<>(labels);
        l.put("kubernetes.io/arch", "s390x");
        l.put("kubernetes.io/hostname", name);
        l.put(CLUSTER_LABEL, id);
        admin.nodes().resource(new NodeBuilder().withNewMetadata().withName(name).withLabels(l).endMetadata().build()).create();
        SimNode n = new SimNode(name, profile);
        synchronized (nodes) {
            nodes.put(name, n);
        }
        if (withAgent) {
            startAgent(n, UnaryOperator.identity(), null);
            awaitReported(n);
        }
        return n;
    }

    /** Waits until the controller created the node's APNodeState and the agent reported its inventory. */
    void awaitReported(SimNode n) {
        await().atMost(WAIT).until(() -> {
            APNodeState s = nodeState(n.name);
            return s != null && s.getStatus() != null && s.getStatus().getInventoryGeneration() != null;
        });
    }

    /**
     * Starts a fresh agent instance on the node (the old one, if any, is closed first: a crash leaves
     * only the kernel, the ledger directory and the API server). {@code decorate} wraps its sysfs; a
     * non-null {@code hook} gives it its own client and runtime with that interceptor.
     */
    NodeAgent startAgent(SimNode n, UnaryOperator<Sysfs> decorate, Interceptor hook) {
        stopAgent(n);
        AgentRuntime rt = runtime;
        if (hook != null) {
            rt = new AgentRuntime(agentClientWith(hook), agentSettings, 1, 1, true);
            n.ownRuntime = rt;
        }
        NodeAgent a = new NodeAgent(rt, n.name, new SysfsApBus(decorate.apply(n.sysfs)), n.ledgerDir,
                HostAccess.simulated(n.kernel, n.name, n.lockFile));
        n.agent = a;
        return a.start();
    }

    NodeAgent restartAgent(SimNode n) {
        return startAgent(n, UnaryOperator.identity(), null);
    }

    void stopAgent(SimNode n) {
        NodeAgent a = n.agent;
        n.agent = null;
        if (a != null) {
            a.close();
        }
        AgentRuntime own = n.ownRuntime;
        n.ownRuntime = null;
        if (own != null) {
            own.close();
        }
    }

    // ------------------------------------------------------------------ reservations

    String namespace(String prefix) {
        String ns = cp.createNamespace(prefix);
        namespaces.add(ns);
        return ns;
    }


    APQNReservation create(APQNReservation r) {
        return admin.resource(r).create();
    }

    APQNReservation get(String ns, String name) {
        return admin.resources(APQNReservation.class).inNamespace(ns).withName(name).get();
    }

    APQNReservation edit(String ns, String name, java.util.function.UnaryOperator<APQNReservation> f) {
        return admin.resources(APQNReservation.class).inNamespace(ns).withName(name).edit(f);
    }

    void delete(String ns, String name) {
        admin.resources(APQNReservation.class).inNamespace(ns).withName(name).delete();
    }

    APQNReservation awaitPhase(String ns, String name, Phase phase) {
        try {
            await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
                var r = get(ns, name);
                return r != null && r.getStatus() != null && r.getStatus().getPhase() == phase;
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            var r = get(ns, name);
            throw new AssertionError(ns + "/" + name + " did not reach " + phase + "; status: "
                    + (r == null ? "gone" : io.fabric8.kubernetes.client.utils.Serialization.asYaml(r.getStatus())), e);
        }
        return get(ns, name);
    }

    void awaitGone(String ns, String name) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> get(ns, name) == null);
    }

    static String cond(APQNReservation r, String type) {
        return r == null || r.getStatus() == null ? "-" : Conditions.find(r.getStatus().getConditions(), type)
                .map(c -> c.getStatus() + "/" + c.getReason()).orElse("-");
    }

    static String uuid(APQNReservation r) {
        return MdevUuids.of(r).toString();
    }

    List<Event> events(String ns, String involvedName) {
        return admin.v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> involvedName.equals(e.getInvolvedObject().getName())).toList();
    }

    APNodeState nodeState(String node) {
        return admin.resources(APNodeState.class).withName(node).get();
    }

    static SortedSet<Apqn> apqns(List<Integer> adapters, List<Integer> domains) {
        SortedSet<Apqn> out = new TreeSet<>();
        adapters.forEach(a -> domains.forEach(d -> out.add(Apqn.of(a, d))));
        return out;
    }

    // ------------------------------------------------------------------ the invariant

    /**
     * The node is settled and the off-host accounting holds, read from the API server (spec, agent
     * status) and the node's sysfs: the agent observed the newest spec and has no open intent; the
     * queues off the host are exactly those off at boot (foreign) plus the spec's claims (reserved ∪
     * collateral ∪ kept ∪ admin); the mdevs are exactly the spec's plus those present at boot (no
     * orphan); each owned mdev holds exactly its planned matrix.
     */
    void assertInvariant(SimNode n) {
        APNodeState s = nodeState(n.name);
        assertThat(s).as("APNodeState of %s", n.name).isNotNull();
        assertThat(s.getStatus()).as("status of %s", n.name).isNotNull();
        assertThat(s.getStatus().getObservedGeneration()).as("agent observed the newest spec of %s", n.name)
                .isEqualTo(s.getMetadata().getGeneration());
        assertThat(s.getStatus().getLedger() == null ? 0 : s.getStatus().getLedger().getOpen())
                .as("open intents on %s", n.name).isZero();
        SortedSet<Apqn> claimed = new TreeSet<>();
        Optional<HostTarget> t = HostTargetMapper.fromSpec(s.getSpec());
        t.ifPresent(x -> x.claims().forEach(c -> claimed.addAll(c.apqns())));
        claimed.retainAll(n.kernel.queueDevices());
        SortedSet<Apqn> expected = new TreeSet<>(n.bootOffHost);
        expected.addAll(claimed);
        assertThat(n.offHost()).as("off-host APQNs on %s == boot ∪ reserved ∪ collateral ∪ kept ∪ admin (claims %s)",
                n.name, t.map(HostTarget::claims).orElse(List.of())).isEqualTo(expected);
        SortedSet<String> wantMdevs = new TreeSet<>(n.bootMdevs);
        if (s.getSpec() != null && s.getSpec().getMdevs() != null) {
            s.getSpec().getMdevs().forEach(m -> wantMdevs.add(m.getUuid()));
        }
        assertThat(new TreeSet<>(n.kernel.mdevUuids())).as("mdevs on %s (no orphan)", n.name).isEqualTo(wantMdevs);
        if (s.getSpec() != null && s.getSpec().getMdevs() != null) {
            for (NodeMdev m : s.getSpec().getMdevs()) {
                assertThat(n.kernel.mdevMatrix(m.getUuid()).map(x -> new TreeSet<>(x.apqns())).orElse(null))
                        .as("matrix of mdev %s (%s) on %s", m.getUuid(), m.getReservation(), n.name)
                        .isEqualTo(new TreeSet<>(m.getMatrix().toMatrix().apqns()));
            }
        }
    }

    /** Waits (bounded) until {@link #assertInvariant} holds. */
    void awaitInvariant(SimNode n) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> assertInvariant(n));
    }

    /** Everything back with the host: boot masks, boot off-host set, boot mdevs, read from sysfs. */
    void assertBackToBoot(SimNode n) {
        assertThat(n.read("/sys/bus/ap/apmask")).as("apmask of %s", n.name).isEqualTo(n.bootApmask);
        assertThat(n.read("/sys/bus/ap/aqmask")).as("aqmask of %s", n.name).isEqualTo(n.bootAqmask);
        assertThat(n.offHost()).as("off-host APQNs of %s", n.name).isEqualTo(n.bootOffHost);
        assertThat(new TreeSet<>(n.kernel.mdevUuids())).as("mdevs of %s", n.name).isEqualTo(n.bootMdevs);
        for (Apqn q : n.kernel.queueDevices()) {
            String override = String.format("/sys/devices/ap/card%02x/%s/driver_override", q.adapter(), q);
            if (n.sysfs.exists(override)) {
                assertThat(n.read(override)).as("driver_override of %s on %s", q, n.name).isIn("", "(null)");
            }
        }
    }

    void awaitBackToBoot(SimNode n) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> assertBackToBoot(n));
    }

    /** The claims of one kind in the node's spec. */
    SortedSet<Apqn> claims(SimNode n, OffHostClaim.Kind kind) {
        SortedSet<Apqn> out = new TreeSet<>();
        HostTargetMapper.fromSpec(nodeState(n.name).getSpec()).ifPresent(t -> t.claims().stream()
                .filter(c -> c.kind() == kind).forEach(c -> out.addAll(c.apqns())));
        return out;
    }

    // ------------------------------------------------------------------ teardown

    @Override
    public void close() {
        List<SimNode> all;
        synchronized (nodes) {
            all = new ArrayList<>(nodes.values());
        }
        try {
            for (String ns : namespaces) {
                admin.resources(APQNReservation.class).inNamespace(ns).delete();
            }
            for (SimNode n : all) {
                admin.nodes().withName(n.name).delete();
            }
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> namespaces.stream()
                    .allMatch(ns -> admin.resources(APQNReservation.class).inNamespace(ns).list().getItems().isEmpty()));
        } catch (RuntimeException e) {
            System.err.println("e2e cluster " + id + ": cleanup incomplete: " + e);
        } finally {
            all.forEach(this::stopAgent);
            controller.stop();
            runtime.close();
            agentClient.close();
        }
    }
}
