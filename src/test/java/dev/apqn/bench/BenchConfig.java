package dev.apqn.bench;

import java.nio.file.Path;
import java.util.Locale;

/**
 * The benchmark's parameters, from system properties ({@code -Dbench.mode=paced -Dbench.rate=20} ...).
 *
 * @param mode             burst (everything applied at once), paced ({@code rate} per second) or scale (burst, large)
 * @param nodes            simulated nodes (Nodes + agents)
 * @param reservations     reservations, spread evenly over the nodes (at most {@link BenchPlan#PER_NODE_MAX} per node)
 * @param rate             paced mode: applies (and later deletes) per second; 0 in the other modes
 * @param steadySeconds    the steady-state window with everything Ready
 * @param restartSeconds   the window after the restarted controller process is ready
 * @param tailSeconds      how long after the last reservation is gone writes are still counted for the lifecycle
 * @param clientThreads    concurrent requests of the benchmark's own client (apply, delete, raw rate)
 * @param agentWorkers     converges that may run at the same time in the agent fleet
 * @param timeoutSeconds   longest wait for all Ready / all gone before the run fails
 * @param profile          machine profile of every simulated node
 * @param output           the JSON result file
 * @param controllerJvm    JAVA_TOOL_OPTIONS of the controller process (default: the chart's controller.jvmOptions)
 * @param fleetJvm         JVM options of the agent fleet process
 */
public record BenchConfig(Mode mode, int nodes, int reservations, double rate, int steadySeconds, int restartSeconds,
                          int tailSeconds, int clientThreads, int agentWorkers, int timeoutSeconds, String profile,
                          Path output, String controllerJvm, String fleetJvm) {

    public static final String DEFAULT_PROFILE = "mask-mode-apconfig";

    /** The shapes of issue 10: burst and scale apply everything at once, paced at {@code bench.rate}. */
    public enum Mode {
        BURST(100, 1000), PACED(100, 0), SCALE(1000, 10_000);

        final int defaultNodes;
        final int defaultReservations;

        Mode(int defaultNodes, int defaultReservations) {
            this.defaultNodes = defaultNodes;
            this.defaultReservations = defaultReservations;
        }

        String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Mode of(String s) {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        }
    }

    public BenchConfig {
        if (nodes < 1 || reservations < 1) {
            throw new IllegalArgumentException("bench.nodes and bench.reservations must be positive");
        }
        if (reservations > (long) nodes * BenchPlan.PER_NODE_MAX) {
            throw new IllegalArgumentException("at most " + BenchPlan.PER_NODE_MAX + " reservations per node (disjoint"
                    + " single-APQN rectangles of " + DEFAULT_PROFILE + "): " + reservations + " over " + nodes + " nodes");
        }
        if ((mode == Mode.PACED) != (rate > 0)) {
            throw new IllegalArgumentException("bench.rate is positive in paced mode and only there: " + mode + " " + rate);
        }
    }

    boolean paced() {
        return mode == Mode.PACED;
    }

    /** The modes {@code bench.mode} names: one, or {@code all} (burst, paced, scale in sequence). */
    public static java.util.List<Mode> modesFromSystemProperties() {
        String m = System.getProperty("bench.mode", "burst");
        return m.equalsIgnoreCase("all") ? java.util.List.of(Mode.values()) : java.util.List.of(Mode.of(m));
    }

    /**
     * A mode's parameters from system properties. Paced mode applies {@code bench.rate} (default 20)
     * reservations per second for {@code bench.durationSeconds} (default 60): rate x duration reservations.
     */
    public static BenchConfig fromSystemProperties(Mode mode) {
        int nodes = Integer.getInteger("bench.nodes", mode.defaultNodes);
        double rate = 0;
        int reservations;
        if (mode == Mode.PACED) {
            rate = Double.parseDouble(System.getProperty("bench.rate", "20"));
            reservations = (int) Math.round(rate * Integer.getInteger("bench.durationSeconds", 60));
        } else {
            reservations = Integer.getInteger("bench.reservations", mode.defaultReservations);
        }
        return new BenchConfig(mode, nodes, reservations, rate,
                Integer.getInteger("bench.steadySeconds", 60),
                Integer.getInteger("bench.restartSeconds", 20),
                Integer.getInteger("bench.tailSeconds", 5),
                Integer.getInteger("bench.clientThreads", 8),
                Integer.getInteger("bench.agentWorkers", 8),
                Integer.getInteger("bench.timeoutSeconds", 1800),
                System.getProperty("bench.profile", DEFAULT_PROFILE),
                Path.of(System.getProperty("bench.outputDir", "target/bench")).resolve("results-" + mode.id() + ".json"),
                System.getProperty("bench.controllerJvmOptions", ChartValues.controllerJvmOptions()),
                System.getProperty("bench.fleetJvmOptions", "-XX:+UseParallelGC"));
    }

    /** A small run of {@code mode} (the smoke test): everything else as given. */
    public static BenchConfig small(Mode mode, int nodes, int reservations, double rate, Path output) {
        return new BenchConfig(mode, nodes, reservations, rate, 2, 2, 1, 4, 2, 300, DEFAULT_PROFILE, output,
                ChartValues.controllerJvmOptions(), "-XX:+UseSerialGC -Xmx256m");
    }
}
