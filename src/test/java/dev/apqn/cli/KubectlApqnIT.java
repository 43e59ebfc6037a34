package dev.apqn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;

import dev.apqn.api.v1alpha1.APNodeState;
import dev.apqn.api.v1alpha1.APQNPolicy;
import dev.apqn.api.v1alpha1.APQNReservation;
import dev.apqn.api.v1alpha1.Approval;
import dev.apqn.api.v1alpha1.Claim;
import dev.apqn.api.v1alpha1.Phase;
import dev.apqn.api.v1alpha1.ReleasePolicy;
import dev.apqn.apbus.sim.SimKernel;
import dev.apqn.demo.Demo;
import dev.apqn.demo.DemoMain;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import dev.apqn.testing.LocalControlPlane;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The plugin as it ships, against the demo cluster (DemoMain: a real kube-apiserver + etcd, the controller
 * and the simulated agents of demo-z15/z16/z17, the samples) plus what the demo lacks: a stress-256 node
 * (no policy selects it; one card checkstopped, one deconfigured, one offline; a Ready reservation with
 * collateral and one awaiting approval), a node with an mdev the operator did not make, and queues kept
 * off the host after a release with releasePolicy: Keep. With {@code -Dkubectl-apqn.capture=true} it also
 * writes the cluster's objects to the golden tests' fixture ({@link ClusterSnapshot}).
 */
class KubectlApqnIT {

    static final String STRESS = "demo-stress";
    static final String MDEVCTL = "demo-z16-mdevctl";

    static Demo demo;
    static KubernetesClient admin;
    static Path pluginDir;

