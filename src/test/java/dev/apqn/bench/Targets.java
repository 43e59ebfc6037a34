package dev.apqn.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoublePredicate;

/**
 * Issue 10's targets beside this run's figure. A target belongs to a mode (or to every mode); in
 * another mode its row says "other mode". {@code issueShape} says whether the run had the size the
 * issue names (1,000 × 100 burst, 20/s for 60 s paced, 10,000 × 1,000 scale): a reduced run's figures
 * are not the issue's.
 */
final class Targets {

    private Targets() {
    }

    static List<Map<String, Object>> evaluate(Map<String, Object> r) {
        Map<?, ?> cfg = m(r, "config");
        String mode = String.valueOf(cfg.get("mode"));
        boolean issueShape = issueShape(mode, cfg);
        Map<?, ?> create = m(r, "create");
        Map<?, ?> life = m(r, "lifecycle");
        Map<?, ?> ratio = m(r, "ratio");
        Map<?, ?> mem = m(r, "memory");
        List<Map<String, Object>> out = new ArrayList<>();
        add(out, mode, "paced", issueShape, "paced 20/s: apply->Ready p99 <= 500 ms",
                num(m(create, "applyToReadyMs").get("p99")), "ms", v -> v <= 500);
        add(out, mode, "burst", issueShape, "burst: >= 100 reservations converged/s",
                num(create.get("convergedPerSecond")), "/s", v -> v >= 100);
        add(out, mode, "burst", issueShape, "burst: converged/s / raw applies/s >= 0.15",
                num(ratio.get("convergedPerSecondOverRawAppliesPerSecond")), "", v -> v >= 0.15);
        add(out, mode, "burst", issueShape, "burst: apply->Ready p99 <= 10 s",
                num(m(create, "applyToReadyMs").get("p99")) / 1000.0, "s", v -> v <= 10);
        add(out, mode, null, issueShape, "API-server CPU per lifecycle <= 3x raw create+delete",
                num(ratio.get("apiServerCpuPerLifecycleOverRaw")), "x raw", v -> v <= 3);
        add(out, mode, null, issueShape, "controller CPU per lifecycle <= 2 ms",
                num(m(life, "cpuMsPerLifecycle").get(Processes.CONTROLLER)), "ms", v -> v <= 2);
        add(out, mode, "scale", issueShape, "scale: all Ready, then all gone",
                Boolean.TRUE.equals(r.get("allReady")) && Boolean.TRUE.equals(r.get("allGone")) ? 1 : 0, "(1 = yes)",
                v -> v == 1);
        add(out, mode, "scale", issueShape, "scale: controller RSS <= 256 MiB (peak, sampled every s)",
                num(m(mem, "peakRssMiB").get(Processes.CONTROLLER)), "MiB", v -> v <= 256);
        add(out, mode, null, issueShape, "steady state: 0 writes but Leases",
                nonLeaseWrites(m(r, "steady")), "writes", v -> v == 0);
        add(out, mode, null, issueShape, "controller restart: 0 writes but Leases",
                nonLeaseWrites(m(r, "restart")), "writes", v -> v == 0);
        return out;
    }

    private static boolean issueShape(String mode, Map<?, ?> cfg) {
        int nodes = (int) num(cfg.get("nodes"));
        int reservations = (int) num(cfg.get("reservations"));
        return switch (mode) {
            case "burst" -> nodes == 100 && reservations == 1000;
            case "paced" -> nodes == 100 && num(cfg.get("rate")) == 20 && reservations == 1200;
            case "scale" -> nodes == 1000 && reservations == 10_000;
            default -> false;
        };
    }

    /** Every write of a phase but Leases (the API server's counters: every client). */
    static double nonLeaseWrites(Map<?, ?> phase) {
        return m(phase, "writesByResource").entrySet().stream()
                .filter(e -> !ApiServerMetrics.LEASES.equals(e.getKey()))
                .mapToDouble(e -> num(e.getValue())).sum();
    }

    private static void add(List<Map<String, Object>> out, String mode, String targetMode, boolean issueShape,
                            String target, double figure, String unit, DoublePredicate ok) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("target", target);
        row.put("figure", Double.isNaN(figure) ? "n/a" : Bench.round3(figure));
        row.put("unit", unit);
        boolean applies = targetMode == null || targetMode.equals(mode);
        row.put("met", !applies ? "other mode" : Double.isNaN(figure) ? "no figure" : ok.test(figure) ? "yes" : "NO");
        row.put("issueShape", issueShape);
        out.add(row);
    }

    static double num(Object o) {
        return o instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    static Map<?, ?> m(Map<?, ?> r, String key) {
        Object o = r.get(key);
        return o instanceof Map<?, ?> mm ? mm : Map.of();
    }
}
