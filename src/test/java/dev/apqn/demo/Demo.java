package dev.apqn.demo;

import dev.apqn.agent.kube.AgentFleet;
import dev.apqn.agent.kube.NodeAgent;
import dev.apqn.api.v1alpha1.APNodeState;
import dev.apqn.api.v1alpha1.APQNReservation;
import dev.apqn.api.v1alpha1.Approval;
import dev.apqn.api.v1alpha1.Phase;
import dev.apqn.apbus.sim.MachineProfiles;
import dev.apqn.app.ApqnConfigs;
import dev.apqn.controller.ControllerOperator;
import dev.apqn.status.Conditions;
import dev.apqn.testing.ChartRbac;
import dev.apqn.testing.Identity;
import dev.apqn.testing.LocalControlPlane;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.Operator;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * A running demo (what {@link DemoMain#run} returns): a local kube-apiserver + etcd, the CRDs, three
 * Nodes each served by a simulated agent, the controller in this JVM and the samples applied. Every
 * step prints to {@link DemoMain.Options#out()}. {@link #close()} stops agents, controller and control
 * plane, in that order; {@link #leftoverProcesses()} then tells whether any kube-apiserver/etcd it
 * started is still alive.
 */
public final class Demo implements AutoCloseable {

    static final String SYSTEM_NAMESPACE = APNodeState.LEASE_NAMESPACE;
    static final String AGENT_SA = "apqn-agent";

    private final DemoMain.Options o;
    private final PrintStream out;
    private final long t0 = System.nanoTime();

    private LocalControlPlane cp;
    private KubernetesClient admin;
    private Operator operator;
    private AgentFleet fleet;
    private final List<ProcessHandle> controlPlaneProcesses = new ArrayList<>();
    private Path kubeconfig;

    private final List<Samples.Outcome> valid = new ArrayList<>();
    private final List<Samples.Outcome> teaching = new ArrayList<>();
    private final Map<String, String> approved = new LinkedHashMap<>();
    private Duration timeToReady;
    private long firstApply;
    private final List<String> stuck = new ArrayList<>();
    private boolean closed;
    private final int columns;

    Demo(DemoMain.Options options) {
        this.o = options;
        this.out = options.out();
        this.columns = options.ansi() ? terminalColumns() : Integer.MAX_VALUE;
    }

    // ============================================================================ the steps

    void start() {
        startControlPlane();
        installCrds();
        createNodesAndRbac();
        startController();
        startAgents();
        applySamples();
        awaitReady();
        showResults();
    }

    private void startControlPlane() {
        step("1", "Local control plane (kube-apiserver + etcd, no Docker; docs/control-plane.md)");
        Set<Long> before = new HashSet<>();
        ProcessHandle.current().descendants().forEach(p -> before.add(p.pid()));
        long t = System.nanoTime();
        cp = LocalControlPlane.start();
        ProcessHandle.current().descendants().filter(p -> !before.contains(p.pid())).filter(Demo::isControlPlane)
                .forEach(controlPlaneProcesses::add);
        admin = cp.adminClient();
        kubeconfig = cp.writeKubeconfig(o.outDir().resolve("kubeconfig"));
        line("Kubernetes v%s API server at %s, up in %.1f s (pids %s)", cp.kubernetesVersion(), admin.getMasterUrl(),
                secondsSince(t), controlPlaneProcesses.stream().map(p -> p.info().command().map(c -> Path.of(c).getFileName()
                        + " " + p.pid()).orElse(String.valueOf(p.pid()))).toList());
    }

    private void installCrds() {
        step("2", "CRDs from crds/ (server-side apply, wait for Established)");
        var crds = cp.applyCrds(o.repo().resolve("crds").toString());
        crds.forEach(c -> line("customresourcedefinition.apiextensions.k8s.io/%s established (short names %s)",
                c.getMetadata().getName(), c.getSpec().getNames().getShortNames()));
    }

    private void createNodesAndRbac() {
        step("3", "Nodes and the agent's RBAC");
        ensureNamespace(SYSTEM_NAMESPACE);
        admin.serviceAccounts().inNamespace(SYSTEM_NAMESPACE).resource(new io.fabric8.kubernetes.api.model.ServiceAccountBuilder()
                .withNewMetadata().withName(AGENT_SA).endMetadata().build()).serverSideApply();
        ChartRbac.apply(admin, SYSTEM_NAMESPACE, ChartRbac.Role.agent);
        line("namespace %s, serviceaccount %s/%s with the chart's agent RBAC (charts/apqn-operator/templates/rbac-agent.yaml)",
                SYSTEM_NAMESPACE, SYSTEM_NAMESPACE, AGENT_SA);
        for (DemoNode n : DemoNode.ALL) {
            admin.nodes().resource(n.toNode()).fieldManager("apqn-demo").forceConflicts().serverSideApply();
            line("node/%s  %s", n.name(), n.labels());
        }
    }

    private void startController() {
        step("4", "Controller in this JVM (plain JOSDK operator, leader election off)");
        var settings = ApqnConfigs.controllerDefaults().withAgentLeaseNamespace(SYSTEM_NAMESPACE)
                .withAgentRecheck(Duration.ofSeconds(1)).withLeaderElection(false, SYSTEM_NAMESPACE);
        long t = System.nanoTime();
        operator = ControllerOperator.create(admin, settings, false);
        operator.start();
        line("ReservationReconciler, NodeReconciler, NodeStateManager started in %.1f s", secondsSince(t));
    }

    private void startAgents() {
        step("5", "One simulated node agent per Node (as service account " + SYSTEM_NAMESPACE + "/" + AGENT_SA + ")");
        KubernetesClient agentClient = cp.clientFor(Identity.serviceAccount(SYSTEM_NAMESPACE, AGENT_SA));
        await("the agent's RBAC to take effect", Duration.ofSeconds(60), () -> {
            try {
                agentClient.resources(Lease.class).inNamespace(SYSTEM_NAMESPACE).withName("probe").get();
                agentClient.resources(APNodeState.class).withField(NodeAgent.NAME_FIELD, "probe").list();
                return true;
            } catch (RuntimeException e) {
                return false;
            }
        });
        Path state = o.outDir().resolve("nodes");
        deleteTree(state);
        var settings = ApqnConfigs.agentDefaults().withIdentity("demo-agent").withLeaseNamespace(SYSTEM_NAMESPACE);
        fleet = AgentFleet.create(agentClient, settings, DemoNode.ALL.size(), state);
        for (DemoNode n : DemoNode.ALL) {
            fleet.addSimulatedNode(n.name(), n.profile());
        }
        await("every agent to report its node", Duration.ofSeconds(60), () -> DemoNode.ALL.stream().allMatch(n -> {
            APNodeState s = admin.resources(APNodeState.class).withName(n.name()).get();
            return s != null && s.getStatus() != null && s.getStatus().getMode() != null
                    && s.getStatus().getInventoryGeneration() != null;
        }));
        for (DemoNode n : DemoNode.ALL) {
            APNodeState s = admin.resources(APNodeState.class).withName(n.name()).get();
            var p = MachineProfiles.resolve(n.profile());
            line("%s  profile %-18s mode %-14s free APQNs %3s  %s", n.name(), n.profile(), s.getStatus().getMode(),
                    s.getStatus().getFreeApqns(), p.description());
        }
        line("agent state (intent ledgers, AP config locks) under %s", o.repo().relativize(state.toAbsolutePath()));
    }

    private void applySamples() {
        Path samples = o.repo().resolve("deploy/samples");
        step("6", "kubectl apply --server-side -f deploy/samples/");
        firstApply = System.nanoTime();
        for (var r : Samples.apply(admin, samples)) {
            printOutcome(r);
            if (r.applied() && r.kind().equals("APQNReservation")) {
                valid.add(r);
            } else if (!r.applied()) {
                throw new IllegalStateException("a valid sample was rejected: " + r.file() + ": " + r.message());
            }
        }
        step("7", "kubectl apply --server-side -f deploy/samples/errors/   (teaching examples)");
        for (var r : Samples.apply(admin, samples.resolve("errors"))) {
            printOutcome(r);
            teaching.add(r);
        }
    }

    private void printOutcome(Samples.Outcome r) {
        if (r.applied()) {
            line("%s serverside-applied", r.ref());
        } else {
            String msg = r.message();
            int cut = msg.indexOf(" is invalid: ");
            boolean bullets = cut > 0 && !r.causes().isEmpty();
            line("Error from server %s: error when applying %s: %s", r.reason(), o.repo().relativize(r.file().toAbsolutePath()),
                    bullets ? msg.substring(0, cut + " is invalid:".length()) : msg);
            if (bullets) {
                r.causes().forEach(c -> line("  * %s", c));
            }
        }
    }

    private void awaitReady() {
        step("8", "Progress until every valid reservation is Ready (* = teaching example)"
                + (o.approveManual() ? "; approval: Manual plans are approved as the user would" : ""));
        Set<String> validKeys = new LinkedHashSet<>(valid.stream().map(Samples.Outcome::key).toList());
        Set<String> teachingKeys = new LinkedHashSet<>(teaching.stream().filter(Samples.Outcome::applied)
                .map(Samples.Outcome::key).toList());
        long start = firstApply;
        long deadline = System.nanoTime() + o.readyTimeout().toNanos();
        List<String> shown = List.of();
        int drawn = 0;
        while (true) {
            List<APQNReservation> all = reservations();
            boolean done = validKeys.stream().allMatch(k -> phase(all, k).filter(p -> p == Phase.Ready).isPresent())
                    && teachingKeys.stream().allMatch(k -> find(all, k).filter(Demo::showsError).isPresent());
            List<String> notes = o.approveManual() ? approveWaiting(all) : List.of();
            List<String> table = Tables.progress(all, teachingKeys);
            String head = String.format("  %5.1f s  %d/%d Ready", secondsSince(start),
                    validKeys.stream().filter(k -> phase(all, k).filter(p -> p == Phase.Ready).isPresent()).count(),
                    validKeys.size());
            if (o.ansi()) {
                // redraw in place: notes go above the table and stay; lines are cut to the terminal's width
                if (drawn > 0) {
                    out.print("\033[" + drawn + "F\033[J");
                }
                notes.forEach(out::println);
                out.println(fit(head));
                table.forEach(l -> out.println(fit("  " + l)));
                drawn = table.size() + 1;
                out.flush();
            } else {
                notes.forEach(out::println);
                if (!table.equals(shown) || done) {
                    out.println(head);
                    table.forEach(l -> out.println("  " + l));
                    shown = table;
                }
                out.flush();
            }
            if (done) {
                timeToReady = Duration.ofNanos(System.nanoTime() - start);
                line("all %d valid reservations Ready %.1f s after the first apply (%.1f s after the demo started)",
                        validKeys.size(), timeToReady.toMillis() / 1000.0, secondsSince(t0));
                return;
            }
            if (System.nanoTime() > deadline) {
                for (String k : validKeys) {
                    var r = find(all, k);
                    if (r.flatMap(x -> Optional.ofNullable(x.getStatus())).map(s -> s.getPhase() != Phase.Ready).orElse(true)) {
                        stuck.add(k + ": " + r.map(Demo::describe).orElse("not found"));
                    }
                }
                for (String k : teachingKeys) {
                    if (find(all, k).filter(Demo::showsError).isEmpty()) {
                        stuck.add(k + " (teaching example, expected Conflict/Stalled): " + find(all, k).map(Demo::describe).orElse("not found"));
                    }
                }
                line("NOT all Ready after %d s; stuck:", o.readyTimeout().toSeconds());
                stuck.forEach(s -> line("  %s", s));
                return;
            }
            sleep(o.ansi() ? 250 : 200);
        }
    }

    private List<String> approveWaiting(List<APQNReservation> all) {
        var notes = new ArrayList<String>();
        for (APQNReservation r : all) {
            var s = r.getStatus();
            if (s == null || s.getPhase() != Phase.AwaitingApproval || r.getSpec().getApproval() != Approval.Manual
                    || s.getPlan() == null || s.getPlan().getHash() == null) {
                continue;
            }
            String hash = s.getPlan().getHash();
            if (hash.equals(r.getSpec().getApprovedPlan()) || hash.equals(approved.get(Tables.key(r)))) {
                continue;
            }
            String ns = r.getMetadata().getNamespace();
            String name = r.getMetadata().getName();
            admin.resources(APQNReservation.class).inNamespace(ns).withName(name)
                    .patch(new PatchContext.Builder().withPatchType(PatchType.JSON_MERGE).withFieldManager("kubectl-patch").build(),
                            "{\"spec\":{\"approvedPlan\":\"" + hash + "\"}}");
            approved.put(Tables.key(r), hash);
            notes.add(String.format("  %s/%s is AwaitingApproval (approval: Manual, plan %s); the user approves it:", ns, name, hash));
            notes.add(String.format("    $ kubectl -n %s patch apqnr %s --type merge -p '{\"spec\":{\"approvedPlan\":\"%s\"}}'", ns, name, hash));
            notes.add(String.format("    apqnreservation.apqn.dev/%s patched", name));
        }
        return notes;
    }

    /** A line cut to the terminal's width, so that redrawing by line count stays exact. */
    private String fit(String line) {
        return line.length() < columns ? line : line.substring(0, Math.max(0, columns - 1));
    }

    private static int terminalColumns() {
        try {
            String env = System.getenv("COLUMNS");
            if (env != null && env.matches("\\d+")) {
                return Integer.parseInt(env);
            }
            Process p = new ProcessBuilder("sh", "-c", "stty size < /dev/tty").redirectErrorStream(true).start();
            String[] hw = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim().split("\\s+");
            if (p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0 && hw.length == 2 && Integer.parseInt(hw[1]) > 20) {
                return Integer.parseInt(hw[1]);
            }
        } catch (IOException | NumberFormatException e) {
            // fall through
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 80;
    }

    private void showResults() {
        step("9", "The teaching examples");
        for (var t : teaching) {
            String file = "errors/" + t.file().getFileName();
            if (!t.applied()) {
                line("%-34s rejected by the API server: %s", file, t.causes().isEmpty() ? t.message() : String.join("; ", t.causes()));
                continue;
            }
            var r = admin.resources(APQNReservation.class).inNamespace(t.namespace()).withName(t.name()).get();
            line("%-34s accepted; %s", file, r == null ? "gone" : describe(r));
            if (r != null && r.getStatus() != null && r.getStatus().getMessage() != null) {
                line("%-34s   message: %s", "", r.getStatus().getMessage());
            }
        }
        step("10", "kubectl get apqnr -A");
        kubectl("get", "apqnr", "-A").ifPresentOrElse(l -> l.forEach(x -> line("%s", x)),
                () -> Tables.reservations(reservations()).forEach(x -> line("%s", x)));
        step("11", "kubectl get apns");
        kubectl("get", "apns").ifPresentOrElse(l -> l.forEach(x -> line("%s", x)),
                () -> Tables.nodeStates(admin.resources(APNodeState.class).list().getItems()).forEach(x -> line("%s", x)));
    }

    // ============================================================================ results

    /** The admin kubeconfig (also written to {@code <outDir>/kubeconfig}). */
    public Path kubeconfig() {
        return kubeconfig;
    }

    public KubernetesClient client() {
        return admin;
    }

    public AgentFleet fleet() {
        return fleet;
    }

    /** Valid reservations not Ready (and teaching examples not showing their error) when the wait ended. */
    public List<String> stuck() {
        return List.copyOf(stuck);
    }

    public Optional<Duration> timeToReady() {
        return Optional.ofNullable(timeToReady);
    }

    /** The reservations of deploy/samples/ (namespace/name). */
    public List<String> validReservations() {
        return valid.stream().map(Samples.Outcome::key).toList();
    }

    /** What applying deploy/samples/errors/ did, per object. */
    public List<Samples.Outcome> teachingExamples() {
        return List.copyOf(teaching);
    }

    /** Reservations approved by the demo (namespace/name to plan hash). */
    public Map<String, String> approvals() {
        return Map.copyOf(approved);
    }

    /** The kube-apiserver and etcd processes this demo started. */
    public List<ProcessHandle> controlPlaneProcesses() {
        return List.copyOf(controlPlaneProcesses);
    }

    /** Those of {@link #controlPlaneProcesses()} still alive, and any other kube-apiserver/etcd child of this JVM. */
    public List<ProcessHandle> leftoverProcesses() {
        var left = new ArrayList<ProcessHandle>(controlPlaneProcesses.stream().filter(ProcessHandle::isAlive).toList());
        ProcessHandle.current().descendants().filter(Demo::isControlPlane).filter(p -> !left.contains(p))
                .filter(p -> controlPlaneProcesses.stream().anyMatch(c -> c.pid() == p.pid())).forEach(left::add);
        return left;
    }

    List<APQNReservation> reservations() {
        return admin.resources(APQNReservation.class).inAnyNamespace().list().getItems().stream()
                .sorted(Comparator.comparing(Tables::key)).toList();
    }

    // ============================================================================ shutdown

    /** Stops the agents, the controller and the control plane (idempotent); waits until its processes are gone. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (fleet != null) {
            run("agents", fleet::close);
        }
        if (operator != null) {
            run("controller", operator::stop);
        }
        if (cp != null) {
            run("control plane", cp::stop);
        }
        for (ProcessHandle p : controlPlaneProcesses) {
            try {
                p.onExit().get(15, TimeUnit.SECONDS);
            } catch (Exception e) {
                // reported by leftoverProcesses()
            }
        }
    }

    private void run(String what, Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            out.printf("  stopping the %s: %s%n", what, e);
        }
    }

    // ============================================================================ helpers

    private Optional<List<String>> kubectl(String... args) {
        Path bin = LocalControlPlane.cacheDir().resolve("bin").resolve("kubectl");
        if (!o.useKubectl() || !Files.isExecutable(bin)) {
            return Optional.empty();
        }
        var cmd = new ArrayList<String>();
        cmd.add(bin.toString());
        cmd.addAll(List.of(args));
        try {
            var pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            pb.environment().put("KUBECONFIG", kubeconfig.toString());
            Process p = pb.start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                return Optional.empty();
            }
            return Optional.of(text.lines().toList());
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    static boolean showsError(APQNReservation r) {
        var s = r.getStatus();
        return s != null && (s.getPhase() == Phase.Conflict || Conditions.find(s.getConditions(), Conditions.STALLED)
                .filter(c -> "True".equals(c.getStatus())).isPresent());
    }

    static String describe(APQNReservation r) {
        var s = r.getStatus();
        if (s == null) {
            return "no status yet";
        }
        var sb = new StringBuilder("phase ").append(s.getPhase());
        if (s.getConditions() != null) {
            s.getConditions().stream().filter(c -> "True".equals(c.getStatus()))
                    .forEach(c -> sb.append(", ").append(c.getType()).append("=True (").append(c.getReason()).append(")"));
        }
        return sb.toString();
    }

    private static Optional<APQNReservation> find(List<APQNReservation> all, String key) {
        return all.stream().filter(r -> Tables.key(r).equals(key)).findFirst();
    }

    private static Optional<Phase> phase(List<APQNReservation> all, String key) {
        return find(all, key).map(APQNReservation::getStatus).map(s -> s.getPhase());
    }

    static boolean isControlPlane(ProcessHandle p) {
        return p.info().command().map(c -> {
            String f = Path.of(c).getFileName().toString();
            return f.equals("kube-apiserver") || f.equals("etcd");
        }).orElse(false);
    }

    private void ensureNamespace(String ns) {
        admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
                .fieldManager("apqn-demo").forceConflicts().serverSideApply();
    }

    private void step(String n, String title) {
        out.printf("%n%s. %s  [%.1f s]%n", n, title, secondsSince(t0));
        out.flush();
    }

    private void line(String fmt, Object... args) {
        out.println("  " + String.format(fmt, args));
        out.flush();
    }

    private static double secondsSince(long nanos) {
        return (System.nanoTime() - nanos) / 1e9;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static void await(String what, Duration max, BooleanSupplier condition) {
        long deadline = System.nanoTime() + max.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out after " + max.toSeconds() + " s waiting for " + what);
            }
            sleep(100);
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
