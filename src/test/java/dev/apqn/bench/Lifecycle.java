package dev.apqn.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per reservation lifecycle (create → Ready → delete → gone): the create phase plus the delete phase
 * (with its tail), the benchmark's own apply and delete of each reservation subtracted. Writes by
 * resource, 409 conflicts, CPU milliseconds of each process; and the ratios to the raw client.
 */
final class Lifecycle {

    static final List<String> RESOURCES = List.of(ApiServerMetrics.RESERVATIONS, ApiServerMetrics.NODE_STATES,
            ApiServerMetrics.EVENTS, ApiServerMetrics.LEASES);

    private Lifecycle() {
    }

    static Map<String, Object> of(ApiServerMetrics.Snapshot create, ApiServerMetrics.Snapshot delete, int n, double seconds) {
        long own = 2L * n; // one apply and one delete per reservation, by the benchmark itself
        long res = create.total(ApiServerMetrics.RESERVATIONS) + delete.total(ApiServerMetrics.RESERVATIONS) - own;
        long nodeStates = create.total(ApiServerMetrics.NODE_STATES) + delete.total(ApiServerMetrics.NODE_STATES);
        long events = create.total(ApiServerMetrics.EVENTS) + delete.total(ApiServerMetrics.EVENTS);
        long leases = create.total(ApiServerMetrics.LEASES) + delete.total(ApiServerMetrics.LEASES);
        Map<String, Long> conflicts = new java.util.TreeMap<>(create.conflicts());
        delete.conflicts().forEach((k, v) -> conflicts.merge(k, v, Long::sum));
        Map<String, Double> cpu = new LinkedHashMap<>(create.cpuSeconds());
        delete.cpuSeconds().forEach((k, v) -> cpu.merge(k, v, (a, b) -> ProcessMemory.centi(a + b)));
        Map<String, Object> l = new LinkedHashMap<>();
        l.put("reservations", n);
        l.put("benchOwnReservationWrites", own);
        l.put("apqnReservationWritesPerReservation", Bench.round3((double) res / n));
        l.put("apNodeStateWritesPerReservation", Bench.round3((double) nodeStates / n));
        l.put("eventWritesPerReservation", Bench.round3((double) events / n));
        l.put("leaseWrites", leases);
        l.put("leaseWritesPerSecond", Bench.round3(leases / seconds));
        l.put("conflicts409", conflicts);
        l.put("conflicts409Total", conflicts.values().stream().mapToLong(Long::longValue).sum());
        l.put("phaseSeconds", Bench.round3(seconds));
        l.put("cpuSeconds", cpu);
        l.put("cpuMsPerLifecycle", perItemMs(cpu, n));
        return l;
    }

    /** CPU seconds of each process ÷ {@code n}, in milliseconds. */
    static Map<String, Double> perItemMs(Map<String, Double> cpuSeconds, int n) {
        Map<String, Double> out = new LinkedHashMap<>();
        cpuSeconds.forEach((k, v) -> out.put(k, Bench.round3(v * 1000.0 / n)));
        return out;
    }

    /** The operator against the raw client of the same run: rates and the API server's CPU per lifecycle. */
    static Map<String, Object> ratio(Map<String, Object> result, int n) {
        var create = (Map<?, ?>) result.get("create");
        var raw = (Map<?, ?>) result.get("raw");
        var life = (Map<?, ?>) result.get("lifecycle");
        Map<String, Object> ratio = new LinkedHashMap<>();
        ratio.put("convergedPerSecondOverRawAppliesPerSecond",
                Bench.round3((double) create.get("convergedPerSecond") / (double) raw.get("appliesPerSecond")));
        double opLifecycle = n / ((double) create.get("convergeSeconds")
                + (double) ((Map<?, ?>) result.get("delete")).get("goneSeconds"));
        ratio.put("operatorLifecyclesPerSecond", Bench.round3(opLifecycle));
        ratio.put("operatorLifecyclesOverRawLifecycles", Bench.round3(opLifecycle / (double) raw.get("lifecyclesPerSecond")));
        double apiOp = (double) ((Map<?, ?>) life.get("cpuMsPerLifecycle")).get(Processes.API_SERVER);
        double apiRaw = (double) ((Map<?, ?>) raw.get("cpuMsPerCreateDelete")).get(Processes.API_SERVER);
        ratio.put("apiServerCpuPerLifecycleOverRaw", apiRaw <= 0 ? Double.NaN : Bench.round3(apiOp / apiRaw));
        return ratio;
    }
}
