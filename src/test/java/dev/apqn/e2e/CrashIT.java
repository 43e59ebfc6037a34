package dev.apqn.e2e;

import static dev.apqn.e2e.E2eCluster.apqns;
import static dev.apqn.testing.Reservations.explicit;
import static dev.apqn.e2e.E2eCluster.uuid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apqn.api.v1alpha1.APQNReservation;
import dev.apqn.api.v1alpha1.Phase;
import dev.apqn.apbus.sim.SimFaults;
import dev.apqn.e2e.AgentProcess.CrashPoint;
import dev.apqn.e2e.AgentProcess.Point;
import dev.apqn.e2e.E2eCluster.Kind;
import dev.apqn.e2e.E2eCluster.SimNode;
import dev.apqn.testing.LocalControlPlane;
import dev.apqn.testing.WithKubeApiServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 4: a crash of the agent (a fresh agent instance with no memory of the old one; only the
 * simulated kernel, the ledger directory and the API server survive) injected before and after every
 * host write and every status write of a create → Ready and of a delete, on each kind of node, and a
 * timed-out host write that lands later; each followed by recovery with the invariant intact
 * ({@link E2eCluster#assertInvariant}: off-host == boot ∪ claims, no orphan mdev, no open intent), the
 * reservation Ready with exactly its APQNs in guest_matrix after a create, everything back with the
 * host after a delete.
 *
 * <p>The flows: adapter 4 x domains 2,3 on a node of each kind. A probe run (no crash) counts the
 * writes of each flow; then every crash point of both flows is injected (iteration i crashes the
 * create at point i and the delete at point i), on the same node one after the other.
 */
@WithKubeApiServer(crds = "crds")
class CrashIT {

    static final long DEATH_WAIT_S = 30;
    static E2eCluster cluster;

    @BeforeAll
    static void start(LocalControlPlane cp) {
        cluster = E2eCluster.start(cp, "crash");
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** What one flow did without a crash. */
    record Counts(int host, int status, List<String> paths) {
    }

    /** A fresh agent process on the node, after its start-up status write (the new identity) is in. */
    static AgentProcess freshProcess(SimNode n) {
        AgentProcess p = new AgentProcess(n.name);
        var agent = cluster.startAgent(n, p::wrap, p);
        await().atMost(E2eCluster.WAIT).until(() -> {
            var s = cluster.nodeState(n.name);
            return s != null && s.getStatus() != null && s.getStatus().getAgent() != null
                    && agent.lease().holder().equals(s.getStatus().getAgent().getIdentity());
        });
        await().pollDelay(Duration.ofMillis(200)).atMost(Duration.ofSeconds(5)).until(() -> true); // settle idle passes
        return p;
    }

    static APQNReservation createFlow(SimNode n, String ns, String name) {
        return cluster.create(explicit(ns, name, n.name, List.of(4), List.of(2, 3)));
    }

    static void awaitCreated(SimNode n, String ns, String name, APQNReservation r) {
        cluster.awaitPhase(ns, name, Phase.Ready);
        await().atMost(E2eCluster.WAIT).untilAsserted(() ->
                assertThat(n.guestApqns(uuid(r))).as("guest_matrix").isEqualTo(apqns(List.of(4), List.of(2, 3))));
        cluster.awaitInvariant(n);
    }

    static void awaitDeleted(SimNode n, String ns, String name) {
        cluster.awaitGone(ns, name);
        cluster.awaitBackToBoot(n);
        cluster.awaitInvariant(n);
    }

    /** Counts the writes of the create flow (to Ready) and of the delete flow (to gone), without crashing. */
    static Counts[] probe(SimNode n, String ns) {
        AgentProcess p = freshProcess(n);
        int h0 = p.hostWrites();
        int s0 = p.statusWrites();
        var r = createFlow(n, ns, "probe");
        awaitCreated(n, ns, "probe", r);
        Counts create = new Counts(p.hostWrites() - h0, p.statusWrites() - s0, List.copyOf(p.hostPaths));
        int h1 = p.hostWrites();
        int s1 = p.statusWrites();
        int paths = p.hostPaths.size();
        cluster.delete(ns, "probe");
        awaitDeleted(n, ns, "probe");
        Counts delete = new Counts(p.hostWrites() - h1, p.statusWrites() - s1,
                List.copyOf(p.hostPaths.subList(paths, p.hostPaths.size())));
        return new Counts[] {create, delete};
    }

    static List<CrashPoint> points(Counts c) {
        List<CrashPoint> out = new ArrayList<>();
        for (int i = 1; i <= c.host(); i++) {
            out.add(new CrashPoint(Point.HOST_WRITE, i, true));
            out.add(new CrashPoint(Point.HOST_WRITE, i, false));
        }
        for (int i = 1; i <= c.status(); i++) {
            out.add(new CrashPoint(Point.STATUS_WRITE, i, true));
            out.add(new CrashPoint(Point.STATUS_WRITE, i, false));
        }
        return out;
    }

    /**
     * Arms {@code point} on a fresh process, runs {@code flow}, waits for the death (host-write points
     * always come; a status-write point may not, when this run happens to need fewer status writes
     * than the probe), then starts a fresh agent. Returns where it died.
     */
    static Optional<String> crashDuring(SimNode n, CrashPoint point, Runnable flow, Runnable done) throws InterruptedException {
        AgentProcess p = freshProcess(n);
        p.arm(point);
        flow.run();
        boolean died;
        if (point.point() == Point.HOST_WRITE) {
            died = p.awaitDeath(DEATH_WAIT_S);
            assertThat(died).as("the agent reached %s", point).isTrue();
        } else {
            long deadline = System.nanoTime() + Duration.ofSeconds(DEATH_WAIT_S).toNanos();
            died = false;
            while (!died && System.nanoTime() < deadline) {
                died = p.awaitDeath(1);
                if (!died) {
                    try {
                        done.run();
                        break; // the flow finished without reaching this status write
                    } catch (AssertionError | RuntimeException notYet) {
                        // keep waiting
                    }
                }
            }
        }
        cluster.restartAgent(n); // only the kernel, the ledger directory and the API server survive
        return died ? Optional.of(p.diedAt) : Optional.empty();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aCrashAtEveryHostAndStatusWriteOfACreateAndADeleteIsRecovered(Kind kind) throws Exception {
        SimNode n = cluster.node(kind, "crash");
        String ns = cluster.namespace("crash-" + kind.name().toLowerCase());
        Counts[] probe = probe(n, ns);
        System.out.printf("%s (%s): create flow %d host writes %s, %d status writes; delete flow %d host writes %s, %d status writes%n",
                kind, n.name, probe[0].host(), probe[0].paths(), probe[0].status(), probe[1].host(), probe[1].paths(), probe[1].status());
        assertThat(probe[0].host()).as("a create makes host writes").isPositive();
        assertThat(probe[1].host()).as("a delete makes host writes").isPositive();

        List<CrashPoint> createPoints = points(probe[0]);
        List<CrashPoint> deletePoints = points(probe[1]);
        List<String> covered = new ArrayList<>();
        for (int i = 0; i < Math.max(createPoints.size(), deletePoints.size()); i++) {
            String name = "r" + i;
            APQNReservation[] r = new APQNReservation[1];
            if (i < createPoints.size()) {
                CrashPoint cp = createPoints.get(i);
                Optional<String> where = crashDuring(n, cp, () -> r[0] = createFlow(n, ns, name),
                        () -> awaitCreatedQuick(n, ns, name));
                covered.add("create " + cp + where.map(w -> " -> died " + w).orElse(" -> not reached"));
            } else {
                r[0] = createFlow(n, ns, name);
            }
            awaitCreated(n, ns, name, r[0]);

            if (i < deletePoints.size()) {
                CrashPoint cp = deletePoints.get(i);
                Optional<String> where = crashDuring(n, cp, () -> cluster.delete(ns, name), () -> {
                    assertThat(cluster.get(ns, name)).isNull();
                    cluster.assertBackToBoot(n);
                });
                covered.add("delete " + cp + where.map(w -> " -> died " + w).orElse(" -> not reached"));
            } else {
                cluster.delete(ns, name);
            }
            awaitDeleted(n, ns, name);
        }
        System.out.printf("%s crash points:%n  %s%n", kind, String.join("\n  ", covered));
    }

    private static void awaitCreatedQuick(SimNode n, String ns, String name) {
        var x = cluster.get(ns, name);
        assertThat(x.getStatus().getPhase()).isEqualTo(Phase.Ready);
        cluster.assertInvariant(n);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aTimedOutHostWriteThatLandsLaterIsRecovered(Kind kind) throws Exception {
        SimNode n = cluster.node(kind, "hang");
        String ns = cluster.namespace("hang-" + kind.name().toLowerCase());
        Counts[] probe = probe(n, ns);
        n.sysfs.withCallTimeout(Duration.ofMillis(300));
        try {
            // the create's first host write times out, the agent crashes while it hangs, the write lands under a fresh agent
            SimFaults.Hang hang = n.sysfs.faults().hangWrites(probe[0].paths().get(0));
            var r = createFlow(n, ns, "late");
            await().atMost(E2eCluster.WAIT).until(() -> hang.blockedCalls() >= 2); // timed out at least once, retried
            cluster.restartAgent(n);
            List<SimFaults.LandedWrite> landed = hang.release();
            System.out.printf("%s: %s hung, %d calls blocked, landed later: %s%n", kind, hang.path(), hang.blockedCalls(), landed);
            assertThat(landed).as("the timed-out writes land at release").isNotEmpty();
            awaitCreated(n, ns, "late", r);

            // the delete's first host write times out and lands later while the same agent keeps running
            String first = probe[1].paths().get(0).replaceAll("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", uuid(r));
            SimFaults.Hang hang2 = n.sysfs.faults().hangWrites(first);
            cluster.delete(ns, "late");
            await().atMost(E2eCluster.WAIT).until(() -> hang2.blockedCalls() >= 1);
            await().pollDelay(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> true); // well past the 300 ms timeout
            List<SimFaults.LandedWrite> landed2 = hang2.release();
            System.out.printf("%s: %s hung, landed later: %s%n", kind, hang2.path(), landed2);
            awaitDeleted(n, ns, "late");
        } finally {
            n.sysfs.faults().clear();
            n.sysfs.withCallTimeout(Duration.ofSeconds(5));
        }
    }
}
