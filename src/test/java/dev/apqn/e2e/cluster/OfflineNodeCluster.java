package dev.apqn.e2e.cluster;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.Network;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * Two nodes, a control plane (etcd, API server, controller-manager, scheduler, kubelet, kube-proxy)
 * and a worker (kubelet, kube-proxy), as containers of the offline node image on one Docker network.
 * The worker gets the control plane's CA before it starts and mints its own certificates; each node
 * gets a route to the other's pod subnet. Image tars given at start are bind-mounted read-only and
 * imported by each node's start script before its kubelet runs.
 */
public final class OfflineNodeCluster implements NodeCluster {

    private static final Logger LOG = LoggerFactory.getLogger(OfflineNodeCluster.class);
    static final String CONTROL_PLANE = "apqn-control-plane";
    static final String WORKER = "apqn-worker";
    private static final String PKI = "/etc/kubernetes/pki/";

    private final DockerImageName image;
    private final Path workDir;
    private final Network network;
    private final List<NodeContainer> nodes = new ArrayList<>();
    private KubernetesClient client;
    private Path kubeconfig;

    private OfflineNodeCluster(DockerImageName image, Path workDir) {
        this.image = image;
        this.workDir = workDir;
        this.network = Network.builder()
                .createNetworkCmdModifier(cmd -> cmd.withLabels(Map.of(NodeContainer.LABEL, "network",
                        NodeContainer.OWNER_LABEL, Long.toString(ProcessHandle.current().pid()))))
                .build();
    }

    /**
     * Starts both nodes and waits until both Nodes are Ready and the default ServiceAccount exists.
     * On any failure everything started so far is removed again.
     */
    public static OfflineNodeCluster start(DockerImageName image, List<Path> imageTars, Path workDir) {
        var cluster = new OfflineNodeCluster(image, workDir);
        try {
            cluster.startNodes(imageTars);
            return cluster;
        } catch (RuntimeException | Error e) {
            cluster.logNodeDiagnostics();
            cluster.close();
            throw e;
        }
    }

