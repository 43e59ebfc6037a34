package dev.apqn.testing.smoke;

import static dev.apqn.testing.smoke.Widgets.widget;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.apqn.testing.LocalControlPlane;
import dev.apqn.testing.WithKubeApiServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Deleting an object with a finalizer only marks it; it goes when the last finalizer does. */
@WithKubeApiServer(crds = Widgets.CRD)
class FinalizerIT {

  static final String FINALIZER = "smoke.apqn.dev/hold";
  static String ns;

  @BeforeAll
  static void namespace(LocalControlPlane cp) {
    ns = cp.createNamespace("finalizer");
  }

  @Test
  void finalizerHoldsDeletionUntilRemoved(KubernetesClient client) {
    var widgets = Widgets.in(client).inNamespace(ns);
    var w = widget(ns, "held", 1);
    w.getMetadata().setFinalizers(List.of(FINALIZER));
    widgets.resource(w).create();

    widgets.withName("held").delete();

    var marked = widgets.withName("held").get();
    assertThat(marked).isNotNull();
    assertThat(marked.getMetadata().getDeletionTimestamp()).isNotBlank();
    assertThat(marked.getMetadata().getFinalizers()).containsExactly(FINALIZER);

    // the server refuses new finalizers on an object that is being deleted
    assertThatThrownBy(() -> widgets.withName("held").edit(x -> {
      x.getMetadata().getFinalizers().add("smoke.apqn.dev/late");
      return x;
    })).isInstanceOfSatisfying(KubernetesClientException.class, e -> {
      assertThat(e.getCode()).isEqualTo(422);
      assertThat(e.getStatus().getMessage()).contains("no new finalizers can be added if the object is being deleted");
    });

    widgets.withName("held").edit(x -> {
      x.getMetadata().setFinalizers(List.of());
      return x;
    });

    await().atMost(Duration.ofSeconds(60)).until(() -> widgets.withName("held").get() == null);
  }
}
