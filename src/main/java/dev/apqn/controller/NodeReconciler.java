package dev.apqn.controller;

import dev.apqn.api.WholeWrites;
import dev.apqn.api.v1alpha1.APNodeState;
import dev.apqn.api.v1alpha1.APQNPolicy;
import dev.apqn.api.v1alpha1.APQNReservation;
import dev.apqn.api.v1alpha1.APQNReservationStatus;
import dev.apqn.api.v1alpha1.MdevUuids;
import dev.apqn.api.v1alpha1.ReservationSync;
import dev.apqn.plan.Decision;
import dev.apqn.status.Reason;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Ignore;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The controller's unit of work is a node (the sriov-network-operator shape: one sync key renders the
 * node's state). One pass of an APNodeState plans the node once from everything bound to it, applies
 * APNodeState.spec once when the plan changed, and writes the status of every reservation of the node
 * whose status changed, in the same pass; a reservation the agent has released loses its finalizer
 * here. JOSDK runs one pass per node at a time, so nothing else writes the node's spec meanwhile: the
 * spec is applied without a resourceVersion precondition, and the agent's status writes (a different
 * field manager, the status subresource) never make it conflict.
 *
 * <p>Triggers: reservation changes (poked by {@link ReservationReconciler}, which owns that
 * informer), the APNodeState itself (agent status, our spec), the Node's labels and deletion, the
 * policies, and an agent Lease going from missing or expired to alive. The APNodeState of a Node
 * that is gone is deleted here too. An alive Lease expiring has
 * no event of its own: the pass reschedules itself at the Lease's deadline.
 */
@Ignore // registered by ControllerOperator (role switch, see dev.apqn.app)
@ControllerConfiguration(informer = @Informer(itemStore = WithoutManagedFields.class), name = NodeReconciler.NAME, fieldManager = ReservationReconciler.FIELD_MANAGER,
        generationAwareEventProcessing = false)
public class NodeReconciler implements Reconciler<APNodeState> {

    public static final String NAME = "apqn-node";
    private static final Logger LOG = Logger.getLogger(NodeReconciler.class);

    private final ControllerView view;
    private final NodePlanning planning;

    NodeReconciler(ControllerView view) {
        this.view = Objects.requireNonNull(view);
        this.planning = new NodePlanning(view);
    }

    @Override
    public List<EventSource<?, APNodeState>> prepareEventSources(EventSourceContext<APNodeState> ctx) {
        view.nodeStates = ctx.getPrimaryCache();
        view.policies = new InformerEventSource<>(InformerEventSourceConfiguration.from(APQNPolicy.class, APNodeState.class)
                .withName("apqnpolicies")
                .withItemStore(new WithoutManagedFields<>())
                .withSecondaryToPrimaryMapper(p -> allNodes()).build(), ctx);
        view.nodes = new InformerEventSource<>(InformerEventSourceConfiguration.from(Node.class, APNodeState.class)
                .withName("nodes")
                // a Node object is mostly status (images, conditions): only its metadata is kept
                .withItemStore(new NodeMetadataOnly())
                .withSecondaryToPrimaryMapper(n -> Set.of(new ResourceID(n.getMetadata().getName())))
                // only labels (selectors, policies) and deletion matter: kubelet heartbeats do not
                .withOnUpdateFilter((n, o) -> !Objects.equals(n.getMetadata().getLabels(), o.getMetadata().getLabels())
                        || !Objects.equals(n.getMetadata().getDeletionTimestamp(), o.getMetadata().getDeletionTimestamp()))
                .build(), ctx);
        view.leases = new InformerEventSource<>(InformerEventSourceConfiguration.from(Lease.class, APNodeState.class)
                .withName("agent-leases")
                .withNamespaces(Set.of(view.settings().agentLeaseNamespace()))
                .withSecondaryToPrimaryMapper(l -> l.getMetadata().getName().startsWith(ControllerView.AGENT_LEASE_PREFIX)
                        ? Set.of(new ResourceID(l.getMetadata().getName().substring(ControllerView.AGENT_LEASE_PREFIX.length())))
                        : Set.of())
                // a renewal is no news: only a liveness flip re-plans the node
                .withOnUpdateFilter((n, o) -> view.leaseAlive(n) != view.leaseAlive(o))
                .build(), ctx);
        return List.of(view.policies, view.nodes, view.leases, view.pokes);
    }

