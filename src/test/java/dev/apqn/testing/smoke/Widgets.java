package dev.apqn.testing.smoke;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.LinkedHashMap;
import java.util.Map;

/** The test-only Widget kind of src/test/resources/smoke/widgets.yaml. */
final class Widgets {

  static final String CRD = "smoke/widgets.yaml";

  /** Explicit, so no discovery round trip is needed (and none can be stale). */
  static final ResourceDefinitionContext CONTEXT = new ResourceDefinitionContext.Builder()
      .withGroup("smoke.apqn.dev").withVersion("v1").withKind("Widget").withPlural("widgets")
      .withNamespaced(true).build();

  private Widgets() {
  }

  static MixedOperation<GenericKubernetesResource, GenericKubernetesResourceList, Resource<GenericKubernetesResource>> in(
      KubernetesClient client) {
    return client.genericKubernetesResources(CONTEXT);
  }

  static GenericKubernetesResource widget(String namespace, String name, Map<String, Object> spec) {
    var w = new GenericKubernetesResource();
    w.setApiVersion("smoke.apqn.dev/v1");
    w.setKind("Widget");
    w.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
        .withNamespace(namespace).withName(name).build());
    w.setAdditionalProperty("spec", new LinkedHashMap<>(spec));
    return w;
  }

  static GenericKubernetesResource widget(String namespace, String name, int size) {
    return widget(namespace, name, Map.of("size", size));
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> spec(GenericKubernetesResource w) {
    return (Map<String, Object>) w.getAdditionalProperties().get("spec");
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> status(GenericKubernetesResource w) {
    return (Map<String, Object>) w.getAdditionalProperties().get("status");
  }

  /** JSON numbers come back as Integer or Long depending on the parser; compare as long. */
  static long size(GenericKubernetesResource w) {
    return ((Number) spec(w).get("size")).longValue();
  }
}
