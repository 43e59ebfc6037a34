package dev.apqn.cli;

import dev.apqn.api.v1alpha1.APNodeState;
import dev.apqn.api.v1alpha1.APQNPolicy;
import dev.apqn.api.v1alpha1.APQNReservation;
import io.fabric8.kubernetes.api.model.Event;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What the plugin reads from the cluster; the renderers get only what a reader returned. */
public interface ClusterReader {

    Optional<APNodeState> nodeState(String node);

    /** The Node's labels (policies select nodes by them); empty when the Node is gone or not readable. */
    Map<String, String> nodeLabels(String node);

    List<APQNPolicy> policies();

    Optional<APQNReservation> reservation(String namespace, String name);

    List<APQNReservation> reservations();

    /** The core/v1 Events about one reservation. */
    List<Event> events(String namespace, String name);
}