    private Set<ResourceID> allNodes() {
        return view.nodeStates.list().map(ResourceID::fromResource).collect(Collectors.toSet());
    }

    @Override
    public UpdateControl<APNodeState> reconcile(APNodeState ns, Context<APNodeState> context) {
        Duration recheck = view.settings().agentRecheck();
        if (!view.running()) {
            return UpdateControl.<APNodeState>noUpdate().rescheduleAfter(recheck);
        }
        Optional<Duration> next = pass(ns, context);
        return next.map(d -> UpdateControl.<APNodeState>noUpdate().rescheduleAfter(d))
                .orElseGet(UpdateControl::noUpdate);
    }

    /** One pass over the node; returns when to look again. */
    private Optional<Duration> pass(APNodeState ns, Context<APNodeState> context) {
        KubernetesClient client = context.getClient();
        String name = ns.getMetadata().getName();
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        Node node = view.node(name).orElseGet(() -> client.nodes().withName(name).get());
        if (node == null) {
            nodeGone(client, name, planning.members(ns).values(), now);
            planning.forget(name);
            collect(client, ns);
            return Optional.empty();
        }
        AgentLiveness.Verdict alive = view.liveness(name);
        if (!alive.alive()) {
            for (APQNReservation r : planning.members(ns).values()) {
                view.statuses.write(r, ReservationStatusBuilder.agentUnavailable(view.statuses.current(r), name, alive.message(), now));
            }
            return Optional.of(alive.recheckIn());
        }
        NodePlanning.Planned p = planning.plan(ns, node);
        if (p == null) {
            for (APQNReservation r : planning.members(ns).values()) {
                view.statuses.write(r, ReservationStatusBuilder.blocked(view.statuses.current(r), name, true, Reason.WaitingForAgent,
                        "waiting for the apqn agent on node " + name + " to report its mode and inventory", now));
            }
            return Optional.of(view.settings().agentRecheck());
        }
        long generation = ns.getMetadata().getGeneration() == null ? 0 : ns.getMetadata().getGeneration();
        if (p.changed()) {
            if (!ownersGone(client, p)) {
                LOG.debugf("node %s: a reservation the cache does not know yet still exists; plan not applied", name);
                return Optional.of(view.settings().agentRecheck());
            }
            // through JOSDK, so that the event of our own write does not start another pass
            APNodeState written = context.resourceOperations().resourcePatch(ns,
                    current -> WholeWrites.replaceSpec(client, current, p.spec(), ReservationReconciler.FIELD_MANAGER),
                    context.eventSourceRetriever().getControllerEventSource());
            generation = written.getMetadata().getGeneration();
            LOG.debugf("node %s: spec updated (plan %s)", name, p.plan().hash());
        }
        Duration next = alive.recheckIn().compareTo(view.settings().resync()) < 0 ? alive.recheckIn() : view.settings().resync();
        for (APQNReservation cached : p.members().values()) {
            APQNReservation r = view.statuses.current(cached);
            Decision d = p.plan().decisions().get(r.ref());
            boolean deleting = r.getMetadata().getDeletionTimestamp() != null;
            if (r.getSpec().getNodeName() == null) {
                if (PlanInputs.allocationOf(ns, r).isEmpty()
                        && !(d instanceof Decision.Allocated || d instanceof Decision.AwaitingApproval || deleting)) {
                    view.placements.remove(r.ref(), name);
                    continue; // a selection this node does not take (any more): the reservation reconciler places it again
                }
                if (PlanInputs.allocationOf(ns, r).isPresent()) {
                    view.placements.remove(r.ref(), name); // the allocation binds it from now on
                }
            }
            if (deleting && d instanceof Decision.Released && releasedByAgent(ns, generation, r)) {
                release(client, r, name);
                continue;
            }
            var report = ReservationStatusBuilder.AgentReport.of(ns.getStatus(), r.ref(), MdevUuids.of(r).toString());
            APQNReservationStatus st = ReservationStatusBuilder.fromDecision(r, name, d, p.input(),
                    p.policy().collateralNeedsApproval(), report, now);
            Optional<Duration> held = view.statuses.write(r, st);
            if (held.isPresent() && held.get().compareTo(next) < 0) {
                next = held.get();
            }
            if (deleting && next.compareTo(view.settings().agentRecheck()) > 0) {
                next = view.settings().agentRecheck();
            }
        }
        return Optional.of(next);
    }

