package dev.apqn.testing.smoke;

import static dev.apqn.testing.smoke.Widgets.widget;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apqn.testing.LocalControlPlane;
import dev.apqn.testing.WithKubeApiServer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.time.Duration;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A watch delivers create, update and delete of a custom resource, in order. */
@WithKubeApiServer(crds = Widgets.CRD)
class WatchIT {

  static String ns;

  @BeforeAll
  static void namespace(LocalControlPlane cp) {
    ns = cp.createNamespace("watch");
  }

  @Test
  void watchSeesCreateUpdateDelete(KubernetesClient client) {
    var widgets = Widgets.in(client).inNamespace(ns);
    var events = new CopyOnWriteArrayList<String>();
    // watch from the list's resourceVersion: every later change is delivered, however long the
    // watch connection takes to open
    String from = widgets.list().getMetadata().getResourceVersion();

    try (var watch = widgets.withResourceVersion(from).watch(new Watcher<GenericKubernetesResource>() {
      @Override
      public void eventReceived(Action action, GenericKubernetesResource w) {
        events.add(action + " " + w.getMetadata().getName() + " size=" + Widgets.size(w));
      }

      @Override
      public void onClose(WatcherException cause) {
      }
    })) {
      widgets.resource(widget(ns, "watched", 1)).create();
      widgets.withName("watched").edit(w -> {
        Widgets.spec(w).put("size", 2);
        return w;
      });
      widgets.withName("watched").delete();

      await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(events).containsExactly(
          "ADDED watched size=1", "MODIFIED watched size=2", "DELETED watched size=2"));
    }
  }
}
