package dev.apqn.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apqn.api.v1alpha1.APQNReservation;
import dev.apqn.api.v1alpha1.APQNReservationSpec;
import dev.apqn.app.UninstallCheck;
import dev.apqn.testing.LocalControlPlane;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Helm chart's pre-delete hook as it runs: the packaged application with {@code APQN_ROLE=uninstall-check}
 * under its own service account. It lists reservations in every namespace, so it gets its own API server:
 * the shared one holds what other test classes left behind.
 */
class UninstallCheckProcessIT {

    static LocalControlPlane cp;
    static ProcessAccounts accounts;

    @BeforeAll
    static void ownControlPlane() {
        cp = LocalControlPlane.start();
        cp.applyCrds("crds");
        accounts = ProcessAccounts.create(cp, cp.createNamespace("apqn-proc-uc"));
    }

    @AfterAll
    static void stop() {
        if (cp != null) {
            cp.stop();
        }
    }

    record Run(int exitCode, String output) {
    }

    static Run check(String account) throws InterruptedException {
        try (RoleProcess p = RoleProcess.start("uninstall-check-" + System.nanoTime(), Map.of(
                "APQN_ROLE", "uninstall-check",
                "APQN_NAMESPACE", accounts.namespace(),
                "KUBECONFIG", accounts.kubeconfig(account).toString()))) {
            long t0 = System.nanoTime();
            Integer code = p.awaitExit(Duration.ofSeconds(120));
            assertThat(code).as("uninstall-check ends by itself (output: %s)", p.log()).isNotNull();
            System.out.printf("UninstallCheckProcessIT: exit %d after %d ms%n", code, Duration.ofNanos(System.nanoTime() - t0).toMillis());
            return new Run(code, p.output());
        }
    }

    @Test
    void passesWithoutReservationsAndRefusesNamingThemOtherwise() throws Exception {
        Run none = check(accounts.uninstallCheck());
        assertThat(none.exitCode()).isZero();
        assertThat(none.output()).contains("no APQNReservations in any namespace");

        String a = cp.createNamespace("team-a");
        String b = cp.createNamespace("team-b");
        for (int i = 0; i < 21; i++) {
            create(a, String.format("r-%02d", i), "z16-" + (i % 3));
        }
        create(b, "db-keys", "z17-0");
        Run some = check(accounts.uninstallCheck());
        assertThat(some.exitCode()).isEqualTo(1);
        assertThat(some.output())
                .contains("22 APQNReservations exist")
                .contains(a + "/r-00  node z16-0  phase (none yet)")
                .contains(a + "/r-19  node z16-1")
                .doesNotContain(a + "/r-20")
                .doesNotContain(b + "/db-keys")
                .contains("and 2 more")
                .contains(UninstallCheck.RELEASE_COMMAND)
                .contains("apqn.dev/force-release");
    }

    @Test
    void refusesWhenItCannotList() throws Exception {
        // the agent's account may not list reservations: the check cannot tell, so it does not pass
        Run denied = check(ProcessAccounts.AGENT);
        assertThat(denied.exitCode()).isEqualTo(2);
        assertThat(denied.output()).contains("could not list APQNReservations (HTTP 403");
    }

    static void create(String ns, String name, String node) {
        var r = new APQNReservation();
        r.setMetadata(new ObjectMetaBuilder().withNamespace(ns).withName(name).build());
        var spec = new APQNReservationSpec();
        spec.setNodeName(node);
        spec.setAdapters(List.of(4));
        spec.setDomains(List.of(3));
        r.setSpec(spec);
        cp.adminClient().resource(r).create();
    }
}
