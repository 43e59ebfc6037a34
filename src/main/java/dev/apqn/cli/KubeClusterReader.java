package dev.apqn.cli;

import dev.apqn.api.v1alpha1.APNodeState;
import dev.apqn.api.v1alpha1.APQNPolicy;
import dev.apqn.api.v1alpha1.APQNReservation;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@link ClusterReader} over the API server, with the user's kubeconfig (read-only requests). */
final class KubeClusterReader implements ClusterReader {

    private final KubernetesClient client;

    KubeClusterReader(KubernetesClient client) {
        this.client = client;
    }

    @Override
    public Optional<APNodeState> nodeState(String node) {
        return Optional.ofNullable(client.resources(APNodeState.class).withName(node).get());
    }

    @Override
    public Map<String, String> nodeLabels(String node) {
        try {
            Node n = client.nodes().withName(node).get();
            return n == null || n.getMetadata().getLabels() == null ? Map.of() : n.getMetadata().getLabels();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 403) {
                // a user who may read APNodeStates but not Nodes still gets the grid, without policy marks
                return Map.of();
            }
            throw e;
        }
    }

    @Override
    public List<APQNPolicy> policies() {
        try {
            return client.resources(APQNPolicy.class).list().getItems();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 403) {
                return List.of();
            }
            throw e;
        }
    }

    @Override
    public Optional<APQNReservation> reservation(String namespace, String name) {
        return Optional.ofNullable(client.resources(APQNReservation.class).inNamespace(namespace).withName(name).get());
    }

    @Override
    public List<APQNReservation> reservations() {
        try {
            return client.resources(APQNReservation.class).inAnyNamespace().list().getItems();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 403) {
                // without cluster-wide list rights the grid still shows every holder (from the node's state)
                return List.of();
            }
            throw e;
        }
    }

    @Override
    public List<Event> events(String namespace, String name) {
        return client.v1().events().inNamespace(namespace).withField("involvedObject.kind", "APQNReservation")
                .withField("involvedObject.name", name).list().getItems();
    }
}
