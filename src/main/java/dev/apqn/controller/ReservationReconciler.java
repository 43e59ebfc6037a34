package dev.apqn.controller;

import com.fasterxml.jackson.databind.JsonNode;
import dev.apqn.api.v1alpha1.APNodeState;
import dev.apqn.api.v1alpha1.APNodeStateSpec;
import dev.apqn.api.v1alpha1.APQNPolicy;
import dev.apqn.api.v1alpha1.APQNReservation;
import dev.apqn.api.v1alpha1.APQNReservationStatus;
import dev.apqn.api.v1alpha1.HostTargetMapper;
import dev.apqn.api.v1alpha1.MdevUuids;
import dev.apqn.api.v1alpha1.ReservationSync;
import dev.apqn.plan.Decision;
import dev.apqn.plan.NodeInput;
import dev.apqn.plan.NodePlan;
import dev.apqn.plan.Planner;
import dev.apqn.plan.PolicyView;
import dev.apqn.plan.ReasonCode;
import dev.apqn.plan.ReservationInput;
import dev.apqn.status.Reasons;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Ignore;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Reconciles APQNReservations. Every reconcile plans the reservation's whole node: it gathers the
 * node's reservations from the informer cache, builds the planner's inputs from the node's
 * APNodeState (agent status + current spec, informer cache, under a per-node lock) and the policies,
 * runs the pure {@link Planner} once per view of the node ({@link #planned}), server-side-applies
 * APNodeState.spec (field manager {@value #FIELD_MANAGER}) when it changed, with the planned-from
 * resourceVersion as precondition (a 409 means a fresh GET and a new plan), and writes this
 * reservation's status from its decision
 * and the agent's report. The other reservations of the node follow through the APNodeState watch.
 * The controller never writes a reservation's spec and never touches a node.
 *
 * <p>Deletion (finalizer {@value #FINALIZER}): the reservation leaves the plan (or stays KEPT), and
 * the finalizer goes once the agent reports it released; a guest in use blocks it (InUse). The two
 * ways out are a deleted Node and the {@value #FORCE_RELEASE} annotation, each with a Warning event.
 */
@Ignore // registered by ControllerOperator, not by the Quarkus extension (role switch, see dev.apqn.app)
@ControllerConfiguration(name = ReservationReconciler.NAME, finalizerName = ReservationReconciler.FINALIZER,
        fieldManager = ReservationReconciler.FIELD_MANAGER, generationAwareEventProcessing = false)
public class ReservationReconciler implements Reconciler<APQNReservation>, Cleaner<APQNReservation> {

    public static final String NAME = "apqn-reservation";
    public static final String FINALIZER = "apqn.dev/release";
    public static final String FIELD_MANAGER = "apqn-controller";
    public static final String FORCE_RELEASE = "apqn.dev/force-release";
    static final String NODE_INDEX = "apqn.dev/node";
    static final String UNPLACED = "-";

    private static final Logger LOG = Logger.getLogger(ReservationReconciler.class);

    private final ControllerSettings settings;
    private final Map<String, Object> nodeLocks = new ConcurrentHashMap<>();
    /** Per node: the APNodeState our last spec apply returned, until the informer has it too. */
    private final Map<String, APNodeState> written = new ConcurrentHashMap<>();
    /** Per node: the last plan and the view it was made from. */
    private final Map<String, NodePlanned> planCache = new ConcurrentHashMap<>();
    private volatile EventRecorder events;
    private volatile IndexerResourceCache<APQNReservation> reservations;
    private volatile InformerEventSource<APNodeState, APQNReservation> nodeStates;
    private volatile InformerEventSource<Node, APQNReservation> nodes;
    private volatile InformerEventSource<APQNPolicy, APQNReservation> policies;
    private volatile InformerEventSource<Lease, APQNReservation> leases;

    public ReservationReconciler(ControllerSettings settings) {
        this.settings = Objects.requireNonNull(settings);
    }

    // ------------------------------------------------------------------ event sources

    @Override
    public List<EventSource<?, APQNReservation>> prepareEventSources(EventSourceContext<APQNReservation> ctx) {
        reservations = ctx.getPrimaryCache();
        reservations.addIndexer(NODE_INDEX, r -> List.of(nodeKey(r)));
        events = new EventRecorder(ctx.getClient());

        nodeStates = new InformerEventSource<>(InformerEventSourceConfiguration.from(APNodeState.class, APQNReservation.class)
                .withName("apnodestates")
                .withSecondaryToPrimaryMapper(ns -> {
                    Set<ResourceID> ids = ids(reservations.byIndex(NODE_INDEX, ns.getMetadata().getName()));
                    ids.addAll(ids(reservations.byIndex(NODE_INDEX, UNPLACED)));
                    PlanInputs.allocations(ns).keySet().forEach(k -> ids.add(idOf(k)));
                    return ids;
                }).build(), ctx);
        policies = new InformerEventSource<>(InformerEventSourceConfiguration.from(APQNPolicy.class, APQNReservation.class)
                .withName("apqnpolicies")
                .withSecondaryToPrimaryMapper(p -> ids(reservations.list().toList())).build(), ctx);
        nodes = new InformerEventSource<>(InformerEventSourceConfiguration.from(Node.class, APQNReservation.class)
                .withName("nodes")
                .withSecondaryToPrimaryMapper(n -> {
                    Set<ResourceID> ids = ids(reservations.byIndex(NODE_INDEX, n.getMetadata().getName()));
                    ids.addAll(ids(reservations.byIndex(NODE_INDEX, UNPLACED)));
                    return ids;
                })
                // only labels (selectors, policies) and deletion matter: kubelet status heartbeats do not
                .withOnUpdateFilter((n, o) -> !Objects.equals(n.getMetadata().getLabels(), o.getMetadata().getLabels())
                        || !Objects.equals(n.getMetadata().getDeletionTimestamp(), o.getMetadata().getDeletionTimestamp()))
                .build(), ctx);
        leases = new InformerEventSource<>(InformerEventSourceConfiguration.from(Lease.class, APQNReservation.class)
                .withName("agent-leases")
                .withNamespaces(Set.of(settings.agentLeaseNamespace()))
                .withSecondaryToPrimaryMapper(l -> {
                    String name = l.getMetadata().getName();
                    if (!name.startsWith("apqn-agent-")) {
                        return Set.of();
                    }
                    Set<ResourceID> ids = ids(reservations.byIndex(NODE_INDEX, name.substring("apqn-agent-".length())));
                    ids.addAll(ids(reservations.byIndex(NODE_INDEX, UNPLACED)));
                    return ids;
                })
                // a renewal is no news: only a liveness flip (gone -> alive) re-reconciles the node's reservations;
                // alive -> gone has no event of its own: each reservation is rechecked at its agent's Lease deadline
                .withOnUpdateFilter((n, o) -> leaseAlive(n) != leaseAlive(o))
                .build(), ctx);
        return List.of(nodeStates, policies, nodes, leases);
    }

    private boolean leaseAlive(Lease l) {
        String name = l.getMetadata().getName();
        String node = name.startsWith("apqn-agent-") ? name.substring("apqn-agent-".length()) : name;
        return AgentLiveness.check(node, settings.agentLeaseNamespace(), Optional.of(l), Instant.now(),
                settings.agentExpiryFactor(), settings.agentRecheck()).alive();
    }

    /**
     * Whether every informer this reconciler reads runs. JOSDK empties an informer's cache when it stops
     * (operator stop, lost leadership): a pass still in flight then would see a node without its other
     * reservations, drop their allocations and status from a partial view. Such a pass writes nothing.
     */
    boolean cachesRunning() {
        for (Object src : new Object[] {reservations, nodeStates, nodes, policies, leases}) {
            if (src instanceof AbstractEventSource<?, ?> es && !es.isRunning()) {
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

    private static Set<ResourceID> ids(List<APQNReservation> rs) {
        return rs.stream().map(ResourceID::fromResource).collect(Collectors.toCollection(java.util.HashSet::new));
    }

    private static ResourceID idOf(String key) {
        int i = key.indexOf('/');
        return new ResourceID(key.substring(i + 1), key.substring(0, i));
    }

    // ------------------------------------------------------------------ reconcile

    @Override
    public UpdateControl<APQNReservation> reconcile(APQNReservation r, Context<APQNReservation> context) {
        if (!cachesRunning()) {
            return UpdateControl.<APQNReservation>noUpdate().rescheduleAfter(settings.agentRecheck());
        }
        Outcome o = handle(r, context.getClient());
        if (!cachesRunning()) {
            return UpdateControl.<APQNReservation>noUpdate().rescheduleAfter(settings.agentRecheck()); // stopping: view partial
        }
        APQNReservationStatus before = r.getStatus();
        UpdateControl<APQNReservation> uc;
        if (o.status != null && !sameJson(before, o.status)) {
            var copy = new APQNReservation();
            copy.setMetadata(new ObjectMetaBuilder().withName(r.getMetadata().getName())
                    .withNamespace(r.getMetadata().getNamespace()).build());
            copy.setStatus(o.status);
            uc = UpdateControl.patchStatus(copy);
        } else {
            uc = UpdateControl.noUpdate();
        }
        if (o.status != null) {
            events.onTransition(r, before, o.status);
        }
        return uc.rescheduleAfter(o.recheck == null ? settings.resync() : o.recheck);
    }

    @Override
    public DeleteControl cleanup(APQNReservation r, Context<APQNReservation> context) {
        if (!cachesRunning()) {
            return DeleteControl.noFinalizerRemoval().rescheduleAfter(settings.agentRecheck());
        }
        KubernetesClient client = context.getClient();
        Map<String, String> ann = r.getMetadata().getAnnotations();
        if (ann != null && "true".equalsIgnoreCase(ann.get(FORCE_RELEASE))) {
            try {
                handle(r, client); // take it out of the node's plan first
            } catch (RuntimeException e) {
                LOG.warnf("force-release of %s: could not update the node plan: %s", r.ref(), e.getMessage());
            }
            events.emit(r, true, Reasons.FORCE_RELEASED, "annotation " + FORCE_RELEASE + "=true: finalizer " + FINALIZER
                    + " removed without waiting for the agent; node " + nodeKey(r) + " may still hold mdev "
                    + MdevUuids.of(r) + " and its APQNs until its agent catches up");
            events.forget(r);
            return DeleteControl.defaultDelete();
        }
        Outcome o = handle(r, client);
        if (o.released) {
            events.forget(r);
            return DeleteControl.defaultDelete();
        }
        if (o.status != null && !sameJson(r.getStatus(), o.status)) {
            var copy = new APQNReservation();
            copy.setMetadata(new ObjectMetaBuilder().withName(r.getMetadata().getName())
                    .withNamespace(r.getMetadata().getNamespace()).build());
            copy.setStatus(o.status);
            try {
                client.resource(copy).subresource("status").patch(new PatchContext.Builder()
                        .withPatchType(PatchType.SERVER_SIDE_APPLY).withFieldManager(FIELD_MANAGER).withForce(true).build());
            } catch (RuntimeException e) {
                LOG.debugf("status of deleting %s not written: %s", r.ref(), e.getMessage());
            }
        }
        if (o.status != null) {
            events.onTransition(r, r.getStatus(), o.status);
        }
        return DeleteControl.noFinalizerRemoval().rescheduleAfter(o.recheck == null ? settings.agentRecheck() : o.recheck);
    }

    /** What one pass decided for the reservation. */
    record Outcome(APQNReservationStatus status, Duration recheck, boolean released) {
        static Outcome status(APQNReservationStatus s, Duration recheck) {
            return new Outcome(s, recheck, false);
        }

        static Outcome release() {
            return new Outcome(null, null, true);
        }
    }

    Outcome handle(APQNReservation r, KubernetesClient client) {
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        boolean deleting = r.getMetadata().getDeletionTimestamp() != null;
        Optional<String> node = placedNode(r);
        if (node.isEmpty()) {
            if (deleting) {
                return Outcome.release(); // never placed: nothing on any node to give back
            }
            return choose(r, client, now);
        }
        return onNode(r, node.get(), client, now, false);
    }

    /**
     * The node the reservation is bound to: spec.nodeName, or the node holding its allocation. A
     * selected reservation that is being deleted loses its allocation as soon as the release is
     * planned, before the agent has given the queues back; the node it was reported on
     * (status.node) keeps it bound there until the agent reports the release.
     */
    Optional<String> placedNode(APQNReservation r) {
        if (r.getSpec().getNodeName() != null) {
            return Optional.of(r.getSpec().getNodeName());
        }
        Optional<String> allocated = nodeStates.list().filter(ns -> PlanInputs.allocationOf(ns, r).isPresent())
                .map(ns -> ns.getMetadata().getName()).findFirst();
        if (allocated.isPresent() || r.getMetadata().getDeletionTimestamp() == null || r.getStatus() == null) {
            return allocated;
        }
        return Optional.ofNullable(r.getStatus().getNode())
                .filter(node -> nodeStates.get(new ResourceID(node)).isPresent());
    }

    /** The selection form without allocation: the first candidate node (by name) where the planner places it. */
    private Outcome choose(APQNReservation r, KubernetesClient client, String now) {
        List<String> why = new ArrayList<>();
        List<APNodeState> candidates = nodeStates.list()
                .sorted(Comparator.comparing((APNodeState ns) -> !ns.getMetadata().getName().equals(nodeKey(r)))
                        .thenComparing(ns -> ns.getMetadata().getName()))
                .toList();
        for (APNodeState ns : candidates) {
            String name = ns.getMetadata().getName();
            Optional<Node> n = nodes.get(new ResourceID(name));
            if (n.isEmpty()) {
                continue;
            }
            if (!PlanInputs.matches(r.getSpec().getNodeSelector(), n.get().getMetadata().getLabels())) {
                continue;
            }
            if (!liveness(name).alive()) {
                why.add(name + ": no agent");
                continue;
            }
            NodePlanned np = planned(latest(name, ns), r, n.get());
            if (np == null) {
                why.add(name + ": agent has not reported yet");
                continue;
            }
            NodePlan plan = np.planned.plan;
            Decision d = plan.decisions().get(r.ref());
            if (d instanceof Decision.Allocated || d instanceof Decision.AwaitingApproval) {
                return onNode(r, name, client, now, true);
            }
            if (d instanceof Decision.Refused f) {
                why.add(name + ": " + f.message());
            } else if (d instanceof Decision.Conflict c) {
                why.add(name + ": " + c.message());
            }
        }
        String msg = "no node can take " + "spec.select " + r.getSpec().getSelect().getAdapters() + " adapters x "
                + r.getSpec().getSelect().getDomains() + " domains"
                + (r.getSpec().getNodeSelector() == null ? "" : " with labels " + r.getSpec().getNodeSelector())
                + (why.isEmpty() ? ": no node with an apqn agent matches" : ": " + String.join("; ", why));
        return Outcome.status(ReservationStatusBuilder.blocked(r, null, false, Reasons.INSUFFICIENT_CAPACITY, msg, now),
                settings.agentRecheck());
    }

    private Outcome onNode(APQNReservation r, String nodeName, KubernetesClient client, String now, boolean selecting) {
        boolean deleting = r.getMetadata().getDeletionTimestamp() != null;
        Optional<Node> node = nodes.get(new ResourceID(nodeName));
        if (node.isEmpty() && client.nodes().withName(nodeName).get() == null) {
            planCache.remove(nodeName);
            written.remove(nodeName);
            if (deleting) {
                events.emit(r, true, Reasons.NODE_DELETED, "node " + nodeName + " is gone: its APQN bookkeeping is dropped"
                        + " and finalizer " + FINALIZER + " removed");
                return Outcome.release();
            }
            return Outcome.status(ReservationStatusBuilder.blocked(r, nodeName, false, Reasons.NODE_NOT_FOUND,
                    "node " + nodeName + " does not exist (spec.nodeName); create the reservation for an existing node",
                    now), settings.resync());
        }
        Node n = node.orElseGet(() -> client.nodes().withName(nodeName).get());
        APNodeState ns = nodeStates.get(new ResourceID(nodeName)).orElse(null);
        if (ns == null) {
            ns = NodeStateManager.ensure(client, nodeName);
        }
        AgentLiveness.Verdict alive = liveness(nodeName);
        if (!alive.alive()) {
            return Outcome.status(ReservationStatusBuilder.agentUnavailable(r, nodeName, alive.message(), now),
                    alive.recheckIn());
        }
        synchronized (nodeLocks.computeIfAbsent(nodeName, k -> new Object())) {
            // the informer's copy (or our own newer write); a fresh GET only after a conflicting apply
            APNodeState cur = latest(nodeName, ns);
            long generation = 0;
            NodePlanned p = null;
            for (int attempt = 0; ; attempt++) {
                p = planned(cur, r, n);
                if (p == null) {
                    return Outcome.status(ReservationStatusBuilder.blocked(r, nodeName, true, Reasons.WAITING_FOR_AGENT,
                            "waiting for the apqn agent on node " + nodeName + " to report its mode and inventory", now),
                            settings.agentRecheck());
                }
                generation = cur.getMetadata().getGeneration() == null ? 0 : cur.getMetadata().getGeneration();
                if (!p.changed) {
                    break;
                }
                if (!cachesRunning() || !ownersGone(client, p)) {
                    // a partial view (caches stopping or behind): write nothing, look again shortly
                    LOG.debugf("node %s: view incomplete, plan not applied", nodeName);
                    return Outcome.status(null, settings.agentRecheck());
                }
                var apply = new APNodeState();
                apply.setMetadata(new ObjectMetaBuilder().withName(nodeName)
                        .withResourceVersion(cur.getMetadata().getResourceVersion()).build());
                apply.setSpec(p.spec);
                apply.setStatus(null);
                try {
                    APNodeState written = client.resource(apply).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
                    generation = written.getMetadata().getGeneration();
                    this.written.put(nodeName, written);
                    LOG.debugf("node %s: spec updated (plan %s)", nodeName, p.planned.plan.hash());
                    break;
                } catch (KubernetesClientException e) {
                    if (e.getCode() != 409 || attempt >= 4) {
                        throw e;
                    }
                    // someone wrote the APNodeState since our copy: plan again on a fresh read
                    APNodeState fresh = client.resources(APNodeState.class).withName(nodeName).get();
                    if (fresh == null) {
                        throw e;
                    }
                    cur = fresh;
                }
            }
            Decision d = p.planned.plan.decisions().get(r.ref());
            var report = ReservationStatusBuilder.AgentReport.of(cur.getStatus(), r.ref(), MdevUuids.of(r).toString());
            if (deleting && d instanceof Decision.Released) {
                if (releasedByAgent(cur, generation, r)) {
                    events.emit(r, false, Reasons.RELEASED, "node " + nodeName + ": the agent released mdev "
                            + MdevUuids.of(r) + "; finalizer " + FINALIZER + " removed");
                    return Outcome.release();
                }
            }
            APQNReservationStatus st = ReservationStatusBuilder.fromDecision(r, nodeName, d, p.input,
                    p.planned.policy.collateralNeedsApproval(), report, now);
            return Outcome.status(st, deleting ? settings.agentRecheck() : recheckFor(alive, d));
        }
    }

    /**
     * The node's APNodeState as we know it best: the informer's copy, or the one our last spec apply
     * returned while the informer has not caught up with it yet (resourceVersions compared as numbers,
     * as etcd issues them).
     */
    APNodeState latest(String nodeName, APNodeState cached) {
        APNodeState w = written.get(nodeName);
        if (w == null) {
            return cached;
        }
        if (newer(w, cached)) {
            return w;
        }
        written.remove(nodeName, w);
        return cached;
    }

    static boolean newer(HasMetadata a, HasMetadata b) {
        if (b == null) {
            return true;
        }
        try {
            return Long.parseLong(a.getMetadata().getResourceVersion()) > Long.parseLong(b.getMetadata().getResourceVersion());
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * Before a spec apply drops allocations: their owners the cache does not know must really be gone
     * (or re-created under a new uid). An owner the API server still has means the cache is behind.
     */
    private boolean ownersGone(KubernetesClient client, NodePlanned p) {
        for (String key : p.unknownOwners) {
            ResourceID id = idOf(key);
            APQNReservation live = client.resources(APQNReservation.class).inNamespace(id.getNamespace().orElse(null))
                    .withName(id.getName()).get();
            var alloc = PlanInputs.allocations(p.state).get(key);
            if (live != null && (alloc == null || alloc.getUid() == null || alloc.getUid().equals(live.getMetadata().getUid()))) {
                return false;
            }
        }
        return true;
    }

    /** One plan of a node and what it means for its spec, shared by every reservation of a burst. */
    record NodePlanned(List<String> key, APNodeState state, NodeInput input, Planned planned, APNodeStateSpec spec,
                       boolean changed, List<String> unknownOwners) {
    }

    /**
     * The node's plan for this view: reused while the APNodeState (resourceVersion), the node's
     * reservations (uid, generation, deletion, node key), the policies (resourceVersion) and the
     * node's labels are the same, so the reservations of a node reconciled in one burst plan it once.
     * Null while the agent has not reported mode and inventory.
     */
    NodePlanned planned(APNodeState ns, APQNReservation r, Node node) {
        String name = ns.getMetadata().getName();
        Map<String, APQNReservation> byKey = members(ns, r);
        List<String> key = new ArrayList<>();
        key.add(ns.getMetadata().getResourceVersion());
        for (APQNReservation x : byKey.values()) {
            key.add(x.ref() + "|" + x.getMetadata().getUid() + "|" + x.getMetadata().getGeneration() + "|"
                    + (x.getMetadata().getDeletionTimestamp() != null) + "|" + nodeKey(x));
        }
        List<APQNPolicy> pols = policies.list().sorted(Comparator.comparing(x -> x.getMetadata().getName())).toList();
        pols.forEach(x -> key.add("policy " + x.getMetadata().getName() + "@" + x.getMetadata().getResourceVersion()));
        Map<String, String> labels = node == null || node.getMetadata().getLabels() == null ? Map.of()
                : node.getMetadata().getLabels();
        key.add("labels " + new java.util.TreeMap<>(labels));
        NodePlanned hit = planCache.get(name);
        if (hit != null && hit.key.equals(key)) {
            return hit;
        }
        Optional<NodeInput> in = PlanInputs.nodeInput(ns);
        if (in.isEmpty()) {
            return null;
        }
        Planned p = plan(ns, in.get(), byKey, pols, labels);
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        APNodeStateSpec spec = HostTargetMapper.toSpec(p.plan.target(), new APNodeStateSpec());
        spec.setAllocations(PlanInputs.allocationsAfter(p.plan, PlanInputs.allocations(ns), p.byKey, now));
        normalize(spec);
        APNodeStateSpec current = ns.getSpec() == null ? new APNodeStateSpec() : ns.getSpec();
        normalize(current);
        List<String> unknown = PlanInputs.allocations(ns).keySet().stream().filter(k -> !byKey.containsKey(k)).toList();
        NodePlanned out = new NodePlanned(List.copyOf(key), ns, in.get(), p, spec, !sameJson(current, spec), unknown);
        planCache.put(name, out);
        return out;
    }

    private Duration recheckFor(AgentLiveness.Verdict alive, Decision d) {
        // the agent's Lease must be looked at again before it could expire; a settled reservation needs no hurry
        Duration r = alive.recheckIn();
        return r.compareTo(settings.resync()) < 0 ? r : settings.resync();
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

    record Planned(NodePlan plan, PolicyView policy, Map<String, APQNReservation> byKey) {
    }

    /** Every reservation bound to the node, plus {@code r} (its newest version), by key in key order. */
    Map<String, APQNReservation> members(APNodeState ns, APQNReservation r) {
        String name = ns.getMetadata().getName();
        Map<String, APQNReservation> byKey = new java.util.TreeMap<>();
        for (APQNReservation x : reservations.byIndex(NODE_INDEX, name)) {
            byKey.put(x.ref(), x);
        }
        for (String key : PlanInputs.allocations(ns).keySet()) {
            ResourceID id = idOf(key);
            reservations.get(id).ifPresent(x -> byKey.put(x.ref(), x));
        }
        byKey.put(r.ref(), r);
        // selection reservations index under the node in their status only until placed elsewhere
        byKey.values().removeIf(x -> x != r && x.getSpec().getNodeName() == null
                && PlanInputs.allocationOf(ns, x).isEmpty() && !name.equals(nodeKey(x)));
        byKey.values().removeIf(x -> x != r && x.getSpec().getNodeName() != null && !name.equals(x.getSpec().getNodeName()));
        return byKey;
    }

    /** Plans the node with these reservations. */
    static Planned plan(APNodeState ns, NodeInput input, Map<String, APQNReservation> byKey, List<APQNPolicy> policies,
                        Map<String, String> nodeLabels) {
        List<ReservationInput> inputs = new ArrayList<>();
        for (APQNReservation x : byKey.values()) {
            inputs.add(PlanInputs.reservationInput(x, PlanInputs.allocationOf(ns, x)));
        }
        PolicyView policy = PlanInputs.policyView(policies, nodeLabels);
        return new Planned(Planner.plan(input, inputs, policy), policy, byKey);
    }

    AgentLiveness.Verdict liveness(String node) {
        Optional<Lease> lease = leases.get(new ResourceID(APNodeState.leaseName(node), settings.agentLeaseNamespace()));
        return AgentLiveness.check(node, settings.agentLeaseNamespace(), lease, Instant.now(),
                settings.agentExpiryFactor(), settings.agentRecheck());
    }

    private static void normalize(APNodeStateSpec spec) {
        if (spec.getMdevs() != null && spec.getMdevs().isEmpty()) {
            spec.setMdevs(null);
        }
        if (spec.getAllocations() != null && spec.getAllocations().isEmpty()) {
            spec.setAllocations(null);
        }
    }

    static boolean sameJson(Object a, Object b) {
        if (a == null || b == null) {
            return a == b;
        }
        JsonNode ja = Serialization.jsonMapper().valueToTree(a);
        JsonNode jb = Serialization.jsonMapper().valueToTree(b);
        return ja.equals(jb);
    }

    static boolean refusedForCapacity(Decision d) {
        return d instanceof Decision.Refused f && f.reason() == ReasonCode.NoCapacity;
    }
}
