package dev.apqn.e2e.cluster;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.utility.DockerImageName;

/**
 * JUnit 5 extension behind {@link WithNodeCluster}: one {@link NodeCluster} per test JVM, started by
 * the first class that needs it and kept in the root store, which JUnit closes when the run ends
 * (passing or failing): that removes the containers, their volumes and the network, since Ryuk is
 * off on our machines. Containers left by a killed earlier run are removed first.
 *
 * <p>System properties: {@code e2e.cluster} = {@code offline} (default: the image
 * {@code make node-image} builds, two nodes) or {@code kind} (kindcontainer, pulls kindest/node);
 * {@code e2e.node-image} (default {@value #DEFAULT_NODE_IMAGE}); {@code e2e.image.tar}, the
 * operator image tar loaded into every node (default {@value #DEFAULT_IMAGE_TAR});
 * {@code e2e.required=true} turns every skip into a failure (CI).
 */
public final class NodeClusterExtension implements ExecutionCondition, BeforeAllCallback, ParameterResolver {

    private static final Logger LOG = LoggerFactory.getLogger(NodeClusterExtension.class);
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(NodeClusterExtension.class);
    static final String DEFAULT_NODE_IMAGE = "apqn.dev/e2e/node:v1.34.4";
    static final String DEFAULT_IMAGE_TAR = "target/image/apqn-operator-image.tar";
    /** The operator image reference inside the tar, as the chart names it (tag = project version). */
    public static final String OPERATOR_IMAGE = "ghcr.io/apqn-dev/apqn-operator:0.1.0-SNAPSHOT";

    /** The operator image tar, when it exists (tests that deploy the chart need it). */
    public static Optional<Path> operatorImageTar() {
        Path tar = Path.of(System.getProperty("e2e.image.tar", DEFAULT_IMAGE_TAR));
        return Files.isRegularFile(tar) ? Optional.of(tar.toAbsolutePath()) : Optional.empty();
    }

    /** Skips the calling test with a logged reason, or fails it when {@code e2e.required=true}. */
    public static void skip(String reason) {
        if (Boolean.getBoolean("e2e.required")) {
            throw new IllegalStateException(reason + " (e2e.required=true)");
        }
        LOG.warn("skipping: {}", reason);
        Assumptions.abort(reason);
    }

    /**
     * Disables the class (reported as skipped, reason logged) where no cluster can start; decided
     * once per JVM. A condition rather than an abort in beforeAll, so the skip is counted.
     */
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        String reason = context.getRoot().getStore(NS)
                .computeIfAbsent(Availability.class, k -> new Availability(whyUnavailable()), Availability.class)
                .reason();
        if (reason == null) {
            return ConditionEvaluationResult.enabled("a cluster can start here");
        }
        if (Boolean.getBoolean("e2e.required")) {
            throw new IllegalStateException(reason + " (e2e.required=true)");
        }
        LOG.warn("skipping {}: {}", context.getDisplayName(), reason);
        return ConditionEvaluationResult.disabled(reason);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        shared(context);
    }

    private static NodeCluster shared(ExtensionContext context) {
        return context.getRoot().getStore(NS).computeIfAbsent(Shared.class, k -> Shared.start(), Shared.class).cluster();
    }

    /** Null when a cluster can start here; otherwise the reason, in words a developer can act on. */
    private static String whyUnavailable() {
        if (!DockerClientFactory.instance().isDockerAvailable()) {
            return "no Docker engine answers (DOCKER_HOST=" + System.getenv("DOCKER_HOST")
                    + "): start one with `eval \"$(hack/docker.sh ensure)\"` or run `make e2e`";
        }
        if (kind()) {
            return KindNodeCluster.whyUnavailable();
        }
        String image = nodeImage();
        try {
            DockerClientFactory.lazyClient().inspectImageCmd(image).exec();
            return null;
        } catch (RuntimeException e) {
            return "node image " + image + " is not in the Docker engine: build it with `make node-image`";
        }
    }

    private static boolean kind() {
        return "kind".equals(System.getProperty("e2e.cluster", "offline"));
    }

    private static String nodeImage() {
        return System.getProperty("e2e.node-image", DEFAULT_NODE_IMAGE);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == NodeCluster.class || type == KubernetesClient.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        var cluster = shared(context);
        return parameter.getParameter().getType() == NodeCluster.class ? cluster : cluster.client();
    }

    /** Why no cluster can start here, or null: checked once per JVM. */
    private record Availability(String reason) {
    }

    /** Store value: JUnit closes it when the root context closes, which removes the cluster. */
    private record Shared(NodeCluster cluster, long readyAtNanos) implements AutoCloseable {

        static Shared start() {
            LeftoverContainers.remove();
            List<Path> tars = new ArrayList<>();
            operatorImageTar().ifPresentOrElse(tars::add,
                    () -> LOG.warn("no operator image tar at {} (-De2e.image.tar): tests that deploy the chart will skip",
                            System.getProperty("e2e.image.tar", DEFAULT_IMAGE_TAR)));
            Path workDir = Path.of("target/e2e");
            long t0 = System.nanoTime();
            NodeCluster cluster = kind()
                    ? KindNodeCluster.start(tars, workDir)
                    : OfflineNodeCluster.start(DockerImageName.parse(nodeImage()), tars, workDir);
            long ready = System.nanoTime();
            E2eTimings.record(workDir, "cluster-start", ready - t0);
            LOG.info("cluster up in {}: {}", E2eTimings.seconds(ready - t0), cluster.describe());
            return new Shared(cluster, ready);
        }

        @Override
        public void close() {
            Path workDir = Path.of("target/e2e");
            E2eTimings.record(workDir, "tests", System.nanoTime() - readyAtNanos);
            long t0 = System.nanoTime();
            cluster.close();
            E2eTimings.record(workDir, "cluster-stop", System.nanoTime() - t0);
            LOG.info("E2E wall time: {}", E2eTimings.summary(workDir));
        }
    }

    static void ensureDir(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
