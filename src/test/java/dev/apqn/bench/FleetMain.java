package dev.apqn.bench;

import dev.apqn.agent.kube.AgentFleet;
import dev.apqn.agent.kube.AgentMetricsSink;
import dev.apqn.agent.kube.AgentSettings;
import dev.apqn.app.ApqnConfigs;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The benchmark's agent fleet as its own process (so its CPU and RSS are its own): {@code bench.fleet.nodes}
 * production {@code NodeAgent}s on one {@link AgentFleet} runtime, each on a simulated kernel booted from
 * {@code bench.fleet.profile}, acting as the agent service account ({@code bench.fleet.kubeconfig}).
 * It runs until its standard input ends: the driver closes it, or dies.
 */
public final class FleetMain {

    private FleetMain() {
    }

    public static void main(String[] args) throws Exception {
        Path kubeconfig = Path.of(System.getProperty("bench.fleet.kubeconfig"));
        int nodes = Integer.getInteger("bench.fleet.nodes");
        int workers = Integer.getInteger("bench.fleet.workers", 8);
        String profile = System.getProperty("bench.fleet.profile", BenchConfig.DEFAULT_PROFILE);
        String leaseNamespace = System.getProperty("bench.fleet.leaseNamespace");
        Path state = Files.createTempDirectory("apqn-bench-fleet");
        AgentSettings settings = ApqnConfigs.agentDefaults().withLeaseNamespace(leaseNamespace).withIdentity("apqn-bench");
        try (KubernetesClient client = new KubernetesClientBuilder()
                .withConfig(Config.fromKubeconfig(Files.readString(kubeconfig))).build();
             // one timer thread per 10 agents: each renews its Lease every 10 s with a blocking call
             AgentFleet fleet = AgentFleet.create(client, settings, workers, Math.max(2, nodes / 10), state,
                     AgentMetricsSink.NOOP)) {
            for (int i = 0; i < nodes; i++) {
                fleet.addSimulatedNode(BenchPlan.nodeName(i), profile);
            }
            System.out.println("fleet started: " + nodes + " agents (" + profile + "), " + workers + " converge workers");
            System.out.flush();
            while (System.in.read() != -1) {
                // the driver never writes; end of input is the signal to stop
            }
            System.out.println("fleet stopping");
        }
        System.exit(0);
    }
}
