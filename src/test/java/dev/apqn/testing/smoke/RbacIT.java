package dev.apqn.testing.smoke;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apqn.testing.Identity;
import dev.apqn.testing.LocalControlPlane;
import dev.apqn.testing.WithKubeApiServer;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * RBAC is enforced for service accounts, both impersonated and authenticated with a minted token:
 * forbidden without a binding, allowed with one, and only for the verbs and namespace granted.
 */
@WithKubeApiServer(crds = Widgets.CRD)
class RbacIT {

  static String ns;
  static String otherNs;

  @BeforeAll
  static void namespaces(LocalControlPlane cp) {
    ns = cp.createNamespace("rbac");
    otherNs = cp.createNamespace("rbac-other");
  }

  @Test
  void serviceAccountNeedsARoleBinding(LocalControlPlane cp) {
    KubernetesClient admin = cp.adminClient();
    admin.serviceAccounts().inNamespace(ns).resource(new ServiceAccountBuilder()
        .withNewMetadata().withName("robot").endMetadata().build()).create();
    var impersonated = cp.clientFor(Identity.serviceAccount(ns, "robot"));
    var withToken = cp.clientWithToken(cp.serviceAccountToken(ns, "robot"));

    for (KubernetesClient robot : new KubernetesClient[] {impersonated, withToken}) {
      assertForbidden(() -> Widgets.in(robot).inNamespace(ns).list(),
          "User \"system:serviceaccount:" + ns + ":robot\" cannot list resource \"widgets\"");
    }

    admin.rbac().roles().inNamespace(ns).resource(new RoleBuilder()
        .withNewMetadata().withName("widget-reader").endMetadata()
        .addNewRule().withApiGroups("smoke.apqn.dev").withResources("widgets")
        .withVerbs("get", "list", "watch").endRule()
        .build()).create();
    admin.rbac().roleBindings().inNamespace(ns).resource(new RoleBindingBuilder()
        .withNewMetadata().withName("robot-reads-widgets").endMetadata()
        .withNewRoleRef("rbac.authorization.k8s.io", "Role", "widget-reader")
        .addNewSubject().withKind("ServiceAccount").withName("robot").withNamespace(ns).endSubject()
        .build()).create();

    // the RBAC authorizer reads bindings through an informer: allowed shortly after, not at once
    await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
        .untilAsserted(() -> assertThat(Widgets.in(impersonated).inNamespace(ns).list().getItems()).isEmpty());
    assertThat(Widgets.in(withToken).inNamespace(ns).list().getItems()).isEmpty();

    // still only what the Role grants, and only in its namespace
    assertForbidden(() -> Widgets.in(withToken).inNamespace(ns).resource(Widgets.widget(ns, "w", 1)).create(),
        "cannot create resource \"widgets\"");
    assertForbidden(() -> Widgets.in(withToken).inNamespace(otherNs).list(),
        "cannot list resource \"widgets\" in API group \"smoke.apqn.dev\" in the namespace \"" + otherNs + "\"");
  }

  @Test
  void mintedTokensCarryTheFixedIssuer(LocalControlPlane cp) throws Exception {
    cp.adminClient().serviceAccounts().inNamespace(ns).resource(new ServiceAccountBuilder()
        .withNewMetadata().withName("issuer-check").endMetadata().build()).create();

    String jwt = cp.serviceAccountToken(ns, "issuer-check");

    String payload = new String(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]), StandardCharsets.UTF_8);
    Map<?, ?> claims = new ObjectMapper().readValue(payload, Map.class);
    assertThat(claims.get("iss")).isEqualTo(LocalControlPlane.SERVICE_ACCOUNT_ISSUER);
    assertThat(claims.get("sub")).isEqualTo("system:serviceaccount:" + ns + ":issuer-check");
  }

  @Test
  void unknownUserIsForbiddenEverywhere(LocalControlPlane cp) {
    var nobody = cp.clientFor(Identity.user("nobody"));
    assertForbidden(() -> nobody.namespaces().list(), "User \"nobody\" cannot list resource \"namespaces\"");
  }

  private static void assertForbidden(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String message) {
    assertThatThrownBy(call).isInstanceOfSatisfying(KubernetesClientException.class, e -> {
      assertThat(e.getCode()).isEqualTo(403);
      assertThat(e.getStatus().getMessage()).contains(message);
    });
  }
}
