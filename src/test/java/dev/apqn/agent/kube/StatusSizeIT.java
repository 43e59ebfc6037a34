package dev.apqn.agent.kube;

import static dev.apqn.agent.kube.AgentItSupport.condition;
import static dev.apqn.agent.kube.AgentItSupport.createNodeState;
import static dev.apqn.agent.kube.AgentItSupport.get;
import static dev.apqn.agent.kube.AgentItSupport.maskPlan;
import static dev.apqn.agent.kube.AgentItSupport.mdev;
import static dev.apqn.agent.kube.AgentItSupport.syncIs;
import static dev.apqn.agent.kube.AgentItSupport.writeSpec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apqn.api.v1alpha1.APNodeState;
import dev.apqn.api.v1alpha1.ReservationSync;
import dev.apqn.apbus.sim.SimKernel;
import dev.apqn.plan.HostTarget;
import dev.apqn.status.Conditions;
import dev.apqn.testing.LocalControlPlane;
import dev.apqn.testing.WithKubeApiServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * APNodeState.status stays small on the largest node the architecture allows (stress-256: 256
 * adapters x 85 domains = 21760 queues): measured as the API server returns it, before and after a
 * reservation whose mask-mode collateral touches every adapter (two queue groups per card).
 */
@WithKubeApiServer(crds = "crds")
class StatusSizeIT {

    static final Duration SLOW = Duration.ofMinutes(4);
    /** A budget, not a kube limit (1.5 MiB per object): the status must stay small to watch and diff. */
    static final int BUDGET_BYTES = 64 * 1024;

    @Test
    void statusOfA256x85NodeStaysSmall(LocalControlPlane cp, @TempDir Path state) {
        String ns = cp.createNamespace("agent-size");
        KubernetesClient admin = cp.adminClient();
        KubernetesClient agentClient = AgentItSupport.agentClient(cp, ns);
        AgentSettings settings = AgentItSupport.settings(ns).withResyncPeriod(Duration.ofSeconds(30));
        try (AgentFleet fleet = AgentFleet.create(agentClient, settings, 1, state)) {
            String node = "stress-" + UUID.randomUUID().toString().substring(0, 6);
            long t0 = System.nanoTime();
            SimKernel kernel = fleet.addSimulatedNode(node, "stress-256");
            createNodeState(admin, node);
            APNodeState observed = await(admin, node, s -> s.getStatus().getInventoryGeneration() != null);
            int observedBytes = size(observed);
            System.out.printf("stress-256 status (inventory only): %d bytes, %d cards, %d queues; first status after %d ms%n",
                    observedBytes, observed.getStatus().getCards().size(), kernel.queueDevices().size(),
                    (System.nanoTime() - t0) / 1_000_000);

            String owner = "team-s/big";
            HostTarget target = maskPlan(kernel, observed.getStatus().getInventoryGeneration(),
                    mdev(UUID.randomUUID(), owner, new int[] {0, 1, 2, 3}, new int[] {0, 1}));
            long t1 = System.nanoTime();
            writeSpec(admin, node, target);
            APNodeState ready = await(admin, node, s -> syncIs(s, owner, ReservationSync.State.Ready)
                    && condition(s, Conditions.READY, "True"));
            int readyBytes = size(ready);
            int objectBytes = Serialization.asJson(ready).getBytes(StandardCharsets.UTF_8).length;
            System.out.printf("stress-256 status (1 mdev 4x2, collateral on 256 adapters): %d bytes (whole object %d bytes); Ready after %d ms%n",
                    readyBytes, objectBytes, (System.nanoTime() - t1) / 1_000_000);
            assertThat(observed.getStatus().getCards()).hasSize(256);
            assertThat(observedBytes).isLessThan(BUDGET_BYTES);
            assertThat(readyBytes).isLessThan(BUDGET_BYTES);
        }
    }

    static int size(APNodeState s) {
        return Serialization.asJson(s.getStatus()).getBytes(StandardCharsets.UTF_8).length;
    }

    static APNodeState await(KubernetesClient admin, String node, Predicate<APNodeState> p) {
        org.awaitility.Awaitility.await().atMost(SLOW).pollInterval(Duration.ofMillis(250)).until(() -> {
            APNodeState s = get(admin, node);
            return s != null && s.getStatus() != null && p.test(s);
        });
        return get(admin, node);
    }
}
