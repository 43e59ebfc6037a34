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

    /** The chart's roles, and the template that holds each one's RBAC. */
    public enum Role {
        controller("templates/rbac-controller.yaml"),
        agent("templates/rbac-agent.yaml"),
        /** The pre-delete hook's account (uninstall-check role): its ServiceAccount, ClusterRole and binding. */
        uninstallGuard("templates/uninstall-guard.yaml");

        final String template;

        Role(String template) {
            this.template = template;
        }
    }

    private static final java.util.Set<String> ACCESS_KINDS =
            java.util.Set.of("ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding");

    private ChartRbac() {
    }

    /** The rendered RBAC objects (and ServiceAccounts, where the template has them) of {@code role} in {@code namespace}. */
    public static List<HasMetadata> render(KubernetesClient client, String namespace, Role role, String... extra) {
        var args = new java.util.ArrayList<String>(List.of("--show-only", role.template));
        args.addAll(List.of(extra));
        String yaml = Helm.template(namespace, namespace, args.toArray(String[]::new));
        return client.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))).items().stream()
                .filter(o -> ACCESS_KINDS.contains(o.getKind())).toList();
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
