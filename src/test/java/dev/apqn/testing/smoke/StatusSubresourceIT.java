package dev.apqn.testing.smoke;

import static dev.apqn.testing.smoke.Widgets.widget;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apqn.testing.LocalControlPlane;
import dev.apqn.testing.WithKubeApiServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * With the status subresource, the main resource ignores status and /status ignores everything
 * but status: the split the operator's single-writer rule (users own spec, controller owns
 * status) is built on.
 */
@WithKubeApiServer(crds = Widgets.CRD)
class StatusSubresourceIT {

  static String ns;

  @BeforeAll
  static void namespace(LocalControlPlane cp) {
    ns = cp.createNamespace("status");
  }

  @Test
  void statusUpdateDoesNotChangeSpec(KubernetesClient client) {
    var widgets = Widgets.in(client).inNamespace(ns);
    var created = widgets.resource(widget(ns, "w1", 3)).create();
    assertThat(created.getMetadata().getGeneration()).isEqualTo(1);

    var change = widgets.withName("w1").get();
    Widgets.spec(change).put("size", 7);
    change.setAdditionalProperty("status", new HashMap<>(Map.of("phase", "Ready", "observedSize", 3)));
    var afterStatus = widgets.resource(change).updateStatus();

    assertThat(Widgets.size(afterStatus)).isEqualTo(3);
    assertThat(Widgets.status(afterStatus)).containsEntry("phase", "Ready");
    // a status write is not a spec change: generation stays
    assertThat(afterStatus.getMetadata().getGeneration()).isEqualTo(1);
    assertThat(Widgets.size(widgets.withName("w1").get())).isEqualTo(3);
  }

  @Test
  void mainResourceUpdateDoesNotChangeStatus(KubernetesClient client) {
    var widgets = Widgets.in(client).inNamespace(ns);
    // status sent on create is dropped, too
    var w = widget(ns, "w2", 1);
    w.setAdditionalProperty("status", new HashMap<>(Map.of("phase", "Sneaky")));
    var created = widgets.resource(w).create();
    assertThat(Widgets.status(created)).isNull();

    var withStatus = widgets.withName("w2").get();
    withStatus.setAdditionalProperty("status", new HashMap<>(Map.of("phase", "Ready")));
    widgets.resource(withStatus).updateStatus();

    var change = widgets.withName("w2").get();
    Widgets.spec(change).put("size", 4);
    Widgets.status(change).put("phase", "Broken");
    var updated = widgets.resource(change).update();

    assertThat(Widgets.size(updated)).isEqualTo(4);
    assertThat(Widgets.status(updated)).containsEntry("phase", "Ready");
    assertThat(updated.getMetadata().getGeneration()).isEqualTo(2);
  }
}
