package dev.apqn.agent.kube;

import static org.awaitility.Awaitility.await;

import dev.apqn.agent.DrainPolicy;
import dev.apqn.ap.ApMask;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.Matrix;
import dev.apqn.apbus.Sysfs;
import dev.apqn.apbus.SysfsException;
import dev.apqn.apbus.sim.SimDriver;
import dev.apqn.apbus.sim.SimKernel;
import dev.apqn.api.v1alpha1.APNodeState;
import dev.apqn.api.v1alpha1.APNodeStateSpec;
import dev.apqn.api.v1alpha1.HostTargetMapper;
import dev.apqn.api.v1alpha1.ReservationSync;
import dev.apqn.app.ApqnConfigs;
import dev.apqn.plan.HostTarget;
import dev.apqn.plan.MdevTarget;
import dev.apqn.plan.OffHostClaim;
import dev.apqn.plan.OwnershipMode;
import dev.apqn.status.Conditions;
import dev.apqn.testing.ChartRbac;
import dev.apqn.testing.Identity;
import dev.apqn.testing.LocalControlPlane;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.function.Predicate;

/** What the agent ITs share: the agent's identity under its RBAC, plans as the controller writes them, kernel checks. */
final class AgentItSupport {

    static final String SA = "apqn-agent";
    static final Duration WAIT = Duration.ofSeconds(60);

    private AgentItSupport() {
    }

    /**
     * Creates the agent's service account in {@code ns}, applies the chart's agent RBAC (charts/apqn-operator/templates/rbac-agent.yaml)
     * bound to it (rendered by helm for this namespace) and returns a client impersonating it,
     * once RBAC lets it read its Lease namespace.
     */
    static KubernetesClient agentClient(LocalControlPlane cp, String ns) {
        KubernetesClient admin = cp.adminClient();
        admin.serviceAccounts().inNamespace(ns).resource(new ServiceAccountBuilder()
                .withNewMetadata().withName(SA).endMetadata().build()).create();
        ChartRbac.apply(admin, ns, ChartRbac.Role.agent);
        KubernetesClient agent = cp.clientFor(Identity.serviceAccount(ns, SA));
        await().atMost(WAIT).ignoreExceptions().until(() -> {
            agent.resources(Lease.class).inNamespace(ns).withName("probe").get();
            agent.resources(APNodeState.class).withField(NodeAgent.NAME_FIELD, "probe").list();
            return true;
        });
        return agent;
    }

    static AgentSettings settings(String ns) {
        return ApqnConfigs.agentDefaults().withIdentity("it-agent").withLeaseNamespace(ns)
                .withLease(Duration.ofSeconds(5), Duration.ofMillis(500))
                .withResyncPeriod(Duration.ofMillis(300)).withRetryDelay(Duration.ofMillis(200))
                .withDrain(DrainPolicy.waitBounded(Duration.ofMillis(300)).withPollInterval(Duration.ofMillis(20)));
    }

    /** What the controller does first: the node's APNodeState with an empty spec. */
    static void createNodeState(KubernetesClient admin, String node) {
        var s = new APNodeState();
        s.setMetadata(new ObjectMetaBuilder().withName(node).build());
        s.setSpec(new APNodeStateSpec());
        admin.resource(s).create();
    }

    static APNodeState get(KubernetesClient admin, String node) {
        return admin.resources(APNodeState.class).withName(node).get();
    }

