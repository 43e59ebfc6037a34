package dev.apqn.testing.smoke;

import static dev.apqn.testing.smoke.Widgets.widget;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apqn.testing.LocalControlPlane;
import dev.apqn.testing.WithKubeApiServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** x-kubernetes-validations are evaluated by the API server's CEL engine, messages included. */
@WithKubeApiServer(crds = Widgets.CRD)
class CelValidationIT {

  static String ns;

  @BeforeAll
  static void namespace(LocalControlPlane cp) {
    ns = cp.createNamespace("cel");
  }

  @Test
  void ruleRejectsABadObjectWithTheServersMessage(KubernetesClient client) {
    assertThatThrownBy(() -> Widgets.in(client).inNamespace(ns).resource(widget(ns, "too-big", 11)).create())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(422);
          assertThat(e.getStatus().getMessage()).contains("spec: Invalid value").contains("size must be at most 10");
          assertThat(e.getStatus().getDetails().getCauses())
              .anySatisfy(c -> assertThat(c.getField()).isEqualTo("spec"));
        });
    assertThat(Widgets.in(client).inNamespace(ns).withName("too-big").get()).isNull();
  }

  @Test
  void messageExpressionIsComputedByTheServer(KubernetesClient client) {
    assertThatThrownBy(() -> Widgets.in(client).inNamespace(ns)
        .resource(widget(ns, "orphan", Map.of("size", 1, "owner", "nobody"))).create())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(422);
          assertThat(e.getStatus().getMessage()).contains("owner nobody must start with team-");
        });
  }

  @Test
  void ruleAdmitsAGoodObject(KubernetesClient client) {
    var created = Widgets.in(client).inNamespace(ns)
        .resource(widget(ns, "fits", Map.of("size", 10, "owner", "team-crypto"))).create();
    assertThat(Widgets.size(created)).isEqualTo(10);
  }

  @Test
  void transitionRuleUsesTheStoredObject(KubernetesClient client) {
    Widgets.in(client).inNamespace(ns)
        .resource(widget(ns, "fixed-mode", Map.of("size", 1, "mode", "shared"))).create();

    assertThatThrownBy(() -> Widgets.in(client).inNamespace(ns).withName("fixed-mode")
        .edit(w -> {
          Widgets.spec(w).put("mode", "dedicated");
          return w;
        }))
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(422);
          assertThat(e.getStatus().getMessage()).contains("mode is immutable");
        });
    // the same rule does not block changes elsewhere in the object
    var edited = Widgets.in(client).inNamespace(ns).withName("fixed-mode").edit(w -> {
      Widgets.spec(w).put("size", 2);
      return w;
    });
    assertThat(Widgets.size(edited)).isEqualTo(2);
    assertThat(Widgets.spec(edited)).containsEntry("mode", "shared");
  }

  @Test
  void openApiSchemaIsEnforcedToo(KubernetesClient client) {
    assertThatThrownBy(() -> Widgets.in(client).inNamespace(ns)
        .resource(widget(ns, "bad-enum", Map.of("size", 1, "mode", "exclusive"))).create())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(422);
          assertThat(e.getStatus().getMessage()).contains("spec.mode").contains("Unsupported value");
        });
  }
}
