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
import dev.apqn.controller.PlanInputs;
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
 * reservation whose mask-mode collateral touches every adapter (two queue groups per card), and on a
 * node with every other adapter and domain off the host. The status and the whole object (with
 * managedFields) stay under the 64 KiB budget; sizes and a per-part breakdown are printed.
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
            System.out.printf("stress-256 status (inventory only): %d bytes, %d card entries for %d cards, %d queues;"
                            + " whole object %d bytes; first status after %d ms%n",
                    observedBytes, observed.getStatus().getCards().size(), cards(observed), kernel.queueDevices().size(),
                    objectSize(observed), (System.nanoTime() - t0) / 1_000_000);
            System.out.println("  whole object breakdown: " + breakdown(observed));

            String owner = "team-s/big";
            HostTarget target = maskPlan(kernel, observed.getStatus().getInventoryGeneration(),
                    mdev(UUID.randomUUID(), owner, new int[] {0, 1, 2, 3}, new int[] {0, 1}));
            long t1 = System.nanoTime();
            writeSpec(admin, node, target);
            APNodeState ready = await(admin, node, s -> syncIs(s, owner, ReservationSync.State.Ready)
                    && condition(s, Conditions.READY, "True"));
            int readyBytes = size(ready);
            System.out.printf("stress-256 status (1 mdev 4x2, collateral on 256 adapters): %d bytes, %d card entries;"
                            + " whole object %d bytes; Ready after %d ms%n",
                    readyBytes, ready.getStatus().getCards().size(), objectSize(ready), (System.nanoTime() - t1) / 1_000_000);
            System.out.println("  whole object breakdown: " + breakdown(ready));

            // every other adapter and domain off the host (someone else's mask bits): the most fragmented pattern
            String fragmentedNode = "stress-frag-" + UUID.randomUUID().toString().substring(0, 6);
            SimKernel fragmentedKernel = fleet.addSimulatedNode(fragmentedNode, "stress-256");
            StringBuilder odd = new StringBuilder();
            for (int i = 1; i < 256; i += 2) {
                odd.append(odd.length() == 0 ? "" : ",").append("-").append(i);
            }
            fragmentedKernel.writeApmask(odd.toString());
            fragmentedKernel.writeAqmask(odd.toString());
            createNodeState(admin, fragmentedNode);
            APNodeState fragmented = await(admin, fragmentedNode, s -> s.getStatus().getInventoryGeneration() != null
                    && Integer.valueOf(128 * 43).equals(s.getStatus().getFreeApqns()));
            int fragmentedBytes = size(fragmented);
            System.out.printf("stress-256 status (every other adapter and domain off the host): %d bytes, %d card entries;"
                    + " whole object %d bytes%n", fragmentedBytes, fragmented.getStatus().getCards().size(), objectSize(fragmented));
            System.out.println("  whole object breakdown: " + breakdown(fragmented));

            assertThat(cards(observed)).isEqualTo(256);
            assertThat(cards(fragmented)).isEqualTo(256);
            assertThat(observedBytes).isLessThan(BUDGET_BYTES);
            assertThat(readyBytes).isLessThan(BUDGET_BYTES);
            assertThat(fragmentedBytes).isLessThan(BUDGET_BYTES);
            // managedFields is one line per field, not one entry per card: the whole object fits the budget too
            assertThat(objectSize(observed)).isLessThan(BUDGET_BYTES);
            assertThat(objectSize(ready)).isLessThan(BUDGET_BYTES);
            assertThat(objectSize(fragmented)).isLessThan(BUDGET_BYTES);
        }
    }

    /** The number of cards the status's entries stand for (each entry's adapters expanded). */
    static int cards(APNodeState s) {
        return s.getStatus().getCards().stream().mapToInt(c -> PlanInputs.cardAdapters(c).cardinality()).sum();
    }

    static int objectSize(APNodeState s) {
        return Serialization.asJson(s).getBytes(StandardCharsets.UTF_8).length;
    }

    /** Bytes of each top-level part of the object, and of each field manager's managedFields entry. */
    static String breakdown(APNodeState s) {
        var node = Serialization.jsonMapper().valueToTree(s);
        var out = new java.util.LinkedHashMap<String, Integer>();
        node.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().toString().length()));
        var meta = node.get("metadata");
        if (meta != null && meta.get("managedFields") != null) {
            out.put("metadata.managedFields", meta.get("managedFields").toString().length());
            meta.get("managedFields").forEach(m -> out.put("managedFields[" + m.path("manager").asText() + "/"
                    + m.path("subresource").asText("") + "]", m.toString().length()));
        }
        var spec = node.get("spec");
        if (spec != null) {
            spec.fields().forEachRemaining(e -> out.put("spec." + e.getKey(), e.getValue().toString().length()));
        }
        return out.toString();
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
