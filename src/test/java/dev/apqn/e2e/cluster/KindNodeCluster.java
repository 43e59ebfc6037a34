package dev.apqn.e2e.cluster;

import com.dajudge.kindcontainer.KindContainer;
import com.dajudge.kindcontainer.KindContainerVersion;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.utility.MountableFile;

/**
 * Kind via Testcontainers (the kindcontainer library): one {@code kindest/node} container, for
 * machines that can pull it (select with {@code -Dapqn.e2e.cluster=kind}). It cannot run on our
 * machines (no registry is reachable); there the tests use {@link OfflineNodeCluster}. Kindcontainer
 * runs a single node, so tests that need two nodes skip themselves on it.
 */
public final class KindNodeCluster implements NodeCluster {

    private final KindContainer<?> kind;
    private final KubernetesClient client;
    private final Path kubeconfig;

    private KindNodeCluster(KindContainer<?> kind, Path workDir) {
        this.kind = kind;
        String admin = kind.getKubeconfig();
        this.kubeconfig = workDir.resolve("kubeconfig");
        try {
            Files.createDirectories(workDir);
            Files.writeString(kubeconfig, admin);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(admin)).build();
    }

    public static KindNodeCluster start(List<Path> imageTars, Path workDir) {
        KindContainer<?> kind = new KindContainer<>(KindContainerVersion.VERSION_1_34_0);
        try {
            kind.start();
            var cluster = new KindNodeCluster(kind, workDir);
            imageTars.forEach(cluster::loadImage);
            return cluster;
        } catch (RuntimeException | Error e) {
            kind.stop();
            throw e;
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
        return client.nodes().list().getItems().stream().map(n -> n.getMetadata().getName()).toList();
    }

    @Override
    public void loadImage(Path tar) {
        // not /tmp: kind mounts a tmpfs there, which hides what Docker's copy API writes
        String inNode = "/var/" + tar.getFileName();
        kind.copyFileToContainer(MountableFile.forHostPath(tar), inNode);
        var r = exec(nodeNames().get(0), "ctr", "-n", "k8s.io", "images", "import", inNode);
        if (r.exitCode() != 0) {
            throw new IllegalStateException("ctr images import " + tar + " failed: " + r.stderr());
        }
    }

    @Override
    public Exec exec(String nodeName, String... command) {
        try {
            ExecResult r = kind.execInContainer(command);
            return new Exec(r.getExitCode(), r.getStdout(), r.getStderr());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String describe() {
        return "kindcontainer " + kind.getDockerImageName();
    }

    @Override
    public void close() {
        client.close();
        kind.stop();
    }
}
