package dev.apqn.api;

import dev.apqn.api.v1alpha1.SingleWriter;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

/**
 * Writes a {@link SingleWriter} spec or status whole, with one JSON patch {@code add /spec} (or {@code /status}),
 * which replaces the member (RFC 6902: an existing member is replaced) and creates it when absent.
 *
 * <p>Why not server-side apply, which the operator used before: for a part one component owns whole, apply buys
 * nothing (no other manager to merge with, and it was forced anyway) and costs the API server most of a write. A
 * CPU profile of kube-apiserver in {@code make bench} showed 13 % of it parsing apply bodies as YAML and 9 % in the
 * structured-merge field manager (docs/bench.md). A JSON patch is decoded as JSON and tracked by the field
 * manager as an update of one atomic field. No resourceVersion precondition, as before: each part has one writer,
 * and that writer serialises its own writes (one pass per node in the controller, one converge at a time in an
 * agent).
 */
public final class WholeWrites {

    private WholeWrites() {
    }

    /** Replaces {@code resource}'s spec with {@code spec}; returns the object as the API server stored it. */
    public static <T extends HasMetadata> T replaceSpec(KubernetesClient client, T resource, Object spec, String fieldManager) {
        return target(client, resource).patch(context(fieldManager), patch(client, "spec", spec));
    }

    /** Replaces {@code resource}'s status (the status subresource) with {@code status}; returns the stored object. */
    public static <T extends HasMetadata> T replaceStatus(KubernetesClient client, T resource, Object status, String fieldManager) {
        return target(client, resource).subresource("status").patch(context(fieldManager), patch(client, "status", status));
    }

    private static String patch(KubernetesClient client, String member, Object value) {
        return "[{\"op\":\"add\",\"path\":\"/" + member + "\",\"value\":"
                + client.getKubernetesSerialization().asJson(value) + "}]";
    }

    private static PatchContext context(String fieldManager) {
        return new PatchContext.Builder().withPatchType(PatchType.JSON).withFieldManager(fieldManager).build();
    }

    @SuppressWarnings("unchecked")
    private static <T extends HasMetadata> Resource<T> target(KubernetesClient client, T resource) {
        var type = (Class<T>) resource.getClass();
        String ns = resource.getMetadata().getNamespace();
        String name = resource.getMetadata().getName();
        return ns == null ? client.resources(type).withName(name) : client.resources(type).inNamespace(ns).withName(name);
    }
}
