package dev.apqn.bench;

import com.fasterxml.jackson.databind.SerializationFeature;
import dev.apqn.api.v1alpha1.APNodeState;
import dev.apqn.api.v1alpha1.APQNReservation;
import dev.apqn.process.ProcessAccounts;
import dev.apqn.process.RoleProcess;
import dev.apqn.testing.LocalControlPlane;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Issue 10's benchmark (`make bench`), one mode per run of {@link #run()}, on a fresh kube-apiserver +
 * etcd ({@link LocalControlPlane}). Three processes of ours: the controller is the production artifact
 * ({@link ControllerProcess}: quarkus-run.jar, {@code apqn.role=controller}, the chart's JVM sizing), the
 * agents one {@link FleetMain} process (production NodeAgents on simulated kernels), and this JVM drives
 * (applies, deletes, watches, scrapes). Phases, each bracketed by a scrape of the API server's own
 * {@code apiserver_request_total} and the CPU seconds of every process ({@link Processes}):
 * <ol>
 * <li>create: apply all reservations (burst/scale: all at once, {@code bench.clientThreads} at a time;
 * paced: {@code bench.rate} per second), until the watch has seen every one Ready;</li>
 * <li>steady: {@code bench.steadySeconds} with everything Ready (target: zero writes but Leases);</li>
 * <li>restart: the controller process is terminated and a new one started; writes from the SIGTERM until
 * {@code bench.restartSeconds} after the new one leads;</li>
 * <li>delete: delete all (at the same pace), until the watch has seen every one gone, plus {@code bench.tailSeconds};</li>
 * <li>raw: controller stopped, a plain client applies and deletes the same objects in another namespace:
 * the rate and the API-server cost to compare with.</li>
 * </ol>
 * Writes the JSON ({@code bench.outputDir}/results-&lt;mode&gt;.json) and returns its content; {@link Summary}
 * prints it. Test scope: not part of the operator's artifact.
 */
public final class Bench {

    static final String NAMESPACE = "apqn-bench";
    static final String RAW_NAMESPACE = "apqn-bench-raw";
    static final String SYSTEM = APNodeState.LEASE_NAMESPACE;
    static final String FIELD_MANAGER = "apqn-bench";

    private final BenchConfig config;
    private final Map<String, Object> result = new LinkedHashMap<>();
    private final Map<String, Object> configFigures = new LinkedHashMap<>();
    private final Path logDir;
    /** The controller process in charge (replaced by the restart phase), for the liveness checks of the waits. */
    private volatile RoleProcess controllerRef;

    public Bench(BenchConfig config) {
        this.config = config;
        this.logDir = config.output().toAbsolutePath().getParent().resolve("logs-" + config.mode().id());
    }

    /** Runs the modes {@code bench.mode} names (one, or all three in sequence); exit 0 when everything went Ready and gone. */
    public static void main(String[] args) {
        int code = 0;
        for (BenchConfig.Mode mode : BenchConfig.modesFromSystemProperties()) {
            try {
                var config = BenchConfig.fromSystemProperties(mode);
                Map<String, Object> r = new Bench(config).run();
                System.out.println(Summary.render(r));
                System.out.println("results: " + config.output().toAbsolutePath());
                if (!(Boolean.TRUE.equals(r.get("allReady")) && Boolean.TRUE.equals(r.get("allGone")))) {
                    code = Math.max(code, 2);
                }
            } catch (Throwable t) {
                t.printStackTrace();
                code = 1;
            }
        }
        System.exit(code);
    }

    /** Runs every phase on a fresh control plane, writes the JSON file and returns its content. */
    public Map<String, Object> run() throws Exception {
        long t0 = System.nanoTime();
        double loadAtStart = ProcessMemory.loadAverage();
        log(config.mode().id() + ": starting kube-apiserver + etcd");
        try (LocalControlPlane cp = LocalControlPlane.start(); Processes processes = new Processes()) {
            cp.applyCrds("crds");
            KubernetesClient admin = cp.adminClient();
            for (String ns : List.of(SYSTEM, NAMESPACE, RAW_NAMESPACE)) {
                admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
                        .create();
            }
            createNodes(admin);
            ProcessAccounts accounts = ProcessAccounts.create(cp, SYSTEM);
            putConfig(cp, loadAtStart);
            try (KubernetesClient bench = new KubernetesClientBuilder()
                    .withConfig(Config.fromKubeconfig(cp.kubeconfigYaml())).build()) {
                runPhases(admin, bench, accounts, processes);
            }
        }
        result.put("totalSeconds", seconds(System.nanoTime() - t0));
        configFigures.put("loadAverageAtEnd", ProcessMemory.loadAverage());
        result.put("targets", Targets.evaluate(result));
        write();
        return result;
    }

    private void createNodes(KubernetesClient admin) throws Exception {
        log("creating " + config.nodes() + " Nodes");
        forEach(config.nodes(), 0, i -> admin.nodes().resource(new NodeBuilder().withNewMetadata()
                .withName(BenchPlan.nodeName(i)).withLabels(Map.of("kubernetes.io/arch", "s390x")).endMetadata().build())
                .create());
    }

    private void runPhases(KubernetesClient admin, KubernetesClient bench, ProcessAccounts accounts, Processes processes)
            throws Exception {
        var metrics = new ApiServerMetrics(admin, processes);
        Path controllerKubeconfig = accounts.kubeconfig(ProcessAccounts.CONTROLLER);
        Map<String, Object> memory = new LinkedHashMap<>();
        result.put("memory", memory);
        RoleProcess controller = null;
        FleetProcess fleet = null;
        // Ctrl-C skips the finally below; the controller process would outlive this JVM (the fleet ends with its input)
        Thread stopOnExit = new Thread(() -> {
            RoleProcess c = controllerRef;
            if (c != null) {
                c.close();
            }
        }, "bench-stop-controller");
        Runtime.getRuntime().addShutdownHook(stopOnExit);
        try {
            // ---- controller and agents, idle
            log("starting the controller process (" + config.controllerJvm() + ")");
            controller = ControllerProcess.startLeading("bench-controller-0", SYSTEM, controllerKubeconfig, config,
                    logDir.resolve("controller-0.log"));
            controllerRef = controller;
            processes.track(Processes.CONTROLLER, controller.pid());
            log("starting the agent fleet process: " + config.nodes() + " simulated agents (" + config.profile() + ")");
            fleet = FleetProcess.start(config, accounts.kubeconfig(ProcessAccounts.AGENT), SYSTEM, logDir.resolve("fleet.log"));
            processes.track(Processes.FLEET, fleet.pid());
            FleetProcess agents = fleet;
            awaitAgentsReporting(admin, fleet);
            memory.put("idleRssMiB", processes.rssMiB());
            memory.put("idleControllerHeapUsedMiB", ControllerProcess.heapUsedMiB(controller));

            List<APQNReservation> plan = BenchPlan.reservations(NAMESPACE, config.nodes(), config.reservations());
            ReservationWatch watch = ReservationWatch.start(bench, NAMESPACE, config.timeoutSeconds());
            try {
                // ---- create → Ready
                var s0 = metrics.scrape();
                log("applying " + plan.size() + " reservations" + (config.paced() ? " at " + config.rate() + "/s" : ""));
                long[] sent = new long[plan.size()];
                long[] done = new long[plan.size()];
                long applyStart = System.nanoTime();
                forEach(plan.size(), config.rate(), k -> {
                    sent[k] = System.nanoTime();
                    bench.resource(plan.get(k)).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
                    done[k] = System.nanoTime();
                });
                long applyEnd = Latencies.max(done);
                boolean allReady = watch.awaitReady(plan, () -> requireAlive(controllerRef, agents));
                var s1 = metrics.scrape();
                long s1Nanos = System.nanoTime();
                long lastReady = watch.lastReady(plan);
                int ready = watch.readyCount(plan);
                result.put("allReady", allReady);
                result.put("readyCount", ready);
                Map<String, Object> create = new LinkedHashMap<>();
                create.put("pacedRate", config.rate());
                create.put("applySeconds", seconds(applyEnd - applyStart));
                create.put("appliesPerSecond", rate(plan.size(), applyEnd - applyStart));
                create.put("applyLatencyMs", Latencies.percentiles(Latencies.between(sent, done)));
                create.put("applyToReadyMs", Latencies.percentiles(watch.sinceSent(plan, sent, true)));
                create.put("convergeSeconds", seconds(lastReady - applyStart));
                create.put("convergedPerSecond", rate(ready, lastReady - applyStart));
                result.put("create", create);
                log("all Ready: " + allReady + " (" + ready + "/" + plan.size() + ") in " + create.get("convergeSeconds") + " s");
                memory.put("convergedRssMiB", processes.rssMiB());
                memory.put("convergedControllerHeapUsedMiB", ControllerProcess.heapUsedMiB(controller));
                result.put("objectBytes", ObjectSizes.sample(admin, NAMESPACE, plan, logDir));

                // ---- steady state
                log("steady state for " + config.steadySeconds() + " s");
                int leftBefore = watch.leftReady();
                sleepUntil(s1Nanos, config.steadySeconds());
                var s2 = metrics.scrape();
                Map<String, Object> st = phase(s2.minus(s1), seconds(System.nanoTime() - s1Nanos));
                st.put("leftReady", watch.leftReady() - leftBefore);
                result.put("steady", st);

                // ---- controller restart: the process, over the same objects
                log("controller process restart (+" + config.restartSeconds() + " s after the new one leads)");
                long r0 = System.nanoTime();
                leftBefore = watch.leftReady();
                processes.retire(Processes.CONTROLLER);
                ControllerProcess.stop(controller);
                controller = ControllerProcess.startLeading("bench-controller-1", SYSTEM, controllerKubeconfig, config,
                        logDir.resolve("controller-1.log"));
                controllerRef = controller;
                processes.track(Processes.CONTROLLER, controller.pid());
                double leadsAfter = seconds(System.nanoTime() - r0);
                sleepUntil(System.nanoTime(), config.restartSeconds());
                var s3 = metrics.scrape();
                Map<String, Object> rs = phase(s3.minus(s2), seconds(System.nanoTime() - r0));
                rs.put("newControllerLeadsAfterSeconds", leadsAfter);
                rs.put("leftReady", watch.leftReady() - leftBefore);
                rs.put("leftReadyTo", watch.leftReadyTo());
                result.put("restart", rs);

                // ---- delete → gone
                log("deleting " + plan.size() + " reservations" + (config.paced() ? " at " + config.rate() + "/s" : ""));
                long[] delSent = new long[plan.size()];
                long deleteStart = System.nanoTime();
                forEach(plan.size(), config.rate(), k -> {
                    delSent[k] = System.nanoTime();
                    bench.resource(plan.get(k)).delete();
                });
                boolean allGone = watch.awaitGone(plan, () -> requireAlive(controllerRef, agents));
                long lastGone = watch.lastGone(plan);
                Map<String, Object> del = new LinkedHashMap<>();
                del.put("deleteToGoneMs", Latencies.percentiles(watch.sinceSent(plan, delSent, false)));
                del.put("goneSeconds", seconds(lastGone - deleteStart));
                del.put("gonePerSecond", rate(watch.goneCount(plan), lastGone - deleteStart));
                result.put("delete", del);
                result.put("allGone", allGone);
                result.put("goneCount", watch.goneCount(plan));
                log("all gone: " + allGone + " in " + del.get("goneSeconds") + " s; tail " + config.tailSeconds() + " s");
                sleepUntil(System.nanoTime(), config.tailSeconds());
                var s4 = metrics.scrape();

                var createPhase = s1.minus(s0);
                var deletePhase = s4.minus(s3);
                create.putAll(phase(createPhase, seconds(s1Nanos - applyStart)));
                del.putAll(phase(deletePhase, seconds(System.nanoTime() - deleteStart)));
                result.put("lifecycle", Lifecycle.of(createPhase, deletePhase, plan.size(),
                        seconds(s1Nanos - applyStart) + seconds(System.nanoTime() - deleteStart)));
                result.put("watch", watch.health());
            } finally {
                watch.close();
            }
            memory.put("peakRssMiB", processes.peakRssMiB());

            // ---- the raw rate: a plain client, no controller reacting (agents never touch reservations)
            log("raw client rate (controller stopped)");
            processes.retire(Processes.CONTROLLER);
            ControllerProcess.stop(controller);
            controller = null;
            controllerRef = null;
            result.put("raw", raw(bench, metrics));
            result.put("ratio", Lifecycle.ratio(result, config.reservations()));
        } finally {
            if (controller != null) {
                controller.close();
            }
            if (fleet != null) {
                fleet.close();
            }
            Runtime.getRuntime().removeShutdownHook(stopOnExit);
        }
    }

    /** A wait for Ready or gone ends early (false) when the controller or the fleet process died. */
    private static String requireAlive(RoleProcess controller, FleetProcess fleet) {
        if (controller != null && !controller.alive()) {
            return "the controller process exited (its output: " + controller.log() + ")";
        }
        if (!fleet.alive()) {
            return "the agent fleet process exited (its output: " + fleet.log() + ")";
        }
        return null;
    }

    // ------------------------------------------------------------------ phases

    private Map<String, Object> phase(ApiServerMetrics.Snapshot d, double seconds) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("seconds", seconds);
        Map<String, Object> writes = new LinkedHashMap<>();
        for (String res : Lifecycle.RESOURCES) {
            writes.put(res, d.total(res));
        }
        p.put("writes", writes);
        Map<String, Object> detail = new LinkedHashMap<>();
        for (String res : Lifecycle.RESOURCES) {
            detail.put(res, d.breakdown(res));
        }
        p.put("writesByVerb", detail);
        p.put("writesByResource", d.byResource());
        p.put("reviewsAndTokenRequests", d.notStored());
        p.put("conflicts409", d.conflicts());
        p.put("topRequests", d.topRequests());
        p.put("cpuSeconds", d.cpuSeconds());
        p.put("loadAverageAtEnd", ProcessMemory.loadAverage());
        return p;
    }

    private Map<String, Object> raw(KubernetesClient bench, ApiServerMetrics metrics) throws Exception {
        List<APQNReservation> plan = BenchPlan.reservations(RAW_NAMESPACE, config.nodes(), config.reservations());
        var before = metrics.scrape();
        long a0 = System.nanoTime();
        forEach(plan.size(), 0, k -> bench.resource(plan.get(k)).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply());
        long a1 = System.nanoTime();
        forEach(plan.size(), 0, k -> bench.resource(plan.get(k)).delete());
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
        r.put("cpuMsPerCreateDelete", Lifecycle.perItemMs(d.cpuSeconds(), plan.size()));
        return r;
    }

    // ------------------------------------------------------------------ agents

    private void awaitAgentsReporting(KubernetesClient admin, FleetProcess fleet) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(config.timeoutSeconds());
        long lastLog = System.nanoTime();
        while (true) {
            long reporting = admin.resources(APNodeState.class).list().getItems().stream()
                    .filter(s -> s.getMetadata().getName().startsWith("bench-node-") && s.getStatus() != null).count();
            if (reporting >= config.nodes()) {
                log("every APNodeState exists and has its agent's status");
                Thread.sleep(2000); // let the last status writes and events settle
                return;
            }
            if (!fleet.alive()) {
                throw new IllegalStateException("the agent fleet process exited; its output: " + fleet.log());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + reporting + " of " + config.nodes() + " agents reported");
            }
            if (System.nanoTime() - lastLog > TimeUnit.SECONDS.toNanos(10)) {
                log("  agents reporting: " + reporting + "/" + config.nodes());
                lastLog = System.nanoTime();
            }
            Thread.sleep(500);
        }
    }

    // ------------------------------------------------------------------ helpers

    interface Task {
        void run(int k) throws Exception;
    }

    /**
     * Runs {@code task(0..n-1)} on {@code bench.clientThreads} threads, in order of k; with a positive
     * {@code perSecond}, task k starts no earlier than k / perSecond seconds after the first. Fails on the first error.
     */
    private void forEach(int n, double perSecond, Task task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(config.clientThreads());
        long start = System.nanoTime();
        try {
            List<Future<?>> fs = new ArrayList<>(n);
            for (int k = 0; k < n; k++) {
                int kk = k;
                fs.add(pool.submit(() -> {
                    if (perSecond > 0) {
                        sleepUntil(start, kk / perSecond);
                    }
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

    static double seconds(long nanos) {
        return round3(nanos / 1e9);
    }

    static double rate(int n, long nanos) {
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

    private void putConfig(LocalControlPlane cp, double loadAtStart) {
        Map<String, Object> c = configFigures;
        c.put("mode", config.mode().id());
        c.put("nodes", config.nodes());
        c.put("reservations", config.reservations());
        c.put("rate", config.rate());
        c.put("steadySeconds", config.steadySeconds());
        c.put("restartSeconds", config.restartSeconds());
        c.put("tailSeconds", config.tailSeconds());
        c.put("clientThreads", config.clientThreads());
        c.put("agentWorkers", config.agentWorkers());
        c.put("profile", config.profile());
        c.put("controllerJvmOptions", config.controllerJvm());
        c.put("fleetJvmOptions", config.fleetJvm());
        c.put("kubernetesVersion", cp.kubernetesVersion());
        c.put("javaVersion", Runtime.version().toString());
        c.put("availableProcessors", Runtime.getRuntime().availableProcessors());
        c.put("loadAverageAtStart", loadAtStart);
        c.put("processes", "controller: quarkus-run.jar (apqn.role=controller); agentFleet: FleetMain (NodeAgents on"
                + " SimKernels); driver: this JVM (applies, deletes, watch, scrapes); kube-apiserver and etcd");
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
}