    private void startNodes(List<Path> imageTars) {
        String dockerHost = DockerClientFactory.instance().dockerHostIpAddress();
        var controlPlane = node(CONTROL_PLANE, imageTars)
                .withEnv("APQN_NODE_ROLE", "control-plane")
                .withEnv("APQN_POD_CIDR", "10.244.0.0/24")
                // the API server certificate must also name the address tests reach it at
                .withEnv("APQN_API_SANS", CONTROL_PLANE + "," + dockerHost)
                .withExposedPorts(NodeContainer.API_PORT);
        // listed before start: a node that fails to start is still removed by close()
        nodes.add(controlPlane);
        controlPlane.start();

        var worker = node(WORKER, imageTars)
                .withEnv("APQN_NODE_ROLE", "worker")
                .withEnv("APQN_POD_CIDR", "10.244.1.0/24")
                .withEnv("APQN_API_SERVER", "https://" + CONTROL_PLANE + ":" + NodeContainer.API_PORT)
                .withCopyToContainer(Transferable.of(read(controlPlane, PKI + "ca.crt")), PKI + "ca.crt")
                .withCopyToContainer(Transferable.of(read(controlPlane, PKI + "ca.key"), 0600), PKI + "ca.key");
        nodes.add(worker);
        worker.start();

        // no CNI that routes between nodes: each node routes the other's pod subnet via its address
        execOrThrow(controlPlane, "ip", "route", "replace", "10.244.1.0/24", "via", worker.networkIp());
        execOrThrow(worker, "ip", "route", "replace", "10.244.0.0/24", "via", controlPlane.networkIp());

        String admin = new String(read(controlPlane, "/etc/kubernetes/admin-external.conf"), StandardCharsets.UTF_8)
                .replaceFirst("server: https://[^\\s]+",
                        "server: https://" + dockerHost + ":" + controlPlane.getMappedPort(NodeContainer.API_PORT));
        kubeconfig = workDir.resolve("kubeconfig");
        try {
            Files.createDirectories(workDir);
            Files.writeString(kubeconfig, admin);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(admin)).build();
        await("both Nodes Ready").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                .until(() -> client.nodes().list().getItems().stream().filter(OfflineNodeCluster::ready).count() == 2);
        await("the default ServiceAccount").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500))
                .until(() -> client.serviceAccounts().inNamespace("default").withName("default").get() != null);
    }

    private NodeContainer node(String name, List<Path> imageTars) {
        var node = new NodeContainer(image, name, network)
                .withLogConsumer(frame -> LOG.info("[{}] {}", name, frame.getUtf8StringWithoutLineEnding()));
        for (Path tar : imageTars) {
            node.withFileSystemBind(tar.toAbsolutePath().toString(), "/apqn/images/" + tar.getFileName(), BindMode.READ_ONLY);
        }
        return node;
    }

    static boolean ready(Node node) {
        return node.getStatus() != null && node.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private static byte[] read(NodeContainer node, String path) {
        return node.copyFileFromContainer(path, in -> in.readAllBytes());
    }

    private static String execOrThrow(NodeContainer node, String... command) {
        ExecResult r = exec(node, command);
        if (r.getExitCode() != 0) {
            throw new IllegalStateException(node.nodeName + ": " + String.join(" ", command) + " exited with "
                    + r.getExitCode() + ": " + r.getStderr() + r.getStdout());
        }
        return r.getStdout();
    }

    private static ExecResult exec(NodeContainer node, String... command) {
        try {
            return node.execInContainer(command);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public KubernetesClient client() {
        return client;
    }

    @Override
    public Path kubeconfig() {
        return kubeconfig;
    }

    @Override
    public List<String> nodeNames() {
        return nodes.stream().map(n -> n.nodeName).toList();
    }

    @Override
    public void loadImage(Path tar) {
        // on the /var volume: Docker's copy API writes into the container's root layer, under which a
        // tmpfs (/tmp, /run) hides the file
        String inNode = "/var/lib/apqn-images/" + tar.getFileName();
        for (NodeContainer node : nodes) {
            node.copyFileToContainer(MountableFile.forHostPath(tar), inNode);
            execOrThrow(node, "ctr", "-n", "k8s.io", "images", "import", inNode);
            execOrThrow(node, "rm", "-f", inNode);
        }
    }

    @Override
    public Exec exec(String nodeName, String... command) {
        var node = nodes.stream().filter(n -> n.nodeName.equals(nodeName)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no node " + nodeName + " in " + nodeNames()));
        ExecResult r = exec(node, command);
        return new Exec(r.getExitCode(), r.getStdout(), r.getStderr());
    }

    @Override
    public String describe() {
        return "offline node image " + image.asCanonicalNameString() + ", nodes " + nodeNames();
    }

    /** The daemons' last log lines of every node that started: why a start failed. */
    private void logNodeDiagnostics() {
        for (NodeContainer node : nodes) {
            if (node.isRunning()) {
                LOG.warn("[{}] daemon logs:\n{}", node.nodeName,
                        exec(node, "sh", "-c", "tail -n 15 /var/log/apqn-node/*.log").getStdout());
            }
        }
    }

    /** Removes the nodes (with their /var volumes) and the network; safe to call twice. */
    @Override
    public void close() {
        if (client != null) {
            client.close();
            client = null;
        }
        for (int i = nodes.size() - 1; i >= 0; i--) {
            try {
                nodes.get(i).stop();
            } catch (RuntimeException e) {
                LOG.warn("removing node {} failed: {}", nodes.get(i).nodeName, e.toString());
            }
        }
        nodes.clear();
        try {
            network.close();
        } catch (RuntimeException e) {
            LOG.warn("removing the network failed: {}", e.toString());
        }
    }
}
