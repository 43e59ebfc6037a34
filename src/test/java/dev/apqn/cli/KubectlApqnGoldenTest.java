package dev.apqn.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden output of {@code kubectl apqn} over the objects of a real run (the demo's three node kinds,
 * a stress-256 node, a node with an mdev the operator did not make: {@link ClusterSnapshot}), through the
 * plugin's whole command path except the API client, at 80 columns.
 */
class KubectlApqnGoldenTest {

    static final ClusterSnapshot CLUSTER = ClusterSnapshot.load();

    static Stream<Arguments> commands() {
        return Stream.of(
                // the three demo node kinds, stress-256 (folded into blocks), and a foreign mdev
                Arguments.of("grid-demo-z15.txt", "grid demo-z15"),
                Arguments.of("grid-demo-z16.txt", "grid demo-z16"),
                Arguments.of("grid-demo-z17.txt", "grid demo-z17"),
                Arguments.of("grid-demo-stress.txt", "grid demo-stress"),
                Arguments.of("grid-demo-z16-mdevctl.txt", "grid demo-z16-mdevctl"),
                Arguments.of("grid-demo-z16.json", "grid demo-z16 -o json"),
                // plans: masks with collateral, driver_override, a legacy node, one awaiting approval
                Arguments.of("plan-payroll-payroll-crypto.txt", "plan payroll/payroll-crypto"),
                Arguments.of("plan-payroll-ledger-hsm.txt", "plan ledger-hsm -n payroll"),
                Arguments.of("plan-payroll-batch-signing.txt", "plan payroll/batch-signing"),
                Arguments.of("plan-batch-model-train.txt", "plan batch/model-train"),
                Arguments.of("plan-batch-model-train-context.txt", "plan batch/model-train --context prod-z --kubeconfig /etc/kube/prod"),
                Arguments.of("plan-risk-risk-crypto.txt", "plan risk/risk-crypto"),
                Arguments.of("plan-batch-model-train.json", "plan batch/model-train --output=json"),
                // why: Ready, a conflict, waiting for approval, a release that keeps its queues
                Arguments.of("why-payroll-payroll-crypto.txt", "why payroll/payroll-crypto"),
                Arguments.of("why-risk-risk-crypto.txt", "why risk/risk-crypto"),
                Arguments.of("why-batch-model-train.txt", "why batch/model-train"),
                Arguments.of("why-payroll-old-hsm.txt", "why payroll/old-hsm"),
                Arguments.of("why-risk-risk-crypto.json", "why risk/risk-crypto -o json"));
    }

    @ParameterizedTest(name = "kubectl apqn {1}")
    @MethodSource("commands")
    void outputIsTheGolden(String golden, String commandLine) {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int exit = KubectlApqn.run(commandLine.split(" "), new PrintStream(out, true, UTF_8), new PrintStream(err, true, UTF_8),
                args -> new KubectlApqn.Connection(CLUSTER, "default", () -> { }), ClusterSnapshot.NOW, "80");
        assertThat(exit).as(err.toString(UTF_8)).isZero();
        GoldenFiles.check(golden, out.toString(UTF_8));
    }
}
