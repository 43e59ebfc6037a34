package dev.apqn.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apqn.api.v1alpha1.APQNReservation;
import dev.apqn.api.v1alpha1.Approval;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;

/** The command line as kubectl hands it over, and the exit codes scripts rely on. */
class KubectlApqnCommandLineTest {

    record Run(int exit, String out, String err) {
    }

    static Run run(KubectlApqn.Connector connector, String... args) {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int exit = KubectlApqn.run(args, new PrintStream(out, true, UTF_8), new PrintStream(err, true, UTF_8), connector,
                ClusterSnapshot.NOW, null);
        return new Run(exit, out.toString(UTF_8), err.toString(UTF_8));
    }

    static Run run(String... args) {
        return run(a -> new KubectlApqn.Connection(KubectlApqnGoldenTest.CLUSTER, "payroll", () -> { }), args);
    }

    @Test
    void flagsComeAnywhereInEitherSpelling() throws Exception {
        var a = CliArgs.parse("-n", "batch", "plan", "--context=prod", "model-train", "--output", "json", "--width=100");
        assertThat(a.command()).isEqualTo("plan");
        assertThat(a.reservationNamespace("default")).isEqualTo("batch");
        assertThat(a.reservationName()).isEqualTo("model-train");
        assertThat(a.context()).isEqualTo("prod");
        assertThat(a.output()).isEqualTo(CliArgs.Output.json);
        assertThat(a.width()).isEqualTo(100);
        // NAMESPACE/NAME wins over -n; without either the context's namespace counts
        assertThat(CliArgs.parse("why", "risk/risk-crypto", "-n", "batch").reservationNamespace("default")).isEqualTo("risk");
        assertThat(CliArgs.parse("why", "risk-crypto").reservationNamespace("risk")).isEqualTo("risk");
    }

    @Test
    void badCommandLinesSayWhatIsWrong() {
        assertThatThrownBy(() -> CliArgs.parse("grid")).hasMessageContaining("grid takes one NODE");
        assertThatThrownBy(() -> CliArgs.parse("plan", "a/b/c")).hasMessageContaining("NAME or NAMESPACE/NAME");
        assertThatThrownBy(() -> CliArgs.parse("grid", "n", "-o", "yaml")).hasMessageContaining("text or json");
        assertThatThrownBy(() -> CliArgs.parse("grid", "n", "--context")).hasMessageContaining("--context needs a value");
        assertThatThrownBy(() -> CliArgs.parse("grid", "n", "--width", "5")).hasMessageContaining("at least 20");
        assertThatThrownBy(() -> CliArgs.parse("describe", "x")).hasMessageContaining("unknown command describe");
        assertThatThrownBy(() -> CliArgs.parse("grid", "n", "--all")).hasMessageContaining("unknown flag --all");
    }

    @Test
    void exitCodesAreZeroDoneOneNotFoundTwoUsage() {
        assertThat(run("grid", "demo-z16").exit()).isZero();
        assertThat(run("--help")).satisfies(r -> {
            assertThat(r.exit()).isZero();
            assertThat(r.out()).contains("kubectl apqn grid NODE");
        });

        var noNode = run("grid", "demo-z99");
        assertThat(noNode.exit()).isEqualTo(KubectlApqn.NOT_FOUND_OR_API_ERROR);
        assertThat(noNode.err()).contains("APNodeState demo-z99 not found").contains("kubectl get apnodestates");
        // NAME alone is looked up in the context's namespace (payroll here)
        var noRes = run("why", "risk-crypto");
        assertThat(noRes.exit()).isEqualTo(1);
        assertThat(noRes.err()).contains("APQNReservation payroll/risk-crypto not found");

        var usage = run("plan");
        assertThat(usage.exit()).isEqualTo(KubectlApqn.USAGE);
        assertThat(usage.err()).contains("error: plan takes one reservation").contains("Usage:");
        assertThat(usage.out()).isEmpty();
    }

    @Test
    void aBrokenKubeconfigOrAnApiServerRefusalIsExitOneWithTheReason() {
        var noContext = run(a -> {
            throw new KubernetesClientException("context \"prod\" does not exist");
        }, "grid", "demo-z16", "--context", "prod");
        assertThat(noContext.exit()).isEqualTo(1);
        assertThat(noContext.err()).contains("cannot use the kubeconfig context prod").contains("does not exist");

        var status = new StatusBuilder().withCode(403).withMessage("apnodestates.apqn.dev \"demo-z16\" is forbidden:"
                + " User \"bob\" cannot get resource \"apnodestates\"").build();
        ClusterReader forbidden = (ClusterReader) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ClusterReader.class}, (proxy, method, args) -> {
                    throw new KubernetesClientException(status);
                });
        var refused = run(a -> new KubectlApqn.Connection(forbidden, "default", () -> { }), "grid", "demo-z16");
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).isEqualTo("error: the API server refused: apnodestates.apqn.dev \"demo-z16\" is forbidden:"
                + " User \"bob\" cannot get resource \"apnodestates\" (HTTP 403)\n");
    }

    @Test
    void anAutomaticReservationWaitingForPolicyApprovalIsApprovedWithApprovalManual() {
        APQNReservation r = KubectlApqnGoldenTest.CLUSTER.reservation("payroll", "payroll-crypto").orElseThrow();
        assertThat(r.getSpec().getApproval()).isIn(null, Approval.Automatic);
        // the API server takes spec.approvedPlan only with approval: Manual (a CEL rule), so the patch sets both
        assertThat(ApproveCommand.of(r, "0123456789abcdef", KubectlTarget.DEFAULT)).isEqualTo(
                "kubectl -n payroll patch apqnreservation payroll-crypto --type merge"
                        + " -p '{\"spec\":{\"approval\":\"Manual\",\"approvedPlan\":\"0123456789abcdef\"}}'");
        assertThat(new KubectlTarget("/home/me/my config", "it's").kubectl())
                .isEqualTo("kubectl --kubeconfig '/home/me/my config' --context 'it'\\''s'");
    }
}
