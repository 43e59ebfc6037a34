package dev.apqn.testing.smoke;

import static dev.apqn.testing.smoke.Widgets.widget;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apqn.testing.LocalControlPlane;
import dev.apqn.testing.WithKubeApiServer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Field ownership under server-side apply, as the API server tracks it in managedFields. */
@WithKubeApiServer(crds = Widgets.CRD)
class ServerSideApplyIT {

  static String ns;

  @BeforeAll
  static void namespace(LocalControlPlane cp) {
    ns = cp.createNamespace("ssa");
  }

  @Test
  void secondManagerConflictsOnAFieldTheFirstOwns(KubernetesClient client) {
    var widgets = Widgets.in(client).inNamespace(ns);
    widgets.resource(widget(ns, "shared", Map.of("size", 1, "mode", "shared")))
        .fieldManager("alice").serverSideApply();

    assertThatThrownBy(() -> widgets.resource(widget(ns, "shared", 2)).fieldManager("bob").serverSideApply())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(409);
          assertThat(e.getStatus().getReason()).isEqualTo("Conflict");
          assertThat(e.getStatus().getMessage()).contains("conflict with \"alice\"").contains(".spec.size");
          assertThat(e.getStatus().getDetails().getCauses()).anySatisfy(c -> {
            assertThat(c.getReason()).isEqualTo("FieldManagerConflict");
            assertThat(c.getField()).isEqualTo(".spec.size");
          });
        });
    assertThat(Widgets.size(widgets.withName("shared").get())).isEqualTo(1);
  }

  @Test
  void forcingTakesOverOnlyTheConflictingField(KubernetesClient client) {
    var widgets = Widgets.in(client).inNamespace(ns);
    widgets.resource(widget(ns, "taken", Map.of("size", 1, "mode", "shared")))
        .fieldManager("alice").serverSideApply();

    var applied = widgets.resource(widget(ns, "taken", 2)).fieldManager("bob").forceConflicts()
        .serverSideApply();

    assertThat(Widgets.size(applied)).isEqualTo(2);
    assertThat(fieldsOf(applied, "bob")).contains("f:size");
    assertThat(fieldsOf(applied, "alice")).contains("f:mode").doesNotContain("f:size");
  }

  @Test
  void applyingTheSameValueSharesOwnershipWithoutConflict(KubernetesClient client) {
    var widgets = Widgets.in(client).inNamespace(ns);
    widgets.resource(widget(ns, "agreed", 5)).fieldManager("alice").serverSideApply();

    var applied = widgets.resource(widget(ns, "agreed", 5)).fieldManager("bob").serverSideApply();

    assertThat(fieldsOf(applied, "alice")).contains("f:size");
    assertThat(fieldsOf(applied, "bob")).contains("f:size");
  }

  private static String fieldsOf(GenericKubernetesResource w, String manager) {
    return w.getMetadata().getManagedFields().stream()
        .filter(m -> manager.equals(m.getManager()) && "Apply".equals(m.getOperation()))
        .map(ManagedFieldsEntry::getFieldsV1)
        .map(f -> String.valueOf(f.getAdditionalProperties()))
        .findFirst().orElse("");
  }
}
