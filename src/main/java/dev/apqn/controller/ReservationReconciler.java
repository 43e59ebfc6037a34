package dev.apqn.controller;

import dev.apqn.api.v1alpha1.APNodeState;
import dev.apqn.api.v1alpha1.APQNReservation;
import dev.apqn.api.v1alpha1.MdevUuids;
import dev.apqn.plan.Decision;
import dev.apqn.plan.NodePlan;
import dev.apqn.status.Reason;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Ignore;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What is per reservation: its finalizer, the placement of a selection request on a node, and handing
 * every change to the node the reservation is on ({@link NodePokes}): the node reconciler plans the
 * node and writes the statuses. A reservation whose node has no APNodeState gets one (its Node
 * exists) or a NodeNotFound status. The controller never writes a reservation's spec and never
 * touches a node.
 *
 * <p>Deletion (finalizer {@value #FINALIZER}): the node reconciler plans the reservation out and
 * removes the finalizer once the agent reports it released; a guest in use blocks it (InUse). The two
 * ways out are a deleted Node and the {@value #FORCE_RELEASE} annotation, each with a Warning event.
 */
@Ignore // registered by ControllerOperator, not by the Quarkus extension (role switch, see dev.apqn.app)
@ControllerConfiguration(informer = @Informer(itemStore = WithoutManagedFields.class), name = ReservationReconciler.NAME, finalizerName = ReservationReconciler.FINALIZER,
        fieldManager = ReservationReconciler.FIELD_MANAGER, generationAwareEventProcessing = false)
public class ReservationReconciler implements Reconciler<APQNReservation>, Cleaner<APQNReservation> {

    public static final String NAME = "apqn-reservation";
    public static final String FINALIZER = "apqn.dev/release";
    public static final String FIELD_MANAGER = "apqn-controller";
    public static final String FORCE_RELEASE = "apqn.dev/force-release";

    private final ControllerView view;
    private final NodePlanning planning;
    /** Per reservation uid: the part of it a node's plan depends on, as last handed to the node. */
    private final Map<String, String> handed = new ConcurrentHashMap<>();

    ReservationReconciler(ControllerView view) {
        this.view = Objects.requireNonNull(view);
        this.planning = new NodePlanning(view);
    }

    @Override
    public List<EventSource<?, APQNReservation>> prepareEventSources(EventSourceContext<APQNReservation> ctx) {
        ctx.getPrimaryCache().addIndexer(ControllerView.NODE_INDEX, r -> List.of(ControllerView.nodeKey(r)));
        view.reservations = ctx.getPrimaryCache();
        return List.of();
    }

    @Override
    public UpdateControl<APQNReservation> reconcile(APQNReservation r, Context<APQNReservation> context) {
        view.statuses.caughtUp(r);
        if (!view.running()) {
            return UpdateControl.<APQNReservation>noUpdate().rescheduleAfter(view.settings().agentRecheck());
        }
        Optional<String> node = placedNode(r);
        if (node.isEmpty()) {
            return UpdateControl.<APQNReservation>noUpdate().rescheduleAfter(choose(r));
        }
        if (view.nodeState(node.get()).isEmpty()) {
            return UpdateControl.<APQNReservation>noUpdate().rescheduleAfter(withoutNodeState(r, node.get(), context.getClient()));
        }
        hand(r, node.get());
        return UpdateControl.<APQNReservation>noUpdate().rescheduleAfter(view.settings().resync());
    }

    @Override
    public DeleteControl cleanup(APQNReservation r, Context<APQNReservation> context) {
        if (!view.running()) {
            return DeleteControl.noFinalizerRemoval().rescheduleAfter(view.settings().agentRecheck());
        }
        KubernetesClient client = context.getClient();
        Optional<String> node = placedNode(r);
        Map<String, String> ann = r.getMetadata().getAnnotations();
        if (ann != null && "true".equalsIgnoreCase(ann.get(FORCE_RELEASE))) {
            view.events.emit(r, true, Reason.ForceReleased, "annotation " + FORCE_RELEASE + "=true: finalizer " + FINALIZER
                    + " removed without waiting for the agent; node " + node.orElse(ControllerView.nodeKey(r))
                    + " may still hold mdev " + MdevUuids.of(r) + " and its APQNs until its agent catches up");
            return gone(r, node);
        }
        if (node.isEmpty()) {
            return gone(r, node); // never placed: nothing on any node to give back
        }
        if (view.nodeState(node.get()).isEmpty() && view.node(node.get()).isEmpty()
                && client.nodes().withName(node.get()).get() == null) {
            view.events.emit(r, true, Reason.NodeDeleted, "node " + node.get() + " is gone: its APQN bookkeeping is dropped"
                    + " and finalizer " + FINALIZER + " removed");
            return gone(r, node);
        }
        hand(r, node.get());
        // the node reconciler removes the finalizer once the agent reports the release; looking again
        // now and then covers a node that disappears meanwhile
        return DeleteControl.noFinalizerRemoval().rescheduleAfter(view.settings().agentRecheck());
    }

    private DeleteControl gone(APQNReservation r, Optional<String> node) {
        view.placements.remove(r.ref());
        handed.remove(r.getMetadata().getUid());
        view.statuses.forget(r);
        node.ifPresent(view.pokes::poke); // the node's plan drops it
        return DeleteControl.defaultDelete();
    }

    /**
     * Hands the reservation to its node's reconciler when something its plan depends on changed (not
     * for our own status writes coming back), and on every resync.
     */
    private void hand(APQNReservation r, String node) {
        var md = r.getMetadata();
        String key = node + "|" + md.getGeneration() + "|" + (md.getDeletionTimestamp() != null) + "|"
                + ControllerView.nodeKey(r) + "|" + Instant.now().toEpochMilli() / view.settings().resync().toMillis();
        if (!key.equals(handed.put(md.getUid(), key))) {
            view.pokes.poke(node);
        }
    }

    /**
     * The node the reservation is bound to: spec.nodeName, or the node holding its allocation, or the
     * node it was just placed on. A selected reservation that is being deleted loses its allocation
     * as soon as the release is planned, before the agent has given the queues back; the node it was
     * reported on (status.node) keeps it bound there until the agent reports the release.
     */
    Optional<String> placedNode(APQNReservation r) {
        if (r.getSpec().getNodeName() != null) {
            return Optional.of(r.getSpec().getNodeName());
        }
        Optional<String> allocated = view.nodeStatesByName().stream().filter(ns -> PlanInputs.allocationOf(ns, r).isPresent())
                .map(ns -> ns.getMetadata().getName()).findFirst();
        if (allocated.isPresent()) {
            return allocated;
        }
        if (r.getMetadata().getDeletionTimestamp() != null && r.getStatus() != null && r.getStatus().getNode() != null
                && view.nodeState(r.getStatus().getNode()).isPresent()) {
            return Optional.of(r.getStatus().getNode());
        }
        return Optional.ofNullable(view.placements.get(r.ref()));
    }

    /**
     * The selection form without allocation: the first candidate node (by name, its last node first)
     * where the planner places it. The choice is handed to that node's reconciler, which allocates it
     * (or, if the node changed meanwhile, hands it back); nothing is written here unless no node can
     * take it. Returns when to look again.
     */
    private java.time.Duration choose(APQNReservation r) {
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        List<String> why = new ArrayList<>();
        List<APNodeState> candidates = view.nodeStatesByName().stream()
                .sorted(Comparator.comparing((APNodeState ns) -> !ns.getMetadata().getName().equals(ControllerView.nodeKey(r))))
                .toList();
        for (APNodeState ns : candidates) {
            String name = ns.getMetadata().getName();
            Optional<Node> n = view.node(name);
            if (n.isEmpty() || !PlanInputs.matches(r.getSpec().getNodeSelector(), n.get().getMetadata().getLabels())) {
                continue;
            }
            if (!view.liveness(name).alive()) {
                why.add(name + ": no agent");
                continue;
            }
            NodePlan plan = planning.planWith(ns, n.get(), r);
            if (plan == null) {
                why.add(name + ": agent has not reported yet");
                continue;
            }
            Decision d = plan.decisions().get(r.ref());
            if (d instanceof Decision.Allocated || d instanceof Decision.AwaitingApproval) {
                view.placements.put(r.ref(), name);
                view.pokes.poke(name);
                return view.settings().agentRecheck();
            }
            if (d instanceof Decision.Refused f) {
                why.add(name + ": " + f.message());
            } else if (d instanceof Decision.Conflict c) {
                why.add(name + ": " + c.message());
            }
        }
        String msg = "no node can take spec.select " + r.getSpec().getSelect().getAdapters() + " adapters x "
                + r.getSpec().getSelect().getDomains() + " domains"
                + (r.getSpec().getNodeSelector() == null ? "" : " with labels " + r.getSpec().getNodeSelector())
                + (why.isEmpty() ? ": no node with an apqn agent matches" : ": " + String.join("; ", why));
        view.statuses.write(r, ReservationStatusBuilder.blocked(view.statuses.current(r), null, false, Reason.InsufficientCapacity,
                msg, now));
        return view.settings().agentRecheck();
    }

    /** The reservation names a node without APNodeState: one is made if the Node exists, else NodeNotFound. */
    private java.time.Duration withoutNodeState(APQNReservation r, String node, KubernetesClient client) {
        if (view.node(node).isPresent() || client.nodes().withName(node).get() != null) {
            NodeStateManager.ensure(client, node); // its creation starts the node's first pass
            return view.settings().agentRecheck();
        }
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        view.statuses.write(r, ReservationStatusBuilder.blocked(view.statuses.current(r), node, false, Reason.NodeNotFound,
                "node " + node + " does not exist (spec.nodeName); create the reservation for an existing node", now));
        return view.settings().agentRecheck();
    }
}
