package dev.apqn.bench;

import java.util.Map;

/** The human-readable summary of a result map (the JSON file holds everything). */
final class Summary {

    private Summary() {
    }

    static String render(Map<String, Object> r) {
        var sb = new StringBuilder();
        Map<?, ?> cfg = m(r, "config");
        Map<?, ?> create = m(r, "create");
        Map<?, ?> del = m(r, "delete");
        Map<?, ?> life = m(r, "lifecycle");
        Map<?, ?> steady = m(r, "steady");
        Map<?, ?> restart = m(r, "restart");
        Map<?, ?> mem = m(r, "memory");
        Map<?, ?> raw = m(r, "raw");
        Map<?, ?> ratio = m(r, "ratio");
        line(sb, "=== apqn-operator benchmark: %s reservations over %s simulated nodes (%s), %s CPUs, Kubernetes %s ===",
                cfg.get("reservations"), cfg.get("nodes"), cfg.get("profile"), cfg.get("availableProcessors"),
                cfg.get("kubernetesVersion"));
        line(sb, "all Ready: %s (%s)   all gone: %s (%s)", r.get("allReady"), r.get("readyCount"), r.get("allGone"),
                r.get("goneCount"));
        Map<?, ?> a2r = m(create, "applyToReadyMs");
        line(sb, "apply -> Ready       p50 %s ms  p95 %s ms  p99 %s ms  (max %s ms)", a2r.get("p50"), a2r.get("p95"),
                a2r.get("p99"), a2r.get("max"));
        line(sb, "converged            %s reservations/s (all Ready %s s after the first apply; applies took %s s, %s/s)",
                create.get("convergedPerSecond"), create.get("convergeSeconds"), create.get("applySeconds"),
                create.get("appliesPerSecond"));
        Map<?, ?> d2g = m(del, "deleteToGoneMs");
        line(sb, "delete -> gone       p50 %s ms  p95 %s ms  p99 %s ms; %s reservations/s", d2g.get("p50"), d2g.get("p95"),
                d2g.get("p99"), del.get("gonePerSecond"));
        line(sb, "writes per reservation lifecycle (create -> Ready -> delete -> gone, operator only, the bench's own %s"
                + " apply+delete subtracted):", life.get("benchOwnReservationWrites"));
        line(sb, "  APQNReservation %s   APNodeState %s   | Events %s   | Leases %s in %s s (%s/s, time-driven)",
                life.get("apqnReservationWritesPerReservation"), life.get("apNodeStateWritesPerReservation"),
                life.get("eventWritesPerReservation"), life.get("leaseWrites"), life.get("phaseSeconds"),
                life.get("leaseWritesPerSecond"));
        line(sb, "  create phase by verb: %s", m(create, "writesByVerb"));
        line(sb, "  delete phase by verb: %s", m(del, "writesByVerb"));
        line(sb, "steady state %s s:    %s  (target: zero but leases); left Ready: %s", steady.get("seconds"),
                steady.get("writes"), steady.get("leftReady"));
        line(sb, "  steady-state requests (reads too): %s; CPU s %s", steady.get("topRequests"), steady.get("cpuSeconds"));
        line(sb, "  create phase CPU s %s, load average at start %s, after create %s", create.get("cpuSeconds"),
                cfg.get("loadAverageAtStart"), create.get("loadAverageAtEnd"));
        line(sb, "controller restart %s s: %s; left Ready: %s %s", restart.get("seconds"), restart.get("writes"),
                restart.get("leftReady"), restart.get("leftReadyTo"));
        line(sb, "memory (one JVM: controller + %s agents + bench client): heap used after GC %s MiB (baseline %s,"
                        + " idle %s), committed %s MiB, RSS %s MiB", cfg.get("nodes"), mem.get("convergedHeapUsedMiB"),
                mem.get("baselineHeapUsedMiB"), mem.get("idleHeapUsedMiB"), mem.get("convergedHeapCommittedMiB"),
                mem.get("convergedRssMiB"));
        line(sb, "  controller's heap share %s MiB (freed when stopped); agents %s MiB (%s KiB per agent);"
                + " kube-apiserver/etcd RSS %s", mem.get("controllerHeapMiB"), mem.get("agentsHeapMiB"),
                mem.get("perAgentHeapKiB"), mem.get("apiServerAndEtcdRssMiB"));
        line(sb, "raw client (%s threads, controller stopped): %s applies/s, %s deletes/s, %s create+delete/s; CPU s %s",
                raw.get("clientThreads"), raw.get("appliesPerSecond"), raw.get("deletesPerSecond"), raw.get("lifecyclesPerSecond"),
                raw.get("cpuSeconds"));
        line(sb, "ratio to beat: converged/s / raw applies/s = %s; lifecycles/s %s vs raw %s = %s",
                ratio.get("convergedPerSecondOverRawAppliesPerSecond"), ratio.get("operatorLifecyclesPerSecond"),
                raw.get("lifecyclesPerSecond"), ratio.get("operatorLifecyclesOverRawLifecycles"));
        line(sb, "total %s s", r.get("totalSeconds"));
        return sb.toString();
    }

    private static Map<?, ?> m(Map<?, ?> r, String key) {
        Object o = r.get(key);
        return o instanceof Map<?, ?> mm ? mm : Map.of();
    }

    private static void line(StringBuilder sb, String fmt, Object... args) {
        sb.append(String.format(fmt, args)).append('\n');
    }
}
