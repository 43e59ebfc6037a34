package dev.apqn.controller;

import dev.apqn.api.v1alpha1.APNodeState;
import dev.apqn.api.v1alpha1.APQNPolicy;
import dev.apqn.api.v1alpha1.APQNReservation;
import dev.apqn.events.EventRecorder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the controller's two reconcilers read, one informer per kind: the reservations (the primary
 * cache of {@link ReservationReconciler}, indexed by node), the APNodeStates (the primary cache of
 * {@link NodeReconciler}), and the Nodes, policies and agent Leases (the node reconciler's secondary
 * informers). Sharing them means each kind is watched once, not once per reconciler.
 */
final class ControllerView {

    static final String NODE_INDEX = "apqn.dev/node";
    static final String UNPLACED = "-";

    private final ControllerSettings settings;
    volatile IndexerResourceCache<APQNReservation> reservations;
    volatile IndexerResourceCache<APNodeState> nodeStates;
    volatile InformerEventSource<Node, APNodeState> nodes;
    volatile InformerEventSource<APQNPolicy, APNodeState> policies;
    volatile InformerEventSource<Lease, APNodeState> leases;
    /**
     * Selection requests placed on a node that has not allocated them yet (reservation key → node):
     * the node's next pass plans them in. Memory only: after a restart an unallocated request is
     * simply placed again.
     */
    final java.util.Map<String, String> placements = new java.util.concurrent.ConcurrentHashMap<>();
    /** Reservation events that concern a node, handed to the node reconciler. */
    final NodePokes pokes;

    /**
     * The controller's one Event recorder and one reservation-status writer: both reconcilers write
     * statuses, and a transition remembered by one must not be recorded again by the other.
     */
    final EventRecorder events;
    final ReservationStatusWrites statuses;

    ControllerView(ControllerSettings settings, KubernetesClient client) {
        this.settings = Objects.requireNonNull(settings);
        this.pokes = new NodePokes(settings.nodeBatchWindow());
        this.events = new EventRecorder(client, EventRecorder.CONTROLLER, settings.identity());
        this.statuses = new ReservationStatusWrites(client, events, settings.statusSettle());
    }

    ControllerSettings settings() {
        return settings;
    }

    /**
     * Whether every informer runs. JOSDK empties an informer's cache when it stops (operator stop, lost
     * leadership): a pass still in flight then would see a node without its other reservations and
     * drop their allocations and status from a partial view. Such a pass writes nothing.
     */
    boolean running() {
        for (Object src : new Object[] {reservations, nodeStates, nodes, policies, leases}) {
            if (src == null || src instanceof AbstractEventSource<?, ?> es && !es.isRunning()) {
                return false;
            }
        }
        return true;
    }

    /** The node a reservation is indexed under: spec.nodeName, else the node in its status, else unplaced. */
    static String nodeKey(APQNReservation r) {
        if (r.getSpec() != null && r.getSpec().getNodeName() != null) {
            return r.getSpec().getNodeName();
        }
        if (r.getStatus() != null && r.getStatus().getNode() != null) {
            return r.getStatus().getNode();
        }
        return UNPLACED;
    }

    static ResourceID idOf(String key) {
        int i = key.indexOf('/');
        return new ResourceID(key.substring(i + 1), key.substring(0, i));
    }

    List<APQNReservation> indexedUnder(String node) {
        return reservations.byIndex(NODE_INDEX, node);
    }

    Optional<APQNReservation> reservation(String key) {
        return reservations.get(idOf(key));
    }

    Optional<APNodeState> nodeState(String name) {
        return nodeStates.get(new ResourceID(name));
    }

    List<APNodeState> nodeStatesByName() {
        return nodeStates.list().sorted(Comparator.comparing(ns -> ns.getMetadata().getName())).toList();
    }

    Optional<Node> node(String name) {
        return nodes.get(new ResourceID(name));
    }

    List<APQNPolicy> policies() {
        return policies.list().sorted(Comparator.comparing(x -> x.getMetadata().getName())).toList();
    }

    AgentLiveness.Verdict liveness(String node) {
        Optional<Lease> lease = leases.get(new ResourceID(APNodeState.leaseName(node), settings.agentLeaseNamespace()));
        return AgentLiveness.check(node, settings.agentLeaseNamespace(), lease, Instant.now(),
                settings.agentExpiryFactor(), settings.agentRecheck());
    }

    boolean leaseAlive(Lease l) {
        String name = l.getMetadata().getName();
        String node = name.startsWith(AGENT_LEASE_PREFIX) ? name.substring(AGENT_LEASE_PREFIX.length()) : name;
        return AgentLiveness.check(node, settings.agentLeaseNamespace(), Optional.of(l), Instant.now(),
                settings.agentExpiryFactor(), settings.agentRecheck()).alive();
    }

    static final String AGENT_LEASE_PREFIX = "apqn-agent-";
}
