package dev.apqn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apqn.api.v1alpha1.APQNReservation;
import dev.apqn.api.v1alpha1.APQNReservationSpec;
import dev.apqn.api.v1alpha1.Approval;
import dev.apqn.api.v1alpha1.SelectionSpec;
import dev.apqn.testing.LocalControlPlane;
import dev.apqn.testing.WithKubeApiServer;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 4: invalid specs never get past the API server, each with the message a user reads (the
 * CRD's schema and CEL rules from crds/, nothing of the operator running).
 */
@WithKubeApiServer(crds = "crds")
class InvalidSpecIT {

    static KubernetesClient admin;
    static String ns;

    @BeforeAll
    static void start(LocalControlPlane cp) {
        admin = cp.adminClient();
        ns = cp.createNamespace("invalid");
    }

    static APQNReservation reservation(String name, Consumer<APQNReservationSpec> f) {
        var r = new APQNReservation();
        r.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
        var s = new APQNReservationSpec();
        f.accept(s);
        r.setSpec(s);
        return r;
    }

    static SelectionSpec select(int a, int d) {
        var sel = new SelectionSpec();
        sel.setAdapters(a);
        sel.setDomains(d);
        return sel;
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of("not-a-rectangle", (Consumer<APQNReservationSpec>) s -> {
                    s.setNodeName("demo-z16");
                    s.setApqns(List.of("05.0004", "06.0006"));
                }, "spec.apqns must form a rectangle"),
                Arguments.of("bad-apqn-syntax", (Consumer<APQNReservationSpec>) s -> {
                    s.setNodeName("demo-z16");
                    s.setApqns(List.of("5.4"));
                }, "each entry is <adapter>.<domain> in lower-case hex"),
                Arguments.of("two-forms", (Consumer<APQNReservationSpec>) s -> {
                    s.setNodeName("demo-z16");
                    s.setAdapters(List.of(5));
                    s.setDomains(List.of(4));
                    s.setApqns(List.of("05.0004"));
                }, "spec must use exactly one form"),
                Arguments.of("adapters-without-domains", (Consumer<APQNReservationSpec>) s -> {
                    s.setNodeName("demo-z16");
                    s.setAdapters(List.of(5));
                }, "spec.adapters and spec.domains go together"),
                Arguments.of("no-node", (Consumer<APQNReservationSpec>) s -> {
                    s.setAdapters(List.of(5));
                    s.setDomains(List.of(4));
                }, "spec.nodeName is required with spec.adapters/spec.domains"),
                Arguments.of("name-and-selector", (Consumer<APQNReservationSpec>) s -> {
                    s.setNodeName("demo-z16");
                    s.setSelect(select(1, 1));
                    s.setNodeSelector(Map.of("pool", "a"));
                }, "spec.nodeName and spec.nodeSelector exclude each other"),
                Arguments.of("approved-plan-automatic", (Consumer<APQNReservationSpec>) s -> {
                    s.setNodeName("demo-z16");
                    s.setAdapters(List.of(5));
                    s.setDomains(List.of(4));
                    s.setApprovedPlan("0123456789abcdef");
                }, "spec.approvedPlan is only used with spec.approval: Manual"),
                Arguments.of("adapter-out-of-range", (Consumer<APQNReservationSpec>) s -> {
                    s.setNodeName("demo-z16");
                    s.setAdapters(List.of(256));
                    s.setDomains(List.of(4));
                }, "spec.adapters[0]"),
                Arguments.of("bad-mdev-uuid", (Consumer<APQNReservationSpec>) s -> {
                    s.setNodeName("demo-z16");
                    s.setAdapters(List.of(5));
                    s.setDomains(List.of(4));
                    s.setMdevUuid("not-a-uuid");
                }, "spec.mdevUuid"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void isRejectedWithTheMessage(String name, Consumer<APQNReservationSpec> spec, String message) {
        assertThatThrownBy(() -> admin.resource(reservation(name, spec)).create())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(422);
                    assertThat(e.getMessage()).contains(message);
                });
        assertThat(admin.resources(APQNReservation.class).inNamespace(ns).withName(name).get()).isNull();
    }

    @Test
    void nodeNameIsImmutableOnceCreated() {
        admin.resource(reservation("pinned", s -> {
            s.setNodeName("demo-z15");
            s.setAdapters(List.of(5));
            s.setDomains(List.of(4));
            s.setApproval(Approval.Manual);
        })).create();
        assertThatThrownBy(() -> admin.resources(APQNReservation.class).inNamespace(ns).withName("pinned").edit(r -> {
            r.getSpec().setNodeName("demo-z16");
            return r;
        })).isInstanceOfSatisfying(KubernetesClientException.class, e -> {
            assertThat(e.getCode()).isEqualTo(422);
            assertThat(e.getMessage()).contains("spec.nodeName is immutable");
        });
        admin.resources(APQNReservation.class).inNamespace(ns).withName("pinned").delete();
    }
}