    static APNodeState awaitState(KubernetesClient admin, String node, Predicate<APNodeState> p) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
            APNodeState s = get(admin, node);
            return s != null && s.getStatus() != null && p.test(s);
        });
        return get(admin, node);
    }

    static long awaitInventoryGeneration(KubernetesClient admin, String node) {
        return awaitState(admin, node, s -> s.getStatus().getInventoryGeneration() != null).getStatus().getInventoryGeneration();
    }

    static boolean condition(APNodeState s, String type, String status) {
        return Conditions.find(s.getStatus().getConditions(), type).map(c -> status.equals(c.getStatus())).orElse(false);
    }

    static Optional<ReservationSync> sync(APNodeState s, String reservation) {
        return s.getStatus().getReservations() == null ? Optional.empty()
                : s.getStatus().getReservations().stream().filter(r -> reservation.equals(r.getReservation())).findFirst();
    }

    static boolean syncIs(APNodeState s, String reservation, ReservationSync.State state) {
        return sync(s, reservation).map(r -> r.getState() == state).orElse(false);
    }

    /** The controller's write: spec.mdevs and spec.hostEdits from a HostTarget, server-side applied as its own field manager. */
    static void writeSpec(KubernetesClient admin, String node, HostTarget target) {
        var s = new APNodeState();
        s.setMetadata(new ObjectMetaBuilder().withName(node).build());
        s.setSpec(HostTargetMapper.toSpec(target));
        s.setStatus(null);
        admin.resource(s).fieldManager("apqn-controller").forceConflicts().serverSideApply();
    }

    static MdevTarget mdev(UUID uuid, String owner, int[] adapters, int[] domains) {
        return new MdevTarget(uuid, owner, new Matrix(ApMask.of(adapters), ApMask.of(domains), ApMask.none()));
    }

    /**
     * A mask-mode plan as the controller computes it: clear the reserved domains' aqmask bits; the
     * same domains on every other adapter are declared COLLATERAL of the first owner.
     */
    static HostTarget maskPlan(SimKernel kernel, long generation, MdevTarget... mdevs) {
        SortedMap<UUID, MdevTarget> byId = new TreeMap<>();
        List<OffHostClaim> claims = new ArrayList<>();
        SortedSet<Apqn> reserved = new TreeSet<>();
        ApMask domains = ApMask.none();
        for (MdevTarget m : mdevs) {
            byId.put(m.uuid(), m);
            claims.add(new OffHostClaim(OffHostClaim.Kind.RESERVED, m.owner(), new TreeSet<>(m.matrix().apqns())));
            reserved.addAll(m.matrix().apqns());
            domains = domains.or(m.matrix().domains());
        }
        SortedSet<Apqn> collateral = new TreeSet<>();
        for (Apqn q : kernel.queueDevices()) {
            if (domains.get(q.domain()) && !reserved.contains(q)) {
                collateral.add(q);
            }
        }
        if (!collateral.isEmpty()) {
            claims.add(new OffHostClaim(OffHostClaim.Kind.COLLATERAL, mdevs[0].owner(), collateral));
        }
        return new HostTarget(OwnershipMode.MASKS, ApMask.none(), domains, new TreeSet<>(), byId, claims, generation);
    }

    /** Queue devices not with the host's zcrypt driver, as the kernel sees them. */
    static SortedSet<Apqn> offHost(SimKernel kernel) {
        SortedSet<Apqn> out = new TreeSet<>();
        for (Apqn q : kernel.queueDevices()) {
            if (kernel.driverOf(q).orElse(null) != SimDriver.CEX4QUEUE) {
                out.add(q);
            }
        }
        return out;
    }

    /** The off-host invariant from the kernel's side: off host == the plan's claims (the node booted with all on the host). */
    static SortedSet<Apqn> claimed(SimKernel kernel, HostTarget t) {
        SortedSet<Apqn> out = new TreeSet<>();
        t.claims().forEach(c -> c.apqns().stream().filter(kernel.queueDevices()::contains).forEach(out::add));
        return out;
    }

    /** Every version of one node's APNodeState the test saw (a watch), so short-lived conditions are not missed. */
    static final class Recorder implements AutoCloseable {
        final List<APNodeState> seen = new CopyOnWriteArrayList<>();
        private final SharedIndexInformer<APNodeState> informer;

        Recorder(KubernetesClient admin, String node) {
            informer = admin.resources(APNodeState.class).withField(NodeAgent.NAME_FIELD, node).inform(new ResourceEventHandler<>() {
                @Override
                public void onAdd(APNodeState obj) {
                    seen.add(obj);
                }

                @Override
                public void onUpdate(APNodeState oldObj, APNodeState newObj) {
                    seen.add(newObj);
                }

                @Override
                public void onDelete(APNodeState obj, boolean deletedFinalStateUnknown) {
                }
            }, 0);
        }

        boolean any(Predicate<APNodeState> p) {
            return seen.stream().anyMatch(s -> s.getStatus() != null && p.test(s));
        }

        void clear() {
            seen.clear();
        }

        @Override
        public void close() {
            informer.close();
        }
    }

    /** A simulated process death at a chosen host write: an Error, so no production catch block swallows it. */
    static final class SimulatedCrash extends Error {
        SimulatedCrash(String where) {
            super("simulated agent crash " + where, null, false, false);
        }
    }

    /**
     * A Sysfs that kills the agent just before or just after write number N reaches the kernel; afterwards the
     * process is dead: every call fails, so nothing more reaches the kernel.
     */
    static final class CrashAfterWrite implements Sysfs {
        private final Sysfs delegate;
        private final int crashAt;
        private final boolean before;
        private int writes;
        private volatile boolean dead;
        final CountDownLatch crashed = new CountDownLatch(1);
        volatile String crashedAfter;

        /** Crash at write {@code crashAt} (1-based), just before it reaches the kernel or just after. */
        CrashAfterWrite(Sysfs delegate, int crashAt, boolean before) {
            this.delegate = delegate;
            this.crashAt = crashAt;
            this.before = before;
        }

        private void alive() {
            if (dead) {
                throw new SimulatedCrash("(the process is dead)");
            }
        }

        @Override
        public String read(String path) throws SysfsException {
            alive();
            return delegate.read(path);
        }

        @Override
        public synchronized void write(String path, String value) throws SysfsException {
            alive();
            writes++;
            if (writes == crashAt && before) {
                die(path);
                throw new SimulatedCrash("before writing " + path);
            }
            delegate.write(path, value);
            if (writes == crashAt) {
                die(path);
                throw new SimulatedCrash("after writing " + path);
            }
        }

        private void die(String path) {
            dead = true;
            crashedAfter = (before ? "before " : "after ") + path;
            crashed.countDown();
        }

        @Override
        public List<String> list(String path) throws SysfsException {
            alive();
            return delegate.list(path);
        }

        @Override
        public boolean exists(String path) throws SysfsException {
            alive();
            return delegate.exists(path);
        }

        @Override
        public Optional<String> readLink(String path) throws SysfsException {
            alive();
            return delegate.readLink(path);
        }
    }
}
