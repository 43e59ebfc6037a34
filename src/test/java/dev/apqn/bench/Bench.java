package dev.apqn.bench;

import com.fasterxml.jackson.databind.SerializationFeature;
import dev.apqn.agent.kube.AgentFleet;
import dev.apqn.agent.kube.AgentSettings;
import dev.apqn.api.v1alpha1.APNodeState;
import dev.apqn.api.v1alpha1.APQNReservation;
import dev.apqn.api.v1alpha1.Phase;
import dev.apqn.app.ApqnConfigs;
import dev.apqn.controller.ControllerOperator;
import dev.apqn.controller.ControllerSettings;
import dev.apqn.testing.LocalControlPlane;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.Operator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Issue 5's benchmark (`make bench`): N reservations over M simulated nodes in one JVM, against a
 * real kube-apiserver + etcd ({@link LocalControlPlane}); the controller is the production
 * {@link ControllerOperator}, the agents a production {@link AgentFleet} (lightweight NodeAgents
 * sharing one runtime). Phases, each bracketed by a scrape of the API server's own
 * {@code apiserver_request_total}:
 * <ol>
 * <li>create: apply all reservations (server-side apply, {@code bench.clientThreads} at a time),
 * until the watch has seen every one Ready;</li>
 * <li>steady: {@code bench.steadySeconds} with everything Ready (target: zero writes but Leases);</li>
 * <li>restart: the controller is stopped (its heap share is what a GC frees), a fresh one started,
 * {@code bench.restartSeconds} watched;</li>
 * <li>delete: delete all, until the watch has seen every one gone, plus {@code bench.tailSeconds};</li>
 * <li>raw: controller stopped, a plain client applies and deletes the same objects in another
 * namespace: the rate to beat.</li>
 * </ol>
 * Prints a summary and writes JSON ({@code bench.output}, default target/bench/results.json).
 * Test scope: not part of the operator's artifact.
 */
public final class Bench {

    static final String NAMESPACE = "apqn-bench";
    static final String RAW_NAMESPACE = "apqn-bench-raw";
    static final String SYSTEM = APNodeState.LEASE_NAMESPACE;
    static final String FIELD_MANAGER = "apqn-bench";

    private final BenchConfig config;
    private final Map<String, Object> result = new LinkedHashMap<>();
    private final Map<String, Long> readyAt = new ConcurrentHashMap<>();
    private final Map<String, Long> goneAt = new ConcurrentHashMap<>();
    private final AtomicInteger leftReady = new AtomicInteger();
    private final Map<String, Integer> leftReadyTo = new ConcurrentHashMap<>();
    private final AtomicInteger seenByListOnly = new AtomicInteger();
    private final AtomicInteger watchRestarts = new AtomicInteger();

    public Bench(BenchConfig config) {
        this.config = config;
    }

    public static void main(String[] args) throws Exception {
        var config = BenchConfig.fromSystemProperties();
        int code = 0;
        try {
            Map<String, Object> r = new Bench(config).run();
            System.out.println(Summary.render(r));
            System.out.println("results: " + config.output().toAbsolutePath());
            code = Boolean.TRUE.equals(r.get("allReady")) && Boolean.TRUE.equals(r.get("allGone")) ? 0 : 2;
        } catch (Throwable t) {
            t.printStackTrace();
            code = 1;
        }
        System.exit(code);
    }

    /** Runs every phase on a fresh control plane, writes the JSON file and returns its content. */
    public Map<String, Object> run() throws Exception {
        long t0 = System.nanoTime();
        Path state = Files.createTempDirectory("apqn-bench-state");
        log("starting kube-apiserver + etcd");
        try (LocalControlPlane cp = LocalControlPlane.start()) {
            cp.applyCrds("crds");
            KubernetesClient admin = cp.adminClient();
            for (String ns : List.of(SYSTEM, NAMESPACE, RAW_NAMESPACE)) {
                admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
                        .create();
            }
            for (int i = 0; i < config.nodes(); i++) {
                admin.nodes().resource(new NodeBuilder().withNewMetadata().withName(BenchPlan.nodeName(i))
                        .withLabels(Map.of("kubernetes.io/arch", "s390x")).endMetadata().build()).create();
            }
            try (KubernetesClient bench = client(cp); KubernetesClient controllerClient = client(cp);
                 KubernetesClient agentClient = client(cp)) {
                runPhases(cp, admin, bench, controllerClient, agentClient, state);
            }
        } finally {
            deleteTree(state);
        }
        result.put("totalSeconds", seconds(System.nanoTime() - t0));
        write();
        return result;
    }

