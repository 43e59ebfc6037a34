package dev.apqn.process;

import dev.apqn.testing.LocalControlPlane;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

/**
 * The service accounts the roles run as in a cluster, for the process tests: {@code apqn-controller},
 * {@code apqn-agent} and {@code apqn-uninstall-check} in the operator namespace, each bound to its RBAC
 * (src/test/resources/rbac/*-rbac.yaml, namespace and cluster-scoped names rewritten so test classes
 * never share them), and a kubeconfig per account holding a minted token, as a pod's service account
 * token would be. {@link #grant} is the only place that knows where the RBAC comes from.
 */
final class ProcessAccounts {

    static final String CONTROLLER = "apqn-controller";
    static final String AGENT = "apqn-agent";
    static final String UNINSTALL_CHECK = "apqn-uninstall-check";

    private final LocalControlPlane cp;
    private final String namespace;
    private final Path dir;

    private ProcessAccounts(LocalControlPlane cp, String namespace, Path dir) {
        this.cp = cp;
        this.namespace = namespace;
        this.dir = dir;
    }

    /** Creates the accounts in {@code namespace} (the operator namespace) and binds their RBAC. */
    static ProcessAccounts create(LocalControlPlane cp, String namespace) {
        KubernetesClient admin = cp.adminClient();
        for (String sa : new String[] {CONTROLLER, AGENT, UNINSTALL_CHECK}) {
            admin.serviceAccounts().inNamespace(namespace).resource(new ServiceAccountBuilder()
                    .withNewMetadata().withName(sa).endMetadata().build()).create();
        }
        grant(admin, namespace);
        return new ProcessAccounts(cp, namespace, Path.of("target", "process-it", namespace).toAbsolutePath());
    }

    /**
     * Applies the roles' RBAC for accounts in {@code ns}. The chart renders the production RBAC; when
     * the tests switch to it, this method is what changes.
     */
    private static void grant(KubernetesClient admin, String ns) {
        for (String file : new String[] {"rbac/controller-rbac.yaml", "rbac/agent-rbac.yaml", "rbac/uninstall-check-rbac.yaml"}) {
            try (InputStream in = ProcessAccounts.class.getClassLoader().getResourceAsStream(file)) {
                if (in == null) {
                    throw new IllegalStateException(file + " not on the test classpath");
                }
                for (HasMetadata item : admin.load(in).items()) {
                    String itemNs = item.getMetadata().getNamespace();
                    // cluster-scoped objects and those in a shared namespace ("default": the agent's
                    // Events) get unique names, so test classes never share them
                    boolean rename = !"apqn-system".equals(itemNs);
                    if (!rename) {
                        item.getMetadata().setNamespace(ns);
                    } else {
                        item.getMetadata().setName(item.getMetadata().getName() + "-" + ns);
                    }
                    if (item instanceof ClusterRoleBinding b) {
                        b.getRoleRef().setName(b.getRoleRef().getName() + "-" + ns);
                        b.getSubjects().forEach(x -> x.setNamespace(ns));
                    } else if (item instanceof RoleBinding b) {
                        b.getSubjects().forEach(x -> x.setNamespace(ns));
                        if (rename || "ClusterRole".equals(b.getRoleRef().getKind())) {
                            b.getRoleRef().setName(b.getRoleRef().getName() + "-" + ns);
                        }
                    }
                    admin.resource(item).fieldManager("apqn-tests").forceConflicts().serverSideApply();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * A kubeconfig (written under target/process-it) that authenticates as service account
     * {@code sa} of the operator namespace with a freshly minted token; its path goes to KUBECONFIG.
     */
    Path kubeconfig(String sa) {
        Config admin = Config.fromKubeconfig(cp.kubeconfigYaml());
        String ca = admin.getCaCertData() != null ? admin.getCaCertData() : readBase64(admin.getCaCertFile());
        String yaml = """
                apiVersion: v1
                kind: Config
                clusters:
                - name: local
                  cluster:
                    server: %s
                    certificate-authority-data: %s
                users:
                - name: %s
                  user:
                    token: %s
                contexts:
                - name: %s
                  context:
                    cluster: local
                    user: %s
                    namespace: %s
                current-context: %s
                """.formatted(admin.getMasterUrl(), ca, sa, cp.serviceAccountToken(namespace, sa), sa, sa, namespace, sa);
        try {
            Files.createDirectories(dir);
            Path file = dir.resolve(sa + ".kubeconfig");
            Files.writeString(file, yaml);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String readBase64(String file) {
        try {
            return Base64.getEncoder().encodeToString(Files.readAllBytes(Path.of(file)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String namespace() {
        return namespace;
    }
}
