package dev.apqn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.apqn.api.v1alpha1.APNodeState;
import dev.apqn.api.v1alpha1.APQNPolicy;
import dev.apqn.api.v1alpha1.APQNReservation;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The objects the plugin reads, captured from a running operator (KubectlApqnIT with
 * {@code -Dkubectl-apqn.capture=true}) into src/test/resources/golden/kubectl-apqn/cluster.yaml, so the
 * golden tests render real agent and controller output. Capturing normalises what changes on every run
 * and means nothing to the plugin: server bookkeeping (managedFields, resourceVersion) is dropped and
 * every timestamp is shifted so that the capture happened at {@link #NOW} (ages stay as they were).
 *
 * <p>To capture again (the operator's output changed) and accept the new goldens, review with git diff:
 * <pre>
 * mvn verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -DskipE2E=true -Dit.test=KubectlApqnIT -Dkubectl-apqn.capture=true
 * mvn test -Dtest=KubectlApqnGoldenTest -Dgolden.update=true
 * </pre>
 */
public record ClusterSnapshot(List<Node> nodes, List<APNodeState> nodeStates, List<APQNPolicy> policies,
                              List<APQNReservation> reservations, List<Event> events) implements ClusterReader {

    /** When every capture happened, as far as the goldens know. */
    public static final Instant NOW = Instant.parse("2026-12-04T12:00:00Z");
    static final Path FILE = Path.of("src/test/resources/golden/kubectl-apqn/cluster.yaml");

    public static ClusterSnapshot load() {
        try {
            return Serialization.unmarshal(Files.readString(FILE), ClusterSnapshot.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads everything the plugin may read from the cluster, normalised as described above. */
    static ClusterSnapshot capture(KubernetesClient client, Instant capturedAt) {
        var raw = new ClusterSnapshot(
                client.nodes().list().getItems().stream().sorted(Comparator.comparing(n -> n.getMetadata().getName())).toList(),
                client.resources(APNodeState.class).list().getItems().stream()
                        .sorted(Comparator.comparing(n -> n.getMetadata().getName())).toList(),
                client.resources(APQNPolicy.class).list().getItems().stream()
                        .sorted(Comparator.comparing(n -> n.getMetadata().getName())).toList(),
                client.resources(APQNReservation.class).inAnyNamespace().list().getItems().stream()
                        .sorted(Comparator.comparing(APQNReservation::ref)).toList(),
                client.v1().events().inAnyNamespace().withField("involvedObject.kind", "APQNReservation").list().getItems()
                        .stream().sorted(Comparator.comparing((Event e) -> e.getMetadata().getNamespace())
                                .thenComparing(e -> e.getInvolvedObject().getName())
                                .thenComparing(e -> Optional.ofNullable(e.getFirstTimestamp()).orElse(""))
                                .thenComparing(e -> e.getMetadata().getName())).toList());
        JsonNode tree = Serialization.jsonMapper().valueToTree(raw);
        normalise(tree, Duration.between(capturedAt, NOW));
        return Serialization.jsonMapper().convertValue(tree, ClusterSnapshot.class);
    }

    void write(Path file) {
        try {
            Files.writeString(file, "# Captured by KubectlApqnIT (-Dkubectl-apqn.capture=true) from the demo cluster it runs;\n"
                    + "# timestamps shifted so that the capture happened at " + NOW + ". Do not edit by hand.\n"
                    + Serialization.asYaml(this).replaceFirst("^---\n", ""));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void normalise(JsonNode node, Duration shift) {
        if (node instanceof ObjectNode o) {
            o.remove("managedFields");
            o.remove("resourceVersion");
            Iterator<Map.Entry<String, JsonNode>> fields = o.fields();
            while (fields.hasNext()) {
                var f = fields.next();
                if (f.getValue().isTextual()) {
                    shifted(f.getValue().asText(), shift).ifPresent(t -> f.setValue(new TextNode(t)));
                } else {
                    normalise(f.getValue(), shift);
                }
            }
        } else if (node != null && node.isArray()) {
            node.forEach(n -> normalise(n, shift));
        }
    }

    private static Optional<String> shifted(String text, Duration shift) {
        if (text.length() < 20 || text.charAt(4) != '-' || text.charAt(10) != 'T' || !text.endsWith("Z")) {
            return Optional.empty();
        }
        try {
            Instant t = Instant.parse(text).plus(shift);
            int dot = text.indexOf('.');
            String s = t.toString();
            if (dot < 0) {
                return Optional.of(t.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
            }
            // keep the original's number of fractional digits (MicroTime has exactly six)
            int digits = text.length() - dot - 2;
            String whole = t.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
            String frac = String.format("%09d", t.getNano()).substring(0, digits);
            return Optional.of(whole.substring(0, whole.length() - 1) + "." + frac + "Z");
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    // ------------------------------------------------------------------ ClusterReader

    @Override
    public Optional<APNodeState> nodeState(String node) {
        return nodeStates.stream().filter(s -> s.getMetadata().getName().equals(node)).findFirst();
    }

    @Override
    public Map<String, String> nodeLabels(String node) {
        return nodes.stream().filter(n -> n.getMetadata().getName().equals(node)).findFirst()
                .map(n -> n.getMetadata().getLabels()).orElse(Map.of());
    }

    @Override
    public List<APQNPolicy> policies() {
        return policies;
    }

    @Override
    public Optional<APQNReservation> reservation(String namespace, String name) {
        return reservations.stream().filter(r -> r.getMetadata().getNamespace().equals(namespace)
                && r.getMetadata().getName().equals(name)).findFirst();
    }

    @Override
    public List<APQNReservation> reservations() {
        return reservations;
    }

    @Override
    public List<Event> events(String namespace, String name) {
        return events.stream().filter(e -> namespace.equals(e.getMetadata().getNamespace())
                && name.equals(e.getInvolvedObject().getName())).toList();
    }
}
