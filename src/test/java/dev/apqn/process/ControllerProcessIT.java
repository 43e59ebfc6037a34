package dev.apqn.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apqn.controller.ControllerSettings;
import dev.apqn.testing.LocalControlPlane;
import dev.apqn.testing.WithKubeApiServer;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two controller replicas as the Deployment runs them: the packaged application, {@code APQN_ROLE=controller},
 * each with its own pod name, under the controller's service account. Both are ready once their informer
 * caches are synced, the standby too (it must be able to take over at once); SIGTERM to the leader ends it
 * promptly and gives the leader Lease back, so the standby leads right away instead of after the lease
 * duration.
 */
@WithKubeApiServer(crds = "crds")
class ControllerProcessIT {

    static final Duration START = Duration.ofSeconds(120);
    static LocalControlPlane cp;
    static KubernetesClient admin;
    static String system;
    static ProcessAccounts accounts;

    @BeforeAll
    static void accounts(LocalControlPlane plane) {
        cp = plane;
        admin = cp.adminClient();
        system = cp.createNamespace("apqn-proc-ctl");
        accounts = ProcessAccounts.create(cp, system);
    }

    static RoleProcess controller(String pod) {
        return RoleProcess.start("controller-" + pod, Map.of(
                "APQN_ROLE", "controller",
                "APQN_NAMESPACE", system,
                "POD_NAME", pod,
                "KUBECONFIG", accounts.kubeconfig(ProcessAccounts.CONTROLLER).toString(),
                // only this class's Nodes (none): Nodes other test classes left behind are not ours
                "APQN_CONTROLLER_NODE_SELECTOR", "apqn.process/cluster=" + system));
    }

    Lease lease() {
        return admin.resources(Lease.class).inNamespace(system).withName(ControllerSettings.DEFAULT_LEADER_LEASE).get();
    }

    String holder() {
        Lease l = lease();
        return l == null || l.getSpec() == null ? null : l.getSpec().getHolderIdentity();
    }

    @Test
    void theStandbyIsReadyAndLeadsAtOnceWhenTheLeaderIsTerminated() throws Exception {
        String a = "ctl-a-" + system.substring(system.length() - 4);
        String b = "ctl-b-" + system.substring(system.length() - 4);
        try (RoleProcess leader = controller(a)) {
            long t0 = System.nanoTime();
            await().atMost(START).pollInterval(Duration.ofMillis(100)).until(() -> leader.ready().code() == 200);
            System.out.printf("ControllerProcessIT: %s ready %d ms after its start%n", a, ms(t0));
            await().atMost(START).until(() -> a.equals(holder()));
            assertThat(leader.ready().body()).contains("informer caches synced").contains("leader");
            takeOver(leader, a, b);
        }
    }

    /** Starts the standby {@code b} beside the ready leader {@code a}, then terminates the leader. */
    void takeOver(RoleProcess leader, String a, String b) throws Exception {
        List<String> holders = new CopyOnWriteArrayList<>();
        Watch watch = null;
        try (RoleProcess standby = controller(b)) {
            long t1 = System.nanoTime();
            await().atMost(START).pollInterval(Duration.ofMillis(100)).until(() -> standby.ready().code() == 200);
            System.out.printf("ControllerProcessIT: %s (standby) ready %d ms after its start%n", b, ms(t1));
            assertThat(holder()).as("the standby is ready without the leadership").isEqualTo(a);
            assertThat(standby.ready().body()).contains("informer caches synced").contains("standby");
            assertThat(standby.live().code()).isEqualTo(200);

            watch = admin.resources(Lease.class).inNamespace(system).withName(ControllerSettings.DEFAULT_LEADER_LEASE)
                    .watch(new Watcher<>() {
                        @Override
                        public void eventReceived(Action action, Lease l) {
                            holders.add(String.valueOf(l.getSpec().getHolderIdentity()));
                        }

                        @Override
                        public void onClose(WatcherException cause) {
                        }
                    });
            long term = System.nanoTime();
            leader.terminate();
            Integer code = leader.awaitExit(Duration.ofSeconds(10));
            long exitMs = ms(term);
            assertThat(code).as("the leader exits on SIGTERM (output: %s)", leader.log()).isNotNull();
            System.out.printf("ControllerProcessIT: leader %s exited %d ms after SIGTERM, exit code %d%n", a, exitMs, code);
            assertThat(leader.output()).contains("released Lease " + system + "/" + ControllerSettings.DEFAULT_LEADER_LEASE);

            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> b.equals(holder()));
            System.out.printf("ControllerProcessIT: %s holds the Lease %d ms after the leader's SIGTERM (lease duration 15 s);"
                    + " holders seen: %s%n", b, ms(term), holders);
            // the Lease was given back (holder cleared) before the standby took it, not left to expire
            assertThat(holders).containsSubsequence("null", b);
            await().atMost(START).until(() -> standby.ready().body().contains("leader") && !standby.ready().body().contains("standby"));
        } finally {
            if (watch != null) {
                watch.close();
            }
        }
    }

    static long ms(long since) {
        return Duration.ofNanos(System.nanoTime() - since).toMillis();
    }
}
