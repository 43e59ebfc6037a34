package dev.apqn.testing.smoke;

import static dev.apqn.testing.smoke.Widgets.widget;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.apqn.testing.Identity;
import dev.apqn.testing.LocalControlPlane;
import dev.apqn.testing.WithKubeApiServer;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A ValidatingAdmissionPolicy that reads request.userInfo.extra, evaluated by the API server's
 * admission chain for impersonated identities (policy and binding from smoke/admission-policy.yaml).
 */
@WithKubeApiServer(crds = Widgets.CRD)
class AdmissionPolicyIT {

  static final String GROUP = "smoke:widget-makers";
  static String ns;

  @BeforeAll
  static void setUp(LocalControlPlane cp) {
    KubernetesClient admin = cp.adminClient();
    // the binding selects namespaces by this label, so no other IT meets the policy
    ns = cp.createNamespace("vap", Map.of("smoke.apqn.dev/vap", "on"));
    admin.rbac().clusterRoles().resource(new ClusterRoleBuilder()
        .withNewMetadata().withName("smoke-widget-maker").endMetadata()
        .addNewRule().withApiGroups("smoke.apqn.dev").withResources("widgets")
        .withVerbs("create", "get", "list").endRule()
        .build()).serverSideApply();
    admin.rbac().roleBindings().inNamespace(ns).resource(new RoleBindingBuilder()
        .withNewMetadata().withName("makers").endMetadata()
        .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", "smoke-widget-maker")
        .addNewSubject().withKind("Group").withName(GROUP).withApiGroup("rbac.authorization.k8s.io").endSubject()
        .build()).create();
    admin.load(AdmissionPolicyIT.class.getResourceAsStream("/smoke/admission-policy.yaml"))
        .forceConflicts().serverSideApply();
  }

  @Test
  void policyAdmitsOneIdentityAndDeniesAnother(LocalControlPlane cp) {
    var crypto = cp.clientFor(Identity.user("alice", GROUP).withExtra("apqn.dev/team", "web", "crypto"));
    var web = cp.clientFor(Identity.user("bob", GROUP).withExtra("apqn.dev/team", "web"));
    var n = new AtomicInteger();

    // RBAC bindings and policies reach the server's caches through informers: wait until bob is
    // denied by the policy itself (not by RBAC, which would say "cannot create"), then judge
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThatThrownBy(
        () -> Widgets.in(web).inNamespace(ns).resource(widget(ns, "bob-" + n.incrementAndGet(), 1)).create())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(403);
          assertThat(e.getStatus().getMessage())
              .contains("ValidatingAdmissionPolicy 'smoke-widgets-crypto-team-only'")
              .contains("only the crypto team may create widgets, not bob");
        }));

    var created = Widgets.in(crypto).inNamespace(ns).resource(widget(ns, "alice-1", 1)).create();

    assertThat(created.getMetadata().getName()).isEqualTo("alice-1");
    assertThat(Widgets.in(cp.adminClient()).inNamespace(ns).list().getItems())
        .extracting(w -> w.getMetadata().getName()).containsExactly("alice-1");
  }

  @Test
  void identityWithoutExtraIsDenied(LocalControlPlane cp) {
    var plain = cp.clientFor(Identity.user("carol", GROUP));
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThatThrownBy(
        () -> Widgets.in(plain).inNamespace(ns).resource(widget(ns, "carol", 1)).create())
        .isInstanceOfSatisfying(KubernetesClientException.class, e ->
            assertThat(e.getStatus().getMessage()).contains("only the crypto team may create widgets, not carol")));
  }
}
