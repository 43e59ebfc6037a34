package dev.apqn.bench;

import java.util.List;
import java.util.Map;

/** The human-readable summary of a result map (the JSON file holds everything): the figures, then the targets. */
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
        line(sb, "=== apqn-operator benchmark v2, mode %s: %s reservations over %s simulated nodes%s (%s), %s CPUs,"
                        + " Kubernetes %s ===", cfg.get("mode"), cfg.get("reservations"), cfg.get("nodes"),
                "paced".equals(cfg.get("mode")) ? " at " + cfg.get("rate") + "/s" : "", cfg.get("profile"),
                cfg.get("availableProcessors"), cfg.get("kubernetesVersion"));
        line(sb, "load average (1 min): %s at start, %s at end; %s s in all", cfg.get("loadAverageAtStart"),
                cfg.get("loadAverageAtEnd"), r.get("totalSeconds"));
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
        line(sb, "CPU ms per lifecycle %s", m(life, "cpuMsPerLifecycle"));
        line(sb, "  raw create+delete  %s", m(raw, "cpuMsPerCreateDelete"));
        line(sb, "writes per lifecycle (operator; the bench's own %s applies+deletes subtracted): APQNReservation %s"
                        + "  APNodeState %s  Events %s | Leases %s in %s s (%s/s) | 409 conflicts %s %s",
                life.get("benchOwnReservationWrites"), life.get("apqnReservationWritesPerReservation"),
                life.get("apNodeStateWritesPerReservation"), life.get("eventWritesPerReservation"), life.get("leaseWrites"),
                life.get("phaseSeconds"), life.get("leaseWritesPerSecond"), life.get("conflicts409Total"),
                life.get("conflicts409"));
        line(sb, "  create phase by verb: %s", m(create, "writesByVerb"));
        line(sb, "  delete phase by verb: %s", m(del, "writesByVerb"));
        line(sb, "steady state %s s: writes %s, 409 %s; left Ready %s", steady.get("seconds"),
                steady.get("writesByResource"), steady.get("conflicts409"), steady.get("leftReady"));
        line(sb, "  requests (reads too): %s; CPU s %s", steady.get("topRequests"), steady.get("cpuSeconds"));
        line(sb, "controller process restart %s s (new one leads after %s s): writes %s, 409 %s; left Ready %s %s",
                restart.get("seconds"), restart.get("newControllerLeadsAfterSeconds"), restart.get("writesByResource"),
                restart.get("conflicts409"), restart.get("leftReady"), restart.get("leftReadyTo"));
        line(sb, "RSS MiB idle %s", mem.get("idleRssMiB"));
        line(sb, "        converged %s", mem.get("convergedRssMiB"));
        line(sb, "        peak %s", mem.get("peakRssMiB"));
        line(sb, "  controller heap used (its /q/metrics): idle %s MiB, converged %s MiB; JAVA_TOOL_OPTIONS %s",
                mem.get("idleControllerHeapUsedMiB"), mem.get("convergedControllerHeapUsedMiB"),
                cfg.get("controllerJvmOptions"));
        line(sb, "object bytes when Ready (JSON as stored; samples in logs-<mode>/): %s", r.get("objectBytes"));
        line(sb, "raw client (%s threads, controller stopped): %s applies/s, %s deletes/s, %s create+delete/s",
                raw.get("clientThreads"), raw.get("appliesPerSecond"), raw.get("deletesPerSecond"),
                raw.get("lifecyclesPerSecond"));
        line(sb, "ratios: converged/s / raw applies/s = %s; lifecycles/s %s / raw %s = %s; API-server CPU per lifecycle"
                        + " / raw = %s", ratio.get("convergedPerSecondOverRawAppliesPerSecond"),
                ratio.get("operatorLifecyclesPerSecond"), raw.get("lifecyclesPerSecond"),
                ratio.get("operatorLifecyclesOverRawLifecycles"), ratio.get("apiServerCpuPerLifecycleOverRaw"));
        Object targets = r.get("targets");
        boolean shape = targets instanceof List<?> l && !l.isEmpty() && Boolean.TRUE.equals(((Map<?, ?>) l.get(0)).get("issueShape"));
        line(sb, "targets of issue 10 (%s):", shape ? "the issue's shape" : "REDUCED SIZE: not the issue's shape");
        if (targets instanceof List<?> list) {
            for (Object o : list) {
                Map<?, ?> t = (Map<?, ?>) o;
                line(sb, "  %-58s %12s %-10s %s", t.get("target"), t.get("figure"), t.get("unit"), t.get("met"));
            }
        }
        return sb.toString();
    }

    private static Map<?, ?> m(Map<?, ?> r, String key) {
        return Targets.m(r, key);
    }

    private static void line(StringBuilder sb, String fmt, Object... args) {
        sb.append(String.format(fmt, args)).append('\n');
    }
}
