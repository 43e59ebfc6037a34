package dev.apqn.e2e.cluster;

import dev.apqn.api.v1alpha1.APNodeState;
import dev.apqn.api.v1alpha1.APQNReservation;
import dev.apqn.api.v1alpha1.ReservationSync;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Every phase a test's reservations showed and every sync state their nodes' agents reported, in the
 * order the API server sent them (two watches; Fabric8 re-establishes them after an API outage). It
 * answers "did any reservation leave Ready meanwhile?" and "did the node go through Restoring?"
 * without sampling gaps.
 */
final class StatusHistory implements AutoCloseable {

    /** One observation: a reservation's phase, or a node's sync state of it ({@code source} = node). */
    record Seen(String source, String reservation, String state) {
    }

    private final List<Seen> seen = new ArrayList<>();
    private final Watch reservations;
    private final Watch nodeStates;

    StatusHistory(KubernetesClient client, String namespace) {
        reservations = client.resources(APQNReservation.class).inNamespace(namespace).watch(new Recorder<>() {
            @Override
            public void eventReceived(Action action, APQNReservation r) {
                String phase = action == Action.DELETED ? "Deleted"
                        : r.getStatus() == null || r.getStatus().getPhase() == null ? "None" : r.getStatus().getPhase().name();
                record(new Seen("reservation", r.getMetadata().getName(), phase));
            }
        });
        nodeStates = client.resources(APNodeState.class).watch(new Recorder<>() {
            @Override
            public void eventReceived(Action action, APNodeState s) {
                if (s.getStatus() == null || s.getStatus().getReservations() == null) {
                    return;
                }
                for (ReservationSync sync : s.getStatus().getReservations()) {
                    record(new Seen(s.getMetadata().getName(), sync.getReservation(), String.valueOf(sync.getState())));
                }
            }
        });
    }

    private synchronized void record(Seen s) {
        // consecutive repeats say nothing new (a status write of another field)
        if (seen.isEmpty() || !Objects.equals(seen.get(seen.size() - 1), s)) {
            seen.add(s);
        }
    }

    /** The phases reservation {@code name} showed, in order, without consecutive repeats. */
    synchronized List<String> phasesOf(String name) {
        return collapse(seen.stream().filter(s -> s.source().equals("reservation") && s.reservation().equals(name))
                .map(Seen::state).toList());
    }

    /** The states node {@code node}'s agent reported for a reservation whose key ends with {@code name}. */
    synchronized List<String> syncStatesOf(String node, String name) {
        return collapse(seen.stream().filter(s -> s.source().equals(node) && s.reservation() != null
                && (s.reservation().equals(name) || s.reservation().endsWith("/" + name))).map(Seen::state).toList());
    }

    /** Forgets what was seen so far (the next step of a test starts clean). */
    synchronized void clear() {
        seen.clear();
    }

    private static List<String> collapse(List<String> states) {
        List<String> out = new ArrayList<>();
        for (String s : states) {
            if (out.isEmpty() || !out.get(out.size() - 1).equals(s)) {
                out.add(s);
            }
        }
        return out;
    }

    @Override
    public void close() {
        reservations.close();
        nodeStates.close();
    }

    private abstract static class Recorder<T> implements Watcher<T> {
        @Override
        public void onClose(WatcherException cause) {
            // closed for good only by close(); Fabric8 reconnects on its own otherwise
        }
    }
}
