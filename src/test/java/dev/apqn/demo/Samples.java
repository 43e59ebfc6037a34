package dev.apqn.demo;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusCause;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Applies a directory of manifests as {@code kubectl apply --server-side -f <dir>/} does: the
 * {@code *.yaml} files of that directory (not its sub directories) in name order, each object
 * server-side-applied under field manager {@code kubectl}, without forcing conflicts.
 */
final class Samples {

    /** The field manager {@code kubectl apply --server-side} uses. */
    static final String FIELD_MANAGER = "kubectl";

    /** What happened to one object. */
    record Outcome(Path file, String kind, String namespace, String name, boolean applied, String reason, String message,
                   List<String> causes) {

        /** {@code apqnreservation.apqn.dev/payroll-crypto}, as kubectl names it. */
        String ref() {
            return kind.toLowerCase(Locale.ROOT) + (group(kind).isEmpty() ? "" : "." + group(kind)) + "/" + name;
        }

        String key() {
            return namespace == null ? name : namespace + "/" + name;
        }

        private static String group(String kind) {
            return kind.startsWith("APQN") || kind.startsWith("APNode") ? "apqn.dev" : "";
        }
    }

    private Samples() {
    }

    static List<Path> files(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile)
                    .filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<HasMetadata> load(KubernetesClient client, Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return client.load(in).items();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Outcome> apply(KubernetesClient client, Path dir) {
        var out = new ArrayList<Outcome>();
        for (Path file : files(dir)) {
            for (HasMetadata item : load(client, file)) {
                String ns = item.getMetadata().getNamespace();
                try {
                    client.resource(item).fieldManager(FIELD_MANAGER).serverSideApply();
                    out.add(new Outcome(file, item.getKind(), ns, item.getMetadata().getName(), true, null, null, List.of()));
                } catch (KubernetesClientException e) {
                    Status st = e.getStatus();
                    String msg = st != null && st.getMessage() != null ? st.getMessage() : e.getMessage();
                    List<String> causes = st == null || st.getDetails() == null || st.getDetails().getCauses() == null
                            ? List.of()
                            : st.getDetails().getCauses().stream().map(Samples::cause).toList();
                    String reason = "(" + (st != null && st.getReason() != null ? st.getReason() : e.getCode()) + ")";
                    out.add(new Outcome(file, item.getKind(), ns, item.getMetadata().getName(), false, reason, msg, causes));
                }
            }
        }
        return out;
    }

    private static String cause(StatusCause c) {
        return c.getField() == null || c.getMessage().startsWith(c.getField()) ? c.getMessage()
                : c.getField() + ": " + c.getMessage();
    }
}