    @BeforeAll
    static void startTheDemoAndAddTheOtherNodeKinds() throws Exception {
        demo = DemoMain.run(DemoMain.Options.defaults().withOutDir(Path.of("target", "kubectl-apqn-it"))
                .withReadyTimeout(Duration.ofSeconds(120)));
        admin = demo.client();
        assertThat(demo.stuck()).as("the demo's reservations are Ready").isEmpty();

        // the sample policy keeps adapter 0 and domain 0 for the host, which on a node with card 00 leaves no
        // mask bit to clear; it keeps selecting the demo nodes (they carry kubernetes.io/os), not the stress node
        APQNPolicy policy = admin.resources(APQNPolicy.class).withName("s390x-nodes").get();
        policy.getSpec().getNodeSelector().put("kubernetes.io/os", "linux");
        admin.resource(policy).update();

        node(STRESS, Map.of("node.kubernetes.io/instance-type", "stress-256"));
        SimKernel stress = demo.fleet().addSimulatedNode(STRESS, "stress-256");
        node(MDEVCTL, Map.of("kubernetes.io/os", "linux", "node.kubernetes.io/instance-type", "3931"));
        demo.fleet().addSimulatedNode(MDEVCTL, "mask-mode-foreign-mdev");
        stress.setCheckstop(0xc8, true);
        stress.scan(); // a checkstop shows at the next AP bus scan
        stress.writeCardConfig(0xd2, "0");
        stress.writeCardOnline(0xdc, "0");
        awaitReported(STRESS);
        awaitReported(MDEVCTL);

        namespace("batch");
        apply(explicit("payroll", "bulk-signing", STRESS, List.of(64, 65), List.of(20, 21), null));
        var manual = explicit("batch", "model-train", STRESS, List.of(130), List.of(30, 31, 32, 33), null);
        manual.getSpec().setApproval(Approval.Manual);
        apply(manual);
        apply(explicit("payroll", "vault", MDEVCTL, List.of(5), List.of(3), null));
        apply(explicit("payroll", "old-hsm", "demo-z17", List.of(7), List.of(7), ReleasePolicy.Keep));
        awaitPhase("payroll", "bulk-signing", Phase.Ready);
        awaitPhase("batch", "model-train", Phase.AwaitingApproval);
        awaitPhase("payroll", "vault", Phase.Ready);
        awaitPhase("payroll", "old-hsm", Phase.Ready);
        admin.resources(APQNReservation.class).inNamespace("payroll").withName("old-hsm").delete();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            // releasePolicy: Keep leaves its queues off the host, claimed as Kept by the released reservation
            var edits = admin.resources(APNodeState.class).withName("demo-z17").get().getSpec().getHostEdits();
            return edits != null && edits.getClaims() != null && edits.getClaims().stream()
                    .anyMatch(c -> c.getKind() == Claim.Kind.Kept && "payroll/old-hsm".equals(c.getOwner()));
        });
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            // the agent reports the card states it was given before the grid is worth capturing
            var s = admin.resources(APNodeState.class).withName(STRESS).get().getStatus();
            return s.getCards().stream().anyMatch(c -> Boolean.TRUE.equals(c.getChkstop()))
                    && s.getCards().stream().anyMatch(c -> Boolean.FALSE.equals(c.getConfig()))
                    && s.getCards().stream().anyMatch(c -> Boolean.FALSE.equals(c.getOnline()));
        });
        pluginDir = Files.createTempDirectory("kubectl-apqn-it");
        Files.createSymbolicLink(pluginDir.resolve("kubectl-apqn"), Path.of("bin/kubectl-apqn").toAbsolutePath());
        if (Boolean.getBoolean("kubectl-apqn.capture")) {
            ClusterSnapshot.capture(admin, Instant.now()).write(ClusterSnapshot.FILE);
        }
    }

    @AfterAll
    static void stop() {
        if (demo != null) {
            demo.close();
        }
    }

    @Test
    void kubectlRunsTheInstalledPluginAndItsGridIsWhatTheRenderersMakeOfTheCluster() throws Exception {
        Result r = kubectl("apqn", "grid", "demo-z16");
        assertThat(r.exit).as(r.err).isZero();
        assertThat(r.err).as("nothing but the grid: no library noise on stderr").isEmpty();
        assertThat(r.out).startsWith("node demo-z16: Masks mode")
                .containsPattern("\\n  ([A-Z])  payroll/payroll-crypto +Ready +2 reserved, \\d+ collateral \\(([a-z])\\)")
                .containsPattern("\\n     risk/risk-crypto +Conflict +holds nothing here")
                .contains("h  with the host, kept for it by policy (APQNPolicy hostKeep): s390x-nodes");
        // the shipped launcher prints exactly what the golden-tested code renders from the same objects
        var inProcess = new java.io.ByteArrayOutputStream();
        int exit = KubectlApqn.run(new String[] {"grid", "demo-z16"}, new java.io.PrintStream(inProcess, true, UTF_8),
                System.err, args -> new KubectlApqn.Connection(new KubeClusterReader(admin), "default", () -> { }),
                Instant.now(), "80");
        assertThat(exit).isZero();
        assertThat(r.out).isEqualTo(inProcess.toString(UTF_8));
    }

    @Test
    void theApproveCommandThePlanPrintsApprovesExactlyThatPlan() throws Exception {
        String hash = admin.resources(APQNReservation.class).inNamespace("batch").withName("model-train").get()
                .getStatus().getPlan().getHash();
        Result r = kubectl("apqn", "plan", "model-train", "-n", "batch");
        assertThat(r.exit).as(r.err).isZero();
        assertThat(r.out).contains("reservation batch/model-train on node " + STRESS + ": phase AwaitingApproval",
                "plan:        " + hash, "approval:    Manual", "apmask: clear adapter bits 82 (decimal 130)");
        String approve = r.out.lines().filter(l -> l.startsWith("  kubectl ")).findFirst().orElseThrow().strip();
        assertThat(approve).isEqualTo("kubectl -n batch patch apqnreservation model-train --type merge -p '{\"spec\":{\"approvedPlan\":\""
                + hash + "\"}}'");
        Result patched = run(List.of("sh", "-c", approve));
        assertThat(patched.exit).as(patched.err).isZero();
        awaitPhase("batch", "model-train", Phase.Ready);
        Result after = kubectl("apqn", "plan", "batch/model-train");
        assertThat(after.out).contains("approved: spec.approvedPlan is this plan's hash; nothing to do.");
    }

    @Test
    void whyCondensesConditionsAndEventsOfTheConflict() throws Exception {
        Result r = kubectl("apqn", "why", "risk/risk-crypto");
        assertThat(r.exit).as(r.err).isZero();
        assertThat(r.out).startsWith("reservation risk/risk-crypto on node demo-z16: phase Conflict")
                .contains("held by payroll/payroll-crypto").containsPattern("\\n  Stalled +True +MatrixConflict")
                .contains("events (oldest first):").containsPattern("Warning +MatrixConflict");
    }

    @Test
    void jsonForScriptsNamesEveryHolderOfTheStressNode() throws Exception {
        Result r = kubectl("apqn", "grid", STRESS, "-o", "json");
        assertThat(r.exit).as(r.err).isZero();
        var doc = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out);
        assertThat(doc.get("adapters")).hasSize(256);
        assertThat(doc.get("domains")).hasSize(85);
        var counts = new java.util.HashMap<String, Integer>();
        doc.get("holders").forEach(h -> counts.merge(h.get("holder").asText(), h.get("count").asInt(), Integer::sum));
        assertThat(counts).containsEntry("checkstopped", 85).containsEntry("not-configured", 85).containsEntry("offline", 85);
        var bulk = new java.util.HashMap<String, Integer>();
        doc.get("holders").forEach(h -> {
            if ("payroll/bulk-signing".equals(h.path("owner").asText())) {
                bulk.put(h.get("holder").asText(), h.get("count").asInt());
            }
        });
        // adapters 0x40-0x41 x domains 20-21; the cleared apmask bits take their other 83 domains along
        assertThat(bulk).containsExactlyInAnyOrderEntriesOf(Map.of("reserved", 4, "collateral", 2 * 83));
        assertThat(counts.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(256 * 85);
    }

    @Test
    void aMissingObjectExitsOneNamingItAndABadCommandLineTwo() throws Exception {
        Result missing = kubectl("apqn", "grid", "no-such-node");
        assertThat(missing.exit).isEqualTo(1);
        assertThat(missing.err).contains("APNodeState no-such-node not found");
        Result gone = kubectl("apqn", "why", "payroll/no-such-reservation");
        assertThat(gone.exit).isEqualTo(1);
        assertThat(gone.err).contains("APQNReservation payroll/no-such-reservation not found");
        Result usage = kubectl("apqn", "plan");
        assertThat(usage.exit).isEqualTo(2);
        assertThat(usage.err).contains("plan takes one reservation", "Usage:");
    }

    // ------------------------------------------------------------------ running kubectl and the plugin

    record Result(int exit, String out, String err) {
    }

    /**
     * The cached kubectl with KUBECONFIG set and PATH holding only kubectl-apqn, linked from bin/ as
     * {@code make plugin-install} does, and java: kubectl finds the plugin as a user's kubectl would.
     */
    static Result kubectl(String... args) throws Exception {
        var cmd = new java.util.ArrayList<String>();
        cmd.add(LocalControlPlane.cacheDir().resolve("bin/kubectl").toString());
        cmd.addAll(List.of(args));
        return run(cmd);
    }

    static Result run(List<String> cmd) throws Exception {
        var pb = new ProcessBuilder(cmd);
        pb.environment().put("KUBECONFIG", demo.kubeconfig().toString());
        pb.environment().put("PATH", pluginDir + ":" + LocalControlPlane.cacheDir().resolve("bin") + ":"
                + Path.of(System.getProperty("java.home"), "bin") + ":/usr/bin:/bin");
        pb.environment().remove("COLUMNS");
        Path out = Files.createTempFile("kubectl-apqn-it", ".out");
        Path err = Files.createTempFile("kubectl-apqn-it", ".err");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("still running after 120 s: " + cmd);
        }
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    // ------------------------------------------------------------------ setup helpers

    static void node(String name, Map<String, String> extra) {
        var labels = new java.util.HashMap<>(extra);
        labels.put("kubernetes.io/arch", "s390x");
        labels.put("kubernetes.io/hostname", name);
        admin.nodes().resource(new NodeBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata().build())
                .create();
    }

    static void namespace(String name) {
        admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
    }

    static void awaitReported(String node) {
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            APNodeState s = admin.resources(APNodeState.class).withName(node).get();
            return s != null && s.getStatus() != null && s.getStatus().getInventoryGeneration() != null;
        });
    }

    static APQNReservation explicit(String ns, String name, String node, List<Integer> adapters, List<Integer> domains,
                                    ReleasePolicy release) {
        var r = dev.apqn.testing.Reservations.explicit(ns, name, node, adapters, domains);
        r.getSpec().setReleasePolicy(release);
        return r;
    }

    static void apply(APQNReservation r) {
        admin.resource(r).create();
    }

    static Phase phase(String ns, String name) {
        var r = admin.resources(APQNReservation.class).inNamespace(ns).withName(name).get();
        return r == null || r.getStatus() == null ? null : r.getStatus().getPhase();
    }

    static void awaitPhase(String ns, String name, Phase p) {
        await().atMost(Duration.ofSeconds(90)).until(() -> phase(ns, name) == p);
    }
}
