package dev.apqn.e2e.cluster;

import com.dajudge.kindcontainer.KindContainer;
import com.dajudge.kindcontainer.KindContainerVersion;
import com.github.dockerjava.api.exception.NotFoundException;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.utility.MountableFile;

/**
 * Kind via Testcontainers (the kindcontainer library): one {@code kindest/node} container, for
 * machines that can pull it (select with {@code -De2e.cluster=kind}). It cannot run on our
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

    private static final KindContainerVersion VERSION = KindContainerVersion.VERSION_1_34_0;

    /**
     * Null when the kindest/node image is in the Docker engine or can be pulled within a minute;
     * otherwise why not. Without this check Testcontainers retries the pull for minutes.
     */
    static String whyUnavailable() {
        // the name only: the container's getDockerImageName() would already pull
        String image = VERSION.toImageSpec().getImage().asCanonicalNameString();
        var docker = DockerClientFactory.lazyClient();
        try {
            docker.inspectImageCmd(image).exec();
            return null;
        } catch (NotFoundException absent) {
            try {
                if (docker.pullImageCmd(image).start().awaitCompletion(1, TimeUnit.MINUTES)) {
                    return null;
                }
                return image + " was not pulled within a minute";
            } catch (RuntimeException e) {
                return image + " cannot be pulled (" + e.getMessage().strip() + "): without a registry use the"
                        + " offline node image (the default, -De2e.cluster=offline)";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "interrupted while pulling " + image;
            }
        }
    }

    public static KindNodeCluster start(List<Path> imageTars, Path workDir) {
        KindContainer<?> kind = new KindContainer<>(VERSION);
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
