package dev.apqn.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apqn.api.v1alpha1.APQNReservation;
import dev.apqn.api.v1alpha1.Phase;
import dev.apqn.status.Conditions;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code make demo} in this JVM, non-blocking: {@link DemoMain#run} brings up its own control plane,
 * nodes, agents and controller, applies deploy/samples/ and deploy/samples/errors/ and returns once
 * every valid reservation is Ready (or its bounded wait is over); closing it must leave no process.
 */
class DemoIT {

    @Test
    void demoBringsEverySampleToReadyShowsEachTeachingErrorAndLeavesNothingBehind() throws Exception {
        var printed = new ByteArrayOutputStream();
        var out = new PrintStream(new Tee(System.out, printed), true, StandardCharsets.UTF_8);
        var options = DemoMain.Options.defaults().withOut(out).withOutDir(Path.of("target", "demo-it"))
                .withReadyTimeout(Duration.ofSeconds(90));
        List<ProcessHandle> processes;
        try (Demo demo = DemoMain.run(options)) {
            processes = demo.controlPlaneProcesses();
            assertThat(processes).as("the demo's kube-apiserver and etcd").hasSize(2).allMatch(ProcessHandle::isAlive);

            // every valid sample reaches Ready
            assertThat(demo.stuck()).isEmpty();
            assertThat(demo.validReservations()).containsExactlyInAnyOrder("analytics/analytics-cca",
                    "payroll/batch-signing", "payroll/ledger-hsm", "payroll/payroll-crypto");
            for (String key : demo.validReservations()) {
                assertThat(reservation(demo, key).getStatus().getPhase()).as(key).isEqualTo(Phase.Ready);
            }
            assertThat(demo.approvals()).containsOnlyKeys("payroll/batch-signing");
            // the closing hint says who may reserve (read from the sample policy) and how to add a namespace
            assertThat(DemoMain.grantsHint(demo)).anyMatch(l -> l.contains("Only namespaces analytics, payroll, risk may reserve"))
                    .anyMatch(l -> l.contains("kubectl patch apqnpolicy s390x-nodes --type=json"));
            // one per node kind
            assertThat(reservation(demo, "payroll/batch-signing").getStatus().getNode()).isEqualTo("demo-z15");
            assertThat(reservation(demo, "payroll/payroll-crypto").getStatus().getNode()).isEqualTo("demo-z16");
            assertThat(reservation(demo, "payroll/ledger-hsm").getStatus().getNode()).isEqualTo("demo-z17");

            // each teaching example shows its error
            var byFile = demo.teachingExamples().stream()
                    .collect(java.util.stream.Collectors.toMap(t -> t.file().getFileName().toString(), t -> t));
            assertThat(byFile).containsOnlyKeys("conflict-same-apqns.yaml", "invalid-adapter-256.yaml",
                    "invalid-not-rectangle.yaml");
            var tooBig = byFile.get("invalid-adapter-256.yaml");
            assertThat(tooBig.applied()).isFalse();
            assertThat(tooBig.reason()).isEqualTo("(Invalid)");
            assertThat(tooBig.causes()).anyMatch(c -> c.contains("spec.adapters[0]") && c.contains("less than or equal to 255"));
            var diagonal = byFile.get("invalid-not-rectangle.yaml");
            assertThat(diagonal.applied()).isFalse();
            assertThat(diagonal.causes()).anyMatch(c -> c.contains("spec.apqns") && c.contains("must form a rectangle"));
            assertThat(byFile.get("conflict-same-apqns.yaml").applied()).isTrue();
            var conflict = reservation(demo, "risk/risk-crypto");
            assertThat(conflict.getStatus().getPhase()).isEqualTo(Phase.Conflict);
            assertThat(conflict.getStatus().getMessage()).contains("payroll/payroll-crypto");
            assertThat(Conditions.find(conflict.getStatus().getConditions(), Conditions.CONFLICT))
                    .hasValueSatisfying(c -> assertThat(c.getStatus()).isEqualTo("True"));
            assertThat(Conditions.find(conflict.getStatus().getConditions(), Conditions.STALLED))
                    .hasValueSatisfying(c -> assertThat(c.getStatus()).isEqualTo("True"));

            // what it printed
            String text = printed.toString(StandardCharsets.UTF_8);
            assertThat(text).contains("all 4 valid reservations Ready", "spec.adapters[0]: Invalid value: 256",
                    "must form a rectangle", "held by payroll/payroll-crypto", "demo-z15", "DriverOverride");

            // the kubeconfig works on its own: a fresh client lists the reservations
            assertThat(demo.kubeconfig()).isEqualTo(options.outDir().resolve("kubeconfig"));
            try (var client = new KubernetesClientBuilder()
                    .withConfig(Config.fromKubeconfig(Files.readString(demo.kubeconfig()))).build()) {
                assertThat(client.resources(APQNReservation.class).inAnyNamespace().list().getItems())
                        .extracting(Tables::key).contains("payroll/payroll-crypto", "risk/risk-crypto");
            }
        }
        for (ProcessHandle p : processes) {
            assertThat(p.isAlive()).as("pid %d %s after close", p.pid(), p.info().command().orElse("")).isFalse();
        }
        assertThat(ProcessHandle.current().descendants().filter(Demo::isControlPlane)
                .filter(p -> processes.stream().anyMatch(q -> q.pid() == p.pid()))).isEmpty();
    }

    private static APQNReservation reservation(Demo demo, String key) {
        String[] nn = key.split("/");
        return demo.client().resources(APQNReservation.class).inNamespace(nn[0]).withName(nn[1]).get();
    }

    /** Writes to two streams (the test log and the captured text). */
    private static final class Tee extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        Tee(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int c) throws java.io.IOException {
            a.write(c);
            b.write(c);
        }

        @Override
        public void write(byte[] buf, int off, int len) throws java.io.IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }

        @Override
        public void flush() throws java.io.IOException {
            a.flush();
            b.flush();
        }
    }
}
