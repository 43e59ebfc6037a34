package dev.apqn.bench;

import java.nio.file.Path;

/**
 * The benchmark's parameters, from system properties ({@code -Dbench.nodes=100} ...).
 *
 * @param nodes            simulated nodes (Nodes + agents)
 * @param reservations     reservations, spread evenly over the nodes (at most {@link BenchPlan#PER_NODE_MAX} per node)
 * @param steadySeconds    the steady-state window with everything Ready
 * @param restartSeconds   the window after a controller restart (its heap share is measured while it is stopped)
 * @param tailSeconds      how long after the last reservation is gone writes are still counted for the lifecycle
 * @param clientThreads    concurrent requests of the benchmark's own client (apply, delete, raw rate)
 * @param agentWorkers     converges that may run at the same time in the agent fleet
 * @param timeoutSeconds   longest wait for all Ready / all gone before the run fails
 * @param profile          machine profile of every simulated node
 * @param output           the JSON result file
 */
public record BenchConfig(int nodes, int reservations, int steadySeconds, int restartSeconds, int tailSeconds,
                          int clientThreads, int agentWorkers, int timeoutSeconds, String profile, Path output) {

    public static final String DEFAULT_PROFILE = "mask-mode-apconfig";

    public BenchConfig {
        if (nodes < 1 || reservations < 1) {
            throw new IllegalArgumentException("bench.nodes and bench.reservations must be positive");
        }
        if (reservations > (long) nodes * BenchPlan.PER_NODE_MAX) {
            throw new IllegalArgumentException("at most " + BenchPlan.PER_NODE_MAX + " reservations per node (disjoint"
                    + " single-APQN rectangles of " + DEFAULT_PROFILE + "): " + reservations + " over " + nodes + " nodes");
        }
    }

    public static BenchConfig fromSystemProperties() {
        return new BenchConfig(
                Integer.getInteger("bench.nodes", 100),
                Integer.getInteger("bench.reservations", 1000),
                Integer.getInteger("bench.steadySeconds", 60),
                Integer.getInteger("bench.restartSeconds", 20),
                Integer.getInteger("bench.tailSeconds", 5),
                Integer.getInteger("bench.clientThreads", 8),
                Integer.getInteger("bench.agentWorkers", 8),
                Integer.getInteger("bench.timeoutSeconds", 1200),
                System.getProperty("bench.profile", DEFAULT_PROFILE),
                Path.of(System.getProperty("bench.output", "target/bench/results.json")));
    }

    public BenchConfig withOutput(Path file) {
        return new BenchConfig(nodes, reservations, steadySeconds, restartSeconds, tailSeconds, clientThreads, agentWorkers,
                timeoutSeconds, profile, file);
    }
}
