package dev.apqn.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The pinned {@code helm} binary (hack/control-plane.sh puts it at {@code <cache>/bin/helm}) run as a
 * process on the repository's chart, charts/apqn-operator: what a user runs, not a Java re-implementation.
 */
public final class Helm {

    /** The chart's release name in deploy/ and in the README. */
    public static final String RELEASE = "apqn-operator";

    /** What one helm run printed, and how it ended. */
    public record Result(int exitCode, String stdout, String stderr) {
        public Result orThrow() {
            if (exitCode != 0) {
                throw new IllegalStateException("helm exited with " + exitCode + ":\n" + stderr + stdout);
            }
            return this;
        }
    }

    private Helm() {
    }

    public static Path binary() {
        Path helm = LocalControlPlane.cacheDir().resolve("bin/helm");
        if (!Files.isExecutable(helm)) {
            throw new IllegalStateException("no helm at " + helm + ": run `hack/control-plane.sh ensure` (or `make test`)");
        }
        return helm;
    }

    /** The repository root, found from the working directory upwards. */
    public static Path repo() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isDirectory(d.resolve("charts/apqn-operator"))) {
                return d;
            }
        }
        throw new IllegalStateException("charts/apqn-operator not found above " + Path.of("").toAbsolutePath());
    }

    public static Path chart() {
        return repo().resolve("charts/apqn-operator");
    }

    /** Runs helm with {@code args}; {@code kubeconfig} may be null for commands that need no cluster. */
    public static Result run(Path kubeconfig, List<String> args) {
        var command = new ArrayList<String>();
        command.add(binary().toString());
        command.addAll(args);
        var pb = new ProcessBuilder(command).directory(repo().toFile());
        // a private helm home: the user's repositories, plugins and cache play no part
        Path home = LocalControlPlane.cacheDir().resolve("helm-home");
        pb.environment().put("HELM_CONFIG_HOME", home.resolve("config").toString());
        pb.environment().put("HELM_CACHE_HOME", home.resolve("cache").toString());
        pb.environment().put("HELM_DATA_HOME", home.resolve("data").toString());
        if (kubeconfig != null) {
            pb.environment().put("KUBECONFIG", kubeconfig.toString());
        }
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            var out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
            var err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException("helm " + args + " did not finish in 5 minutes");
            }
            return new Result(p.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** {@code helm template RELEASE charts/apqn-operator --namespace NS [extra...]}: the rendered YAML. */
    public static String template(String release, String namespace, String... extra) {
        var args = new ArrayList<>(List.of("template", release, chart().toString(), "--namespace", namespace));
        args.addAll(List.of(extra));
        return run(null, args).orThrow().stdout();
    }

    private static String read(java.io.InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
