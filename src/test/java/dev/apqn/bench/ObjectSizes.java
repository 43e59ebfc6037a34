package dev.apqn.bench;

import dev.apqn.api.v1alpha1.APNodeState;
import dev.apqn.api.v1alpha1.APQNReservation;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The size of what the API server stores for us when everything is Ready: every write re-encodes, validates and
 * field-manages the whole object, so its cost grows with these bytes (docs/bench.md, "What bounds the figures").
 * One reservation and the APNodeState of its node, in JSON as the server returns it, split into the parts that
 * grow independently; both are also written next to the logs for reading.
 */
final class ObjectSizes {

    private ObjectSizes() {
    }

    static Map<String, Object> sample(KubernetesClient admin, String namespace, List<APQNReservation> plan, Path logDir)
            throws IOException {
        Map<String, Object> out = new LinkedHashMap<>();
        APQNReservation first = plan.get(0);
        APQNReservation reservation = admin.resources(APQNReservation.class).inNamespace(namespace)
                .withName(first.getMetadata().getName()).get();
        if (reservation == null) {
            return out;
        }
        out.put("reservation", parts(reservation, reservation.getSpec(), reservation.getStatus()));
        Files.createDirectories(logDir);
        Files.writeString(logDir.resolve("sample-reservation.json"), Serialization.asJson(reservation));
        String node = reservation.getSpec().getNodeName();
        APNodeState state = node == null ? null
                : admin.resources(APNodeState.class).withName(node).get();
        if (state != null) {
            Map<String, Object> s = parts(state, state.getSpec(), state.getStatus());
            s.put("mdevs", state.getSpec() == null || state.getSpec().getMdevs() == null ? 0
                    : state.getSpec().getMdevs().size());
            out.put("nodeState", s);
            Files.writeString(logDir.resolve("sample-apnodestate.json"), Serialization.asJson(state));
        }
        return out;
    }

    private static Map<String, Object> parts(HasMetadata object, Object spec, Object status) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("total", bytes(object));
        m.put("managedFields", bytes(object.getMetadata().getManagedFields()));
        m.put("spec", bytes(spec));
        m.put("status", bytes(status));
        return m;
    }

    private static int bytes(Object o) {
        return o == null ? 0 : Serialization.asJson(o).getBytes(StandardCharsets.UTF_8).length;
    }
}
