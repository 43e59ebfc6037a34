package dev.apqn.testing;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A role's RBAC exactly as the chart installs it (templates/rbac-controller.yaml, rbac-agent.yaml),
 * rendered by helm for a test's namespace: the tests run under the chart's permissions, not a copy.
 * The release is named after the namespace, so the cluster-scoped objects of each test are its own.
 */
public final class ChartRbac {

    /** The chart's roles. */
    public enum Role {
        controller, agent
    }

    private ChartRbac() {
    }

    /** The rendered RBAC objects of {@code role} for a release in {@code namespace}. */
    public static List<HasMetadata> render(KubernetesClient client, String namespace, Role role, String... extra) {
        var args = new java.util.ArrayList<String>(List.of("--show-only", "templates/rbac-" + role + ".yaml"));
        args.addAll(List.of(extra));
        String yaml = Helm.template(namespace, namespace, args.toArray(String[]::new));
        return client.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))).items();
    }

    /** Renders and server-side-applies the RBAC of {@code role} for {@code namespace}. */
    public static List<HasMetadata> apply(KubernetesClient admin, String namespace, Role role, String... extra) {
        List<HasMetadata> items = render(admin, namespace, role, extra);
        for (HasMetadata item : items) {
            admin.resource(item).fieldManager("apqn-tests").forceConflicts().serverSideApply();
        }
        return items;
    }
}