    private void runPhases(LocalControlPlane cp, KubernetesClient admin, KubernetesClient bench,
                           KubernetesClient controllerClient, KubernetesClient agentClient, Path state) throws Exception {
        var metrics = new ApiServerMetrics(admin);
        benchClient = bench;
        putConfig(cp);
        Map<String, Object> memory = new LinkedHashMap<>();
        result.put("memory", memory);
        memory.put("baselineHeapUsedMiB", ProcessMemory.heapUsedAfterGcMiB());
        memory.put("baselineRssMiB", ProcessMemory.selfRssMiB());

        // ---- agents and controller, idle
        log("starting " + config.nodes() + " simulated agents (" + config.profile() + ")");
        AgentSettings agentSettings = ApqnConfigs.agentDefaults().withLeaseNamespace(SYSTEM).withIdentity("apqn-bench");
        AgentFleet fleet = AgentFleet.create(agentClient, agentSettings, config.agentWorkers(), state);
        Operator controller = null;
        try {
            for (int i = 0; i < config.nodes(); i++) {
                fleet.addSimulatedNode(BenchPlan.nodeName(i), config.profile());
            }
            log("starting the controller");
            ControllerSettings controllerSettings = ApqnConfigs.controllerDefaults().withLeaderElection(true, SYSTEM);
            controller = startController(controllerClient, controllerSettings);
            awaitAgentsReporting(admin);
            memory.put("idleHeapUsedMiB", ProcessMemory.heapUsedAfterGcMiB());
            memory.put("idleRssMiB", ProcessMemory.selfRssMiB());

            Watch watch = watch(bench);
            try {
                // ---- create → Ready
                List<APQNReservation> plan = BenchPlan.reservations(NAMESPACE, config.nodes(), config.reservations());
                var s0 = metrics.scrape();
                log("applying " + plan.size() + " reservations");
                long[] sent = new long[plan.size()];
                long[] done = new long[plan.size()];
                long applyStart = System.nanoTime();
                forEach(bench, plan.size(), k -> {
                    sent[k] = System.nanoTime();
                    bench.resource(plan.get(k)).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
                    done[k] = System.nanoTime();
                });
                long applyEnd = max(done);
                boolean allReady = await("Ready", plan, readyAt, () -> listReady(bench, plan));
                long lastReady = plan.stream().mapToLong(r -> readyAt.getOrDefault(r.getMetadata().getName(), 0L)).max().orElse(0);
                var s1 = metrics.scrape();
                s1Nanos = System.nanoTime();
                result.put("allReady", allReady);
                result.put("readyCount", count(plan, readyAt));
                Map<String, Object> create = new LinkedHashMap<>();
                create.put("applySeconds", seconds(applyEnd - applyStart));
                create.put("appliesPerSecond", rate(plan.size(), applyEnd - applyStart));
                create.put("applyLatencyMs", percentiles(latencies(plan, sent, done, null)));
                create.put("applyToReadyMs", percentiles(latencies(plan, sent, null, readyAt)));
                create.put("convergeSeconds", seconds(lastReady - applyStart));
                create.put("convergedPerSecond", rate(count(plan, readyAt), lastReady - applyStart));
                result.put("create", create);
                log("all Ready: " + allReady + " (" + count(plan, readyAt) + "/" + plan.size() + ") in "
                        + create.get("convergeSeconds") + " s");

                memory.put("convergedHeapUsedMiB", ProcessMemory.heapUsedAfterGcMiB());
                memory.put("convergedHeapCommittedMiB", ProcessMemory.heapCommittedMiB());
                memory.put("convergedRssMiB", ProcessMemory.selfRssMiB());
                memory.put("apiServerAndEtcdRssMiB", ProcessMemory.childrenRssMiB());

                // ---- steady state
                log("steady state for " + config.steadySeconds() + " s");
                int leftBefore = leftReady.get();
                sleepUntil(s1Time(), config.steadySeconds());
                var s2 = metrics.scrape();
                var steady = s2.minus(s1);
                Map<String, Object> st = phase(steady, config.steadySeconds());
                st.put("leftReady", leftReady.get() - leftBefore);
                result.put("steady", st);

                // ---- controller restart: its heap share, then writes of a fresh controller over the same objects
                log("controller restart (" + config.restartSeconds() + " s)");
                long r0 = System.nanoTime();
                controller.stop();
                controller = null;
                double withoutController = ProcessMemory.heapUsedAfterGcMiB();
                memory.put("heapUsedWithoutControllerMiB", withoutController);
                double converged = (double) memory.get("convergedHeapUsedMiB");
                double baseline = (double) memory.get("baselineHeapUsedMiB");
                memory.put("controllerHeapMiB", ProcessMemory.round(converged - withoutController));
                memory.put("agentsHeapMiB", ProcessMemory.round(withoutController - baseline));
                memory.put("perAgentHeapKiB", Math.round((withoutController - baseline) * 1024.0 / config.nodes()));
                controller = startController(controllerClient, controllerSettings);
                leftBefore = leftReady.get();
                sleepUntil(r0, config.restartSeconds());
                var s3 = metrics.scrape();
                Map<String, Object> rs = phase(s3.minus(s2), seconds(System.nanoTime() - r0));
                rs.put("leftReady", leftReady.get() - leftBefore);
                rs.put("leftReadyTo", new java.util.TreeMap<>(leftReadyTo));
                result.put("restart", rs);

                // ---- delete → gone
                log("deleting " + plan.size() + " reservations");
                long[] delSent = new long[plan.size()];
                long deleteStart = System.nanoTime();
                forEach(bench, plan.size(), k -> {
                    delSent[k] = System.nanoTime();
                    bench.resource(plan.get(k)).delete();
                });
                boolean allGone = await("gone", plan, goneAt, () -> listGone(bench, plan));
                long lastGone = plan.stream().mapToLong(r -> goneAt.getOrDefault(r.getMetadata().getName(), 0L)).max().orElse(0);
                Map<String, Object> del = new LinkedHashMap<>();
                del.put("deleteToGoneMs", percentiles(latencies(plan, delSent, null, goneAt)));
                del.put("goneSeconds", seconds(lastGone - deleteStart));
                del.put("gonePerSecond", rate(count(plan, goneAt), lastGone - deleteStart));
                result.put("delete", del);
                result.put("allGone", allGone);
                result.put("goneCount", count(plan, goneAt));
                log("all gone: " + allGone + " in " + del.get("goneSeconds") + " s; tail " + config.tailSeconds() + " s");
                sleepUntil(System.nanoTime(), config.tailSeconds());
                var s4 = metrics.scrape();

                // ---- writes per lifecycle: create phase + delete phase (with tail), the bench's own requests subtracted
                var createPhase = s1.minus(s0);
                var deletePhase = s4.minus(s3);
                create.putAll(phase(createPhase, seconds(s1Nanos - applyStart)));
                del.putAll(phase(deletePhase, seconds(System.nanoTime() - deleteStart)));
                result.put("lifecycle", lifecycle(createPhase, deletePhase, plan.size(),
                        seconds(s1Nanos - applyStart) + seconds(System.nanoTime() - deleteStart)));
                result.put("watch", Map.of("restarts", watchRestarts.get(), "seenByListOnly", seenByListOnly.get()));
            } finally {
                watch.close();
            }

            // ---- the raw rate: a plain client, nothing else reacting
            log("raw client rate (controller stopped)");
            controller.stop();
            controller = null;
            result.put("raw", raw(bench, metrics));
            Map<String, Object> ratio = new LinkedHashMap<>();
            var create = (Map<?, ?>) result.get("create");
            var raw = (Map<?, ?>) result.get("raw");
            ratio.put("convergedPerSecondOverRawAppliesPerSecond",
                    round3((double) create.get("convergedPerSecond") / (double) raw.get("appliesPerSecond")));
            double opLifecycle = config.reservations()
                    / ((double) create.get("convergeSeconds") + (double) ((Map<?, ?>) result.get("delete")).get("goneSeconds"));
            ratio.put("operatorLifecyclesPerSecond", round3(opLifecycle));
            ratio.put("operatorLifecyclesOverRawLifecycles", round3(opLifecycle / (double) raw.get("lifecyclesPerSecond")));
            result.put("ratio", ratio);
        } finally {
            if (controller != null) {
                controller.stop();
            }
            fleet.close();
        }
    }

