package dev.apqn.process;

import dev.apqn.testing.ChartRbac;
import dev.apqn.testing.LocalControlPlane;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

/**
 * The service accounts the roles run as in a cluster, for the process tests: {@code apqn-controller},
 * {@code apqn-agent} and the uninstall hook's account in the operator namespace, each bound to the
 * chart's RBAC (rendered by helm for that namespace, so test classes never share cluster-scoped
 * objects), and a kubeconfig per account holding a minted token, as a pod's service account token
 * would be.
 */
public final class ProcessAccounts {

    public static final String CONTROLLER = "apqn-controller";
    public static final String AGENT = "apqn-agent";

    private final LocalControlPlane cp;
    private final String namespace;
    private final String uninstallCheck;
    private final Path dir;

    private ProcessAccounts(LocalControlPlane cp, String namespace, String uninstallCheck, Path dir) {
        this.cp = cp;
        this.namespace = namespace;
        this.uninstallCheck = uninstallCheck;
        this.dir = dir;
    }

    /** The chart's account of the pre-delete hook that runs the uninstall-check role. */
    String uninstallCheck() {
        return uninstallCheck;
    }

    /** Creates the accounts in {@code namespace} (the operator namespace) and binds their RBAC. */
    public static ProcessAccounts create(LocalControlPlane cp, String namespace) {
        KubernetesClient admin = cp.adminClient();
        for (String sa : new String[] {CONTROLLER, AGENT}) {
            admin.serviceAccounts().inNamespace(namespace).resource(new ServiceAccountBuilder()
                    .withNewMetadata().withName(sa).endMetadata().build()).create();
        }
        String uninstallCheck = grant(admin, namespace);
        return new ProcessAccounts(cp, namespace, uninstallCheck, Path.of("target", "process-it", namespace).toAbsolutePath());
    }

    /** Applies the chart's RBAC of every role for accounts in {@code ns} (helm template, see ChartRbac). */
    private static String grant(KubernetesClient admin, String ns) {
        ChartRbac.apply(admin, ns, ChartRbac.Role.controller);
        ChartRbac.apply(admin, ns, ChartRbac.Role.agent);
        return ChartRbac.apply(admin, ns, ChartRbac.Role.uninstallGuard).stream()
                .filter(o -> o.getKind().equals("ServiceAccount")).findFirst().orElseThrow().getMetadata().getName();
    }

    /**
     * A kubeconfig (written under target/process-it) that authenticates as service account
     * {@code sa} of the operator namespace with a freshly minted token; its path goes to KUBECONFIG.
     */
    public Path kubeconfig(String sa) {
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
