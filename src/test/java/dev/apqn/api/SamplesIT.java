package dev.apqn.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apqn.testing.WithKubeApiServer;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * deploy/samples/*.yaml are accepted as they are; in deploy/samples/errors/, invalid-*.yaml are
 * rejected by the API server (both by a create, as a client-side {@code kubectl apply} of a new
 * object does, and by a server-side apply, as the demo and {@code kubectl apply --server-side} do,
 * each with a schema message naming the field) and everything else (conflicts the controller
 * reports) is accepted.
 */
@WithKubeApiServer(crds = "crds")
class SamplesIT {

    static final Path SAMPLES = Path.of("deploy", "samples");

    /**
     * The API server is shared by every IT of the JVM: the cluster-scoped sample policy would
     * otherwise deny every other test's namespace (its grants name only payroll and analytics).
     * Finalizers are stripped because no controller runs here to release them.
     */
    @AfterAll
    static void removeWhatTheSamplesCreated(KubernetesClient client) throws IOException {
        List<Path> all = new java.util.ArrayList<>(files(SAMPLES));
        all.addAll(files(SAMPLES.resolve("errors")));
        for (Path file : all) {
            for (HasMetadata item : load(client, file)) {
                var live = client.resource(item).get();
                if (live == null) {
                    continue;
                }
                if (live.getMetadata().getFinalizers() != null && !live.getMetadata().getFinalizers().isEmpty()) {
                    live.getMetadata().setFinalizers(List.of());
                    client.resource(live).update();
                }
                client.resource(item).delete();
            }
        }
    }

    static Stream<Path> valid() throws IOException {
        return files(SAMPLES).stream();
    }

    static Stream<Path> errors() throws IOException {
        return files(SAMPLES.resolve("errors")).stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valid")
    void sampleIsAccepted(Path file, KubernetesClient client) throws IOException {
        for (HasMetadata item : load(client, file)) {
            ensureNamespace(client, item);
            var created = client.resource(item).fieldManager("samples-it").forceConflicts().serverSideApply();
            assertThat(created.getMetadata().getUid()).isNotBlank();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("errors")
    void errorSampleIsRejectedOnlyIfNamedInvalid(Path file, KubernetesClient client) throws IOException {
        for (HasMetadata item : load(client, file)) {
            ensureNamespace(client, item);
            if (file.getFileName().toString().startsWith("invalid-")) {
                assertThatThrownBy(() -> client.resource(item).create())
                        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                            assertThat(e.getCode()).isEqualTo(422);
                            assertThat(e.getStatus().getMessage()).contains("spec.");
                        });
                assertThatThrownBy(() -> client.resource(item).fieldManager("kubectl").serverSideApply())
                        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                            assertThat(e.getCode()).isEqualTo(422);
                            assertThat(e.getStatus().getReason()).isEqualTo("Invalid");
                            assertThat(e.getStatus().getDetails().getCauses()).isNotEmpty()
                                    .allSatisfy(c -> assertThat(c.getField()).startsWith("spec."));
                        });
            } else {
                assertThat(client.resource(item).create().getMetadata().getUid()).isNotBlank();
            }
        }
    }

    static List<HasMetadata> load(KubernetesClient client, Path file) throws IOException {
        try (var in = Files.newInputStream(file)) {
            var items = client.load(in).items();
            assertThat(items).as(file + " holds objects").isNotEmpty();
            return items;
        }
    }

    static void ensureNamespace(KubernetesClient client, HasMetadata item) {
        String ns = item.getMetadata().getNamespace();
        if (ns != null && client.namespaces().withName(ns).get() == null) {
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
                    .create();
        }
    }

    static List<Path> files(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml")).sorted().toList();
        }
    }
}