    private long s1Nanos;

    private KubernetesClient benchClient;

    private long s1Time() {
        return s1Nanos;
    }

    // ------------------------------------------------------------------ phases

    private Map<String, Object> phase(ApiServerMetrics.Snapshot d, double seconds) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("seconds", seconds);
        p.put("writes", Map.of(
                ApiServerMetrics.RESERVATIONS, d.total(ApiServerMetrics.RESERVATIONS),
                ApiServerMetrics.NODE_STATES, d.total(ApiServerMetrics.NODE_STATES),
                ApiServerMetrics.EVENTS, d.total(ApiServerMetrics.EVENTS),
                ApiServerMetrics.LEASES, d.total(ApiServerMetrics.LEASES)));
        Map<String, Object> detail = new LinkedHashMap<>();
        for (String res : List.of(ApiServerMetrics.RESERVATIONS, ApiServerMetrics.NODE_STATES, ApiServerMetrics.EVENTS,
                ApiServerMetrics.LEASES)) {
            detail.put(res, d.breakdown(res));
        }
        p.put("writesByVerb", detail);
        p.put("writesByResource", d.byResource());
        p.put("topRequests", d.topRequests());
        p.put("cpuSeconds", d.cpuSeconds());
        p.put("loadAverageAtEnd", ProcessMemory.loadAverage());
        return p;
    }

    private Map<String, Object> lifecycle(ApiServerMetrics.Snapshot create, ApiServerMetrics.Snapshot delete, int n,
                                          double seconds) {
        long own = 2L * n; // one apply and one delete per reservation, by the benchmark itself
        long res = create.total(ApiServerMetrics.RESERVATIONS) + delete.total(ApiServerMetrics.RESERVATIONS) - own;
        long nodeStates = create.total(ApiServerMetrics.NODE_STATES) + delete.total(ApiServerMetrics.NODE_STATES);
        long events = create.total(ApiServerMetrics.EVENTS) + delete.total(ApiServerMetrics.EVENTS);
        long leases = create.total(ApiServerMetrics.LEASES) + delete.total(ApiServerMetrics.LEASES);
        Map<String, Object> l = new LinkedHashMap<>();
        l.put("reservations", n);
        l.put("benchOwnReservationWrites", own);
        l.put("apqnReservationWritesPerReservation", round3((double) res / n));
        l.put("apNodeStateWritesPerReservation", round3((double) nodeStates / n));
        l.put("eventWritesPerReservation", round3((double) events / n));
        l.put("leaseWrites", leases);
        l.put("leaseWritesPerSecond", round3(leases / seconds));
        l.put("phaseSeconds", round3(seconds));
        return l;
    }

    private Map<String, Object> raw(KubernetesClient bench, ApiServerMetrics metrics) throws Exception {
        List<APQNReservation> plan = BenchPlan.reservations(RAW_NAMESPACE, config.nodes(), config.reservations());
        var before = metrics.scrape();
        long a0 = System.nanoTime();
        forEach(bench, plan.size(), k -> bench.resource(plan.get(k)).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply());
        long a1 = System.nanoTime();
        forEach(bench, plan.size(), k -> bench.resource(plan.get(k)).delete());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(config.timeoutSeconds());
        while (!bench.resources(APQNReservation.class).inNamespace(RAW_NAMESPACE).list().getItems().isEmpty()
                && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        long a2 = System.nanoTime();
        var d = metrics.scrape().minus(before);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("objects", plan.size());
        r.put("clientThreads", config.clientThreads());
        r.put("applySeconds", seconds(a1 - a0));
        r.put("appliesPerSecond", rate(plan.size(), a1 - a0));
        r.put("deleteSeconds", seconds(a2 - a1));
        r.put("deletesPerSecond", rate(plan.size(), a2 - a1));
        r.put("lifecyclesPerSecond", rate(plan.size(), a2 - a0));
        r.put("apqnReservationWrites", d.total(ApiServerMetrics.RESERVATIONS));
        r.put("otherWrites", d.byResource());
        r.put("cpuSeconds", d.cpuSeconds());
        return r;
    }

    // ------------------------------------------------------------------ controller, agents, watch

    private static Operator startController(KubernetesClient client, ControllerSettings settings) {
        Operator operator = ControllerOperator.create(client, settings, false);
        operator.start();
        return operator;
    }

    private void awaitAgentsReporting(KubernetesClient admin) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(config.timeoutSeconds());
        while (true) {
            long reporting = admin.resources(APNodeState.class).list().getItems().stream()
                    .filter(s -> s.getMetadata().getName().startsWith("bench-node-") && s.getStatus() != null).count();
            if (reporting >= config.nodes()) {
                log("every APNodeState exists and has its agent's status");
                Thread.sleep(2000); // let the last status writes and events settle
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + reporting + " of " + config.nodes() + " agents reported");
            }
            Thread.sleep(500);
        }
    }

    private Watch watch(KubernetesClient bench) {
        return bench.resources(APQNReservation.class).inNamespace(NAMESPACE).watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, APQNReservation r) {
                long t = System.nanoTime();
                String name = r.getMetadata().getName();
                switch (action) {
                    case ADDED, MODIFIED -> {
                        boolean ready = r.getStatus() != null && r.getStatus().getPhase() == Phase.Ready;
                        if (ready) {
                            readyAt.putIfAbsent(name, t);
                        } else if (readyAt.containsKey(name) && r.getMetadata().getDeletionTimestamp() == null) {
                            leftReady.incrementAndGet();
                            String to = r.getStatus() == null || r.getStatus().getPhase() == null ? "none"
                                    : r.getStatus().getPhase().name() + ": " + r.getStatus().getMessage();
                            leftReadyTo.merge(to.length() > 200 ? to.substring(0, 200) : to, 1, Integer::sum);
                        }
                    }
                    case DELETED -> goneAt.putIfAbsent(name, t);
                    default -> {
                    }
                }
            }

            @Override
            public void onClose(WatcherException cause) {
                // a watch the client could not resume; the waits fall back to listing
                watchRestarts.incrementAndGet();
                log("watch closed: " + cause.getMessage());
            }
        });
    }

    /** Waits until every name is in {@code seen}; after 10 s without progress, a list fills what the watch missed. */
    private boolean await(String what, List<APQNReservation> plan, Map<String, Long> seen, Supplier<Set<String>> list)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(config.timeoutSeconds());
        int last = -1;
        long lastProgress = System.nanoTime();
        long lastLog = System.nanoTime();
        while (true) {
            int n = count(plan, seen);
            if (n >= plan.size()) {
                return true;
            }
            long now = System.nanoTime();
            if (n != last) {
                last = n;
                lastProgress = now;
            }
            if (now - lastLog > TimeUnit.SECONDS.toNanos(10)) {
                log("  " + what + ": " + n + "/" + plan.size());
                lastLog = now;
            }
            if (now - lastProgress > TimeUnit.SECONDS.toNanos(10)) {
                for (String name : list.get()) {
                    if (seen.putIfAbsent(name, now) == null) {
                        seenByListOnly.incrementAndGet();
                    }
                }
                lastProgress = now;
            }
            if (now > deadline) {
                log("timed out waiting for " + what + ": " + n + "/" + plan.size() + "; phases: " + phases(plan));
                return false;
            }
            Thread.sleep(20);
        }
    }

    /** Phase counts of what is left, for the message of a timed-out wait. */
    private Map<String, Long> phases(List<APQNReservation> plan) {
        Map<String, Long> out = new java.util.TreeMap<>();
        try {
            benchClient.resources(APQNReservation.class).inNamespace(NAMESPACE).list().getItems().forEach(r -> out.merge(
                    r.getStatus() == null || r.getStatus().getPhase() == null ? "none" : r.getStatus().getPhase().name()
                            + (r.getMetadata().getDeletionTimestamp() != null ? "(deleting)" : ""), 1L, Long::sum));
        } catch (RuntimeException e) {
            out.put("list failed: " + e.getMessage(), 0L);
        }
        return out;
    }

    private static Set<String> listReady(KubernetesClient c, List<APQNReservation> plan) {
        Set<String> out = new HashSet<>();
        c.resources(APQNReservation.class).inNamespace(NAMESPACE).list().getItems().forEach(r -> {
            if (r.getStatus() != null && r.getStatus().getPhase() == Phase.Ready) {
                out.add(r.getMetadata().getName());
            }
        });
        return out;
    }

    private static Set<String> listGone(KubernetesClient c, List<APQNReservation> plan) {
        Set<String> present = new HashSet<>();
        c.resources(APQNReservation.class).inNamespace(NAMESPACE).list().getItems()
                .forEach(r -> present.add(r.getMetadata().getName()));
        Set<String> gone = new HashSet<>();
        plan.forEach(r -> {
            if (!present.contains(r.getMetadata().getName())) {
                gone.add(r.getMetadata().getName());
            }
        });
        return gone;
    }

    // ------------------------------------------------------------------ helpers

    interface Task {
        void run(int k) throws Exception;
    }

    /** Runs {@code task(0..n-1)} on {@code bench.clientThreads} threads, in order of k; fails on the first error. */
    private void forEach(KubernetesClient unused, int n, Task task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(config.clientThreads());
        try {
            List<Future<?>> fs = new ArrayList<>(n);
            for (int k = 0; k < n; k++) {
                int kk = k;
                fs.add(pool.submit(() -> {
                    task.run(kk);
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static KubernetesClient client(LocalControlPlane cp) {
        return new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(cp.kubeconfigYaml())).build();
    }

    private static int count(List<APQNReservation> plan, Map<String, Long> seen) {
        int n = 0;
        for (APQNReservation r : plan) {
            if (seen.containsKey(r.getMetadata().getName())) {
                n++;
            }
        }
        return n;
    }

    private static double[] latencies(List<APQNReservation> plan, long[] from, long[] toArray, Map<String, Long> toMap) {
        List<Double> out = new ArrayList<>();
        for (int k = 0; k < plan.size(); k++) {
            Long to = toArray != null ? Long.valueOf(toArray[k]) : toMap.get(plan.get(k).getMetadata().getName());
            if (to != null && to != 0 && from[k] != 0) {
                out.add((to - from[k]) / 1e6);
            }
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    static Map<String, Object> percentiles(double[] ms) {
        double[] s = ms.clone();
        Arrays.sort(s);
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("count", s.length);
        Function<Double, Double> q = f -> s.length == 0 ? Double.NaN
                : Math.round(s[Math.max(0, (int) Math.ceil(f * s.length) - 1)] * 10.0) / 10.0;
        p.put("p50", q.apply(0.50));
        p.put("p95", q.apply(0.95));
        p.put("p99", q.apply(0.99));
        p.put("max", q.apply(1.0));
        p.put("mean", s.length == 0 ? Double.NaN : Math.round(Arrays.stream(s).average().orElse(0) * 10.0) / 10.0);
        return p;
    }

    private static long max(long[] a) {
        return Arrays.stream(a).max().orElse(0);
    }

    private static double seconds(long nanos) {
        return round3(nanos / 1e9);
    }

    private static double rate(int n, long nanos) {
        return nanos <= 0 ? Double.NaN : round3(n / (nanos / 1e9));
    }

    static double round3(double v) {
        return Math.round(v * 1000.0) / 1000.0;
    }

    private static void sleepUntil(long startNanos, double seconds) throws InterruptedException {
        long end = startNanos + (long) (seconds * 1e9);
        long left;
        while ((left = end - System.nanoTime()) > 0) {
            Thread.sleep(Math.min(1000, Math.max(1, left / 1_000_000)));
        }
    }

    private void putConfig(LocalControlPlane cp) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("nodes", config.nodes());
        c.put("reservations", config.reservations());
        c.put("steadySeconds", config.steadySeconds());
        c.put("restartSeconds", config.restartSeconds());
        c.put("tailSeconds", config.tailSeconds());
        c.put("clientThreads", config.clientThreads());
        c.put("agentWorkers", config.agentWorkers());
        c.put("profile", config.profile());
        c.put("kubernetesVersion", cp.kubernetesVersion());
        c.put("javaVersion", Runtime.version().toString());
        c.put("availableProcessors", Runtime.getRuntime().availableProcessors());
        c.put("loadAverageAtStart", ProcessMemory.loadAverage());
        c.put("maxHeapMiB", ProcessMemory.mib(Runtime.getRuntime().maxMemory()));
        c.put("sharedJvm", "controller, agents, the benchmark's clients and the watch share one JVM;"
                + " kube-apiserver and etcd are separate processes");
        result.put("config", c);
    }

    private void write() throws IOException {
        Path out = config.output().toAbsolutePath();
        Files.createDirectories(out.getParent());
        Files.writeString(out, Serialization.jsonMapper().copy().enable(SerializationFeature.INDENT_OUTPUT)
                .writeValueAsString(result) + "\n");
    }

    static void log(String msg) {
        System.out.printf("[bench %tT] %s%n", System.currentTimeMillis(), msg);
    }

    private static void deleteTree(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp dir
        }
    }

}
