package dev.apqn.e2e.cluster;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.util.List;

/**
 * A real Kubernetes cluster in Docker containers for the *E2E tests: real kubelets, containerd and
 * kube-proxy running our image from a tar. {@link OfflineNodeCluster} (two nodes from the image
 * {@code make node-image} builds without a registry) or {@link KindNodeCluster} (kindcontainer, one
 * node, where {@code kindest/node} can be pulled). Started once per test JVM by
 * {@link NodeClusterExtension}.
 */
public interface NodeCluster extends AutoCloseable {

    /** What one command in a node container printed. */
    record Exec(int exitCode, String stdout, String stderr) {
    }

    /** A cluster-admin client against the API server's port published on the Docker host. */
    KubernetesClient client();

    /** The same admin identity as a kubeconfig file on the host, for helm and kubectl. */
    Path kubeconfig();

    /** The Node names, control-plane node first. */
    List<String> nodeNames();

    /** Imports an image tar ({@code docker save} format) into every node's containerd. */
    void loadImage(Path tar);

    /** Runs a command in a node's container (not in a pod): the node's own view, for diagnostics. */
    Exec exec(String nodeName, String... command);

    /** One line naming the implementation and its image, for logs and skip reasons. */
    String describe();

    @Override
    void close();
}
