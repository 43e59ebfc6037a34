package dev.apqn.controller;

import dev.apqn.api.ApiValues;
import dev.apqn.api.v1alpha1.APNodeState;
import dev.apqn.api.v1alpha1.APNodeStateSpec;
import dev.apqn.api.v1alpha1.APQNPolicy;
import dev.apqn.api.v1alpha1.APQNReservation;
import dev.apqn.api.v1alpha1.HostTargetMapper;
import dev.apqn.plan.NodeInput;
import dev.apqn.plan.NodePlan;
import dev.apqn.plan.Planner;
import dev.apqn.plan.PolicyView;
import dev.apqn.plan.ReservationInput;
import io.fabric8.kubernetes.api.model.Node;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The plan of one node for one view of it: the node's reservations, the APNodeState it was planned
 * from, the policies and the node's labels. A pass whose view has not changed (a status-only event,
 * a resync) reuses the last plan instead of planning again.
 */
final class NodePlanning {

    /** One plan of a node and what it means for its spec. */
    record Planned(List<String> key, APNodeState state, NodeInput input, NodePlan plan, PolicyView policy,
                   Map<String, APQNReservation> members, APNodeStateSpec spec, boolean changed, List<String> unknownOwners) {

        /**
         * The same plan over the objects of this pass. The cache keeps a plan without them: the members a plan
         * was made from are older copies of what the informer holds now (their statuses change without
         * changing the plan), and keeping them would keep a second copy of every reservation and APNodeState,
         * and hand a pass statuses older than the cache's.
         */
        Planned with(APNodeState fresh, Map<String, APQNReservation> freshMembers) {
            return new Planned(key, fresh, input, plan, policy, freshMembers, spec, changed, unknownOwners);
        }
    }

    private final ControllerView view;
    private final Map<String, Planned> cache = new ConcurrentHashMap<>();

    NodePlanning(ControllerView view) {
        this.view = view;
    }

    /** Null while the agent has not reported mode and inventory. */
    Planned plan(APNodeState ns, Node node) {
        Map<String, APQNReservation> members = members(ns);
        List<APQNPolicy> pols = view.policies();
        Map<String, String> labels = labels(node);
        List<String> key = viewKey(ns, members, pols, labels);
        Planned hit = cache.get(ns.getMetadata().getName());
        if (hit != null && hit.key.equals(key)) {
            return hit.with(ns, members);
        }
        Optional<NodeInput> in = PlanInputs.nodeInput(ns);
        if (in.isEmpty()) {
            return null;
        }
        PolicyView policy = PlanInputs.policyView(pols, labels);
        NodePlan plan = Planner.plan(in.get(), inputs(ns, members), policy);
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        APNodeStateSpec spec = HostTargetMapper.toSpec(plan.target(), new APNodeStateSpec());
        spec.setAllocations(PlanInputs.allocationsAfter(plan, PlanInputs.allocations(ns), members, now));
        normalize(spec);
        boolean changed = !ApiValues.same(ns.getSpec() == null ? new APNodeStateSpec() : ns.getSpec(), spec);
        List<String> unknown = PlanInputs.allocations(ns).keySet().stream().filter(k -> !members.containsKey(k)).toList();
        Planned out = new Planned(key, ns, in.get(), plan, policy, members, spec, changed, unknown);
        cache.put(ns.getMetadata().getName(), out.with(null, Map.of()));
        return out;
    }

    /**
     * What the node would decide with {@code extra} added (placing a selection request): planned
     * afresh, never cached. Null while the agent has not reported.
     */
    NodePlan planWith(APNodeState ns, Node node, APQNReservation extra) {
        Optional<NodeInput> in = PlanInputs.nodeInput(ns);
        if (in.isEmpty()) {
            return null;
        }
        Map<String, APQNReservation> members = members(ns);
        members.put(extra.ref(), extra);
        return Planner.plan(in.get(), inputs(ns, members), PlanInputs.policyView(view.policies(), labels(node)));
    }

    void forget(String node) {
        cache.remove(node);
    }

    /**
     * Every reservation bound to the node, by key in key order: those indexed under it (spec.nodeName
     * or status.node), those holding an allocation in its spec, and selection requests just placed on
     * it; a selection request indexed under it only by an old status but neither allocated nor placed
     * here belongs to no node (the reservation reconciler places it again).
     */
    Map<String, APQNReservation> members(APNodeState ns) {
        String name = ns.getMetadata().getName();
        Map<String, APQNReservation> byKey = new TreeMap<>();
        for (APQNReservation x : view.indexedUnder(name)) {
            byKey.put(x.ref(), x);
        }
        for (String key : PlanInputs.allocations(ns).keySet()) {
            view.reservation(key).ifPresent(x -> byKey.put(x.ref(), x));
        }
        view.placements.forEach((key, node) -> {
            if (name.equals(node)) {
                view.reservation(key).ifPresent(x -> byKey.put(x.ref(), x));
            }
        });
        byKey.values().removeIf(x -> x.getSpec().getNodeName() != null && !name.equals(x.getSpec().getNodeName()));
        byKey.values().removeIf(x -> x.getSpec().getNodeName() == null && PlanInputs.allocationOf(ns, x).isEmpty()
                && !name.equals(view.placements.getOrDefault(x.ref(), ControllerView.nodeKey(x))));
        return byKey;
    }

    private static List<ReservationInput> inputs(APNodeState ns, Map<String, APQNReservation> members) {
        List<ReservationInput> inputs = new ArrayList<>();
        for (APQNReservation x : members.values()) {
            inputs.add(PlanInputs.reservationInput(x, PlanInputs.allocationOf(ns, x)));
        }
        return inputs;
    }

    /** Empty lists are left out of the spec (null and empty mean the same; the stored spec has no empty lists). */
    private static void normalize(APNodeStateSpec spec) {
        if (spec.getMdevs() != null && spec.getMdevs().isEmpty()) {
            spec.setMdevs(null);
        }
        if (spec.getAllocations() != null && spec.getAllocations().isEmpty()) {
            spec.setAllocations(null);
        }
    }

    private static Map<String, String> labels(Node node) {
        return node == null || node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
    }

    /** What a plan depends on: spec and agent report (resourceVersion), each member's identity and intent, policies, labels. */
    private static List<String> viewKey(APNodeState ns, Map<String, APQNReservation> members, List<APQNPolicy> pols,
                                        Map<String, String> labels) {
        List<String> key = new ArrayList<>();
        key.add(ns.getMetadata().getResourceVersion());
        for (APQNReservation x : members.values()) {
            key.add(x.ref() + "|" + x.getMetadata().getUid() + "|" + x.getMetadata().getGeneration() + "|"
                    + (x.getMetadata().getDeletionTimestamp() != null) + "|" + ControllerView.nodeKey(x));
        }
        pols.forEach(x -> key.add("policy " + x.getMetadata().getName() + "@" + x.getMetadata().getResourceVersion()));
        key.add("labels " + new TreeMap<>(labels));
        return List.copyOf(key);
    }
}