    /** The Node is gone: its reservations being deleted drop their finalizers, the others say so. */
    private void nodeGone(KubernetesClient client, String name, java.util.Collection<APQNReservation> members, String now) {
        for (APQNReservation r : members) {
            if (r.getMetadata().getDeletionTimestamp() != null) {
                view.events.emit(r, true, Reason.NodeDeleted, "node " + name + " is gone: its APQN bookkeeping is dropped"
                        + " and finalizer " + ReservationReconciler.FINALIZER + " removed");
                Finalizers.remove(client, r);
                view.statuses.forget(r);
            } else if (r.getSpec().getNodeName() != null) {
                view.statuses.write(r, ReservationStatusBuilder.blocked(view.statuses.current(r), name, false, Reason.NodeNotFound,
                        "node " + name + " does not exist (spec.nodeName); create the reservation for an existing node", now));
            }
        }
    }

    /**
     * Deletes the APNodeState of a Node that is gone, with a Warning on it: its allocations and host edits are
     * bookkeeping of a node that no longer exists. Here and not in a reconciler of its own, so that APNodeStates,
     * the largest objects we watch, are watched and decoded once.
     */
    private void collect(KubernetesClient client, APNodeState ns) {
        String name = ns.getMetadata().getName();
        view.events.emit(ns, true, Reason.NodeDeleted, "node " + name + " is gone: its"
                + " APNodeState (allocations, host edits) is deleted; its reservations drop their finalizers");
        client.resource(ns).delete();
    }

    private void release(KubernetesClient client, APQNReservation r, String node) {
        view.events.emit(r, false, Reason.Released, "node " + node + ": the agent released mdev " + MdevUuids.of(r)
                + "; finalizer " + ReservationReconciler.FINALIZER + " removed");
        Finalizers.remove(client, r);
        view.statuses.forget(r);
    }

    /**
     * Before a spec apply drops allocations: their owners the cache does not know must really be gone
     * (or re-created under a new uid). An owner the API server still has means the cache is behind.
     */
    private static boolean ownersGone(KubernetesClient client, NodePlanning.Planned p) {
        for (String key : p.unknownOwners()) {
            ResourceID id = ControllerView.idOf(key);
            APQNReservation live = client.resources(APQNReservation.class).inNamespace(id.getNamespace().orElse(null))
                    .withName(id.getName()).get();
            var alloc = PlanInputs.allocations(p.state()).get(key);
            if (live != null && (alloc == null || alloc.getUid() == null || alloc.getUid().equals(live.getMetadata().getUid()))) {
                return false;
            }
        }
        return true;
    }

    /** The agent acted on the spec without this reservation and reports no trace of it. */
    static boolean releasedByAgent(APNodeState fresh, long generation, APQNReservation r) {
        var st = fresh.getStatus();
        if (st == null) {
            return false;
        }
        if (st.getObservedGeneration() == null || st.getObservedGeneration() < generation) {
            return false;
        }
        String key = r.ref();
        String uuid = MdevUuids.of(r).toString();
        boolean syncDone = st.getReservations() == null || st.getReservations().stream()
                .filter(s -> key.equals(s.getReservation()))
                .allMatch(s -> s.getState() == ReservationSync.State.Released);
        boolean mdevGone = st.getMdevs() == null || st.getMdevs().stream()
                .noneMatch(m -> uuid.equals(m.getUuid()) || key.equals(m.getReservation()));
        return syncDone && mdevGone;
    }

    NodePlanning planning() {
        return planning;
    }

    Map<String, APQNReservation> members(APNodeState ns) {
        return planning.members(ns);
    }
}
