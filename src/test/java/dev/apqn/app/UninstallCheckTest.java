package dev.apqn.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apqn.api.v1alpha1.APQNReservation;
import dev.apqn.api.v1alpha1.APQNReservationSpec;
import dev.apqn.api.v1alpha1.APQNReservationStatus;
import dev.apqn.api.v1alpha1.Phase;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The uninstall-check's verdict: which reservations block an uninstall and what the message tells the admin. */
class UninstallCheckTest {

    static APQNReservation reservation(String ns, String name, String specNode, String statusNode, Phase phase) {
        var r = new APQNReservation();
        r.setMetadata(new ObjectMetaBuilder().withNamespace(ns).withName(name).build());
        var spec = new APQNReservationSpec();
        spec.setNodeName(specNode);
        r.setSpec(spec);
        if (statusNode != null || phase != null) {
            var st = new APQNReservationStatus();
            st.setNode(statusNode);
            st.setPhase(phase);
            r.setStatus(st);
        }
        return r;
    }

    @Test
    void noReservationsPass() {
        var v = UninstallCheck.decide(List.of());
        assertThat(v.exitCode()).isZero();
        assertThat(v.message()).contains("no APQNReservations");
    }

    @Test
    void reservationsBlockNamingNodePhaseAndTheWayOut() {
        var selected = reservation("b", "keys", null, "z16-2", Phase.Ready);
        var pending = reservation("a", "new", "z16-1", null, null);
        var leaving = reservation("a", "old", "z16-1", "z16-1", Phase.Releasing);
        leaving.getMetadata().setDeletionTimestamp("2026-12-04T22:00:00Z");
        var v = UninstallCheck.decide(List.of(selected, pending, leaving));
        assertThat(v.exitCode()).isEqualTo(1);
        assertThat(v.message())
                .contains("3 APQNReservations exist. They hold")
                .contains("  a/new  node z16-1  phase (none yet)\n  a/old  node z16-1  phase Releasing (being deleted)\n"
                        + "  b/keys  node z16-2  phase Ready\n")
                .contains("kubectl delete apqnreservations --all --all-namespaces --wait")
                .contains("condition InUse")
                .contains("apqn.dev/force-release=true");
    }

    @Test
    void oneReservationIsNamedInTheSingular() {
        var v = UninstallCheck.decide(List.of(reservation("a", "r", null, null, null)));
        assertThat(v.message()).contains("1 APQNReservation exists. It holds").contains("a/r  node (not selected yet)");
    }

    @Test
    void atMostTwentyAreNamedTheRestCounted() {
        List<APQNReservation> many = new ArrayList<>();
        for (int i = 24; i >= 0; i--) {
            many.add(reservation("ns", String.format("r-%02d", i), "n", null, null));
        }
        var v = UninstallCheck.decide(many);
        assertThat(v.message()).contains("ns/r-00 ").contains("ns/r-19 ").doesNotContain("ns/r-20").contains("  and 5 more\n");
    }

    @Test
    void aCheckThatCannotListRefusesWithItsOwnCode() {
        var v = UninstallCheck.cannotCheck(new KubernetesClientException("forbidden", 403, null));
        assertThat(v.exitCode()).isEqualTo(2);
        assertThat(v.message()).contains("HTTP 403").contains("--no-hooks");
        var unreachable = UninstallCheck.cannotCheck(new KubernetesClientException("list failed",
                new java.net.ConnectException("Connection refused")));
        assertThat(unreachable.exitCode()).isEqualTo(2);
        assertThat(unreachable.message()).contains("no answer from the API server: java.net.ConnectException: Connection refused");
    }
}
