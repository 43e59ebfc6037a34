package dev.apqn.plan;

import dev.apqn.status.Reason;

import dev.apqn.ap.ApMask;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.Matrix;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * The refusal rules, each with its reason code and its message: what a reservation's request must
 * satisfy before the planner looks at holders and mask covers. A request's shape is checked first
 * ({@link #shape}); once it has a matrix, {@link #check} tries the matrix rules in order and the
 * first that finds something refuses. A new refusal reason is a {@link dev.apqn.status.Reason} constant and one
 * rule here. Messages are read by people: each names the spec field and the way out.
 */
final class RefusalRules {

    /**
     * One request as the matrix rules see it.
     *
     * @param own what the reservation already has (its current allocation and its KEPT claims): the
     *            grant and host-keep rules do not take those back from it
     */
    record Request(ReservationInput reservation, Matrix matrix, Set<Apqn> own) {
    }

    private interface Rule {
        Optional<Refusal> check(Request q);
    }

    private final NodeInput node;
    private final Occupancy occupancy;
    private final PolicyView policy;
    /** In the order they are tried. */
    private final List<Rule> matrixRules = List.of(this::aboveMaximum, this::outsideHostConfiguration,
            this::usedByForeignMdev, this::notGranted, this::keptForHost);

    RefusalRules(NodeInput node, Occupancy occupancy, PolicyView policy) {
        this.node = node;
        this.occupancy = occupancy;
        this.policy = policy;
    }

    /** The first matrix rule the request breaks. */
    Optional<Refusal> check(Request q) {
        for (Rule rule : matrixRules) {
            Optional<Refusal> refusal = rule.check(q);
            if (refusal.isPresent()) {
                return refusal;
            }
        }
        return Optional.empty();
    }

    // ---------------------------------------------------------------- the request's shape

    /** An empty or non-rectangular APQN list, or selection counts below 1. */
    static Optional<Refusal> shape(ReservationRequest request) {
        if (request instanceof ReservationRequest.Explicit ex) {
            if (ex.apqns().isEmpty()) {
                return Optional.of(new Refusal(Reason.InvalidSpec, "spec.apqns is empty: list at least one APQN as"
                        + " \"<adapter>.<domain>\" (e.g. 05.0004) or use spec.select", Set.of()));
            }
            if (!isRectangle(ex.apqns())) {
                Matrix m = Matrix.of(ApMask.of(ex.apqns().stream().map(Apqn::adapter).toList()),
                        ApMask.of(ex.apqns().stream().map(Apqn::domain).toList()));
                SortedSet<Apqn> missing = new TreeSet<>(m.apqns());
                missing.removeAll(ex.apqns());
                return Optional.of(new Refusal(Reason.NotRectangle, "spec.apqns " + ex.apqns() + " is not an adapters"
                        + " x domains rectangle (a guest always gets every domain on every adapter of its matrix): add "
                        + missing + " or drop APQNs so every adapter has the same domains", missing));
            }
            return Optional.empty();
        }
        ReservationRequest.Selection sel = (ReservationRequest.Selection) request;
        if (sel.adapters() <= 0 || sel.domains() <= 0) {
            return Optional.of(new Refusal(Reason.InvalidSpec, "spec.select.adapters and spec.select.domains must"
                    + " both be at least 1 (got " + sel.adapters() + " x " + sel.domains() + ")", Set.of()));
        }
        return Optional.empty();
    }

    static boolean isRectangle(Collection<Apqn> apqns) {
        long rows = apqns.stream().map(Apqn::adapter).distinct().count();
        long cols = apqns.stream().map(Apqn::domain).distinct().count();
        return rows * cols == new HashSet<>(apqns).size();
    }

    // ---------------------------------------------------------------- the matrix rules

    /**
     * Ids above the node's maximum (ap_max_adapter_id / ap_max_domain_id): the kernel refuses the
     * assignment itself (ENODEV, ap-bus.md §1.8) on every kind of node, so the plan would never converge.
     */
    private Optional<Refusal> aboveMaximum(Request q) {
        Matrix matrix = q.matrix();
        ApMask aHigh = above(matrix.adapters(), node.maxAdapterId());
        ApMask dHigh = above(matrix.domains(), node.maxDomainId());
        ApMask cHigh = above(matrix.controlDomains(), node.maxDomainId());
        if (aHigh.isEmpty() && dHigh.isEmpty() && cHigh.isEmpty()) {
            return Optional.empty();
        }
        List<String> parts = new ArrayList<>();
        if (!aHigh.isEmpty()) {
            parts.add("adapters " + aHigh.toRangeList() + " are above the node's maximum adapter id "
                    + node.maxAdapterId() + " (ap_max_adapter_id)");
        }
        if (!dHigh.isEmpty()) {
            parts.add("usage domains " + dHigh.toRangeList() + " are above the node's maximum domain id "
                    + node.maxDomainId() + " (ap_max_domain_id)");
        }
        if (!cHigh.isEmpty()) {
            parts.add("spec.controlDomains " + cHigh.toRangeList() + " are above the node's maximum domain id "
                    + node.maxDomainId() + " (ap_max_domain_id)");
        }
        SortedSet<Apqn> high = new TreeSet<>();
        matrix.apqns().stream().filter(a -> aHigh.get(a.adapter()) || dHigh.get(a.domain())).forEach(high::add);
        return Optional.of(new Refusal(Reason.ApqnNotFound, (high.isEmpty() ? "" : "spec.apqns " + high + ": ")
                + "on node " + node.nodeName() + " " + String.join(", ", parts)
                + ": the kernel refuses to assign them (ENODEV; a machine without APXA has adapters 0-63 and domains"
                + " 0-15); choose adapters 0-" + node.maxAdapterId() + " and domains 0-" + node.maxDomainId()
                + ", or a node whose machine has them", high));
    }

    private static ApMask above(ApMask ids, int max) {
        return max >= NodeInput.MAX_ID ? ApMask.none() : ids.andNot(ApMask.fromRange(0, max));
    }

    /** APQNs outside the host configuration without a queue device, on a node whose kernel refuses them. */
    private Optional<Refusal> outsideHostConfiguration(Request q) {
        SortedSet<Apqn> outside = occupancy.outside(q.matrix());
        if (outside.isEmpty() || node.assignsOutsideHostConfiguration()) {
            return Optional.empty();
        }
        return Optional.of(new Refusal(Reason.ApqnNotFound, "spec.apqns " + outside + " are not in node "
                + node.nodeName() + "'s host configuration (adapters " + node.configuredAdapters().toRangeList()
                + ", domains " + node.configuredDomains().toRangeList() + ") and have no queue device, and "
                + whyThisKernelRefuses() + "; choose APQNs the node has, have them added to the LPAR's"
                + " configuration, or use a mask-mode node with a 6.0+ kernel (it accepts them and reports the"
                + " reservation Degraded until they are configured)", outside));
    }

    /** Why this node's kernel cannot take an APQN that is outside its host configuration. */
    private String whyThisKernelRefuses() {
        if (node.mode() != OwnershipMode.MASKS) {
            return "this node uses driver_override (6.19+), where the masks stay all ones and a queue that does not"
                    + " exist cannot get an override, so the kernel keeps it host-owned and refuses the assignment"
                    + " (EADDRNOTAVAIL)";
        }
        return "this node's vfio_ap is not known to be 6.0+ (the agent does not report guest_matrix): before 6.0"
                + " every assigned APQN must be a queue bound to vfio_ap, so the kernel refuses the assignment"
                + " (EADDRNOTAVAIL)";
    }

    private Optional<Refusal> usedByForeignMdev(Request q) {
        SortedSet<Apqn> bad = new TreeSet<>();
        q.matrix().apqns().stream().filter(occupancy::usedByForeignMdev).forEach(bad::add);
        if (bad.isEmpty()) {
            return Optional.empty();
        }
        Set<UUID> who = bad.stream().map(a -> occupancy.foreignMdev(a).orElseThrow())
                .collect(Collectors.toCollection(TreeSet::new));
        return Optional.of(new Refusal(Reason.ForeignMdev, "spec.apqns " + bad + " are used by mdev " + who
                + ", which the operator did not make; choose other APQNs or remove that mdev on the node", bad));
    }

    private Optional<Refusal> notGranted(Request q) {
        String namespace = q.reservation().namespace();
        SortedSet<Apqn> bad = new TreeSet<>();
        q.matrix().apqns().stream().filter(a -> !q.own().contains(a) && !policy.grants(namespace, a)).forEach(bad::add);
        if (bad.isEmpty()) {
            return Optional.empty();
        }
        Optional<PolicyView.Grant> g = policy.grantOf(namespace);
        return Optional.of(new Refusal(Reason.NotPermitted, "namespace " + namespace + " may not reserve " + bad
                + (g.isEmpty() ? " (APQNPolicy " + policy.name() + " grants it nothing)"
                        : " (APQNPolicy " + policy.name() + " grants it " + g.get().describe() + ")")
                + "; choose granted APQNs in spec.apqns or ask the admin to extend the policy's spec.grants", bad));
    }

    private Optional<Refusal> keptForHost(Request q) {
        SortedSet<Apqn> bad = new TreeSet<>();
        q.matrix().apqns().stream().filter(a -> !q.own().contains(a) && occupancy.policyKeeps(a)).forEach(bad::add);
        if (bad.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Refusal(Reason.KeptForHost, "spec.apqns " + bad + " are kept for the host by APQNPolicy "
                + policy.name() + " (spec.hostKeep); choose other APQNs or ask the admin to release them", bad));
    }

    // ---------------------------------------------------------------- after the matrix rules

    /** Mask mode: both covers of the matrix would take policy-kept APQNs from the host. */
    Refusal everyCoverTakesKept(Matrix matrix, MaskCover.Cover cover) {
        return new Refusal(Reason.KeptForHost, "every mask cover of " + matrixText(matrix) + " takes APQNs that"
                + " APQNPolicy " + policy.name() + " keeps for the host: clearing adapter bits "
                + ids(cover.rows()) + " would take " + cover.blockingA() + ", clearing domain bits "
                + ids(cover.cols()) + " would take " + cover.blockingD() + "; choose other APQNs in spec.apqns,"
                + " or ask the admin to release them (or use a driver_override node)", cover.blocking());
    }

    private static String ids(BitSet b) {
        return ApMask.of(b.stream().toArray()).toRangeList();
    }

    private static String matrixText(Matrix m) {
        return "adapters " + m.adapters().toRangeList() + " x domains " + m.domains().toRangeList();
    }

    /** A selection: fewer adapters than asked have enough free matching domains. */
    static Refusal tooFewAdapters(ReservationRequest.Selection sel, String nodeName, int adaptersWithDomains) {
        return new Refusal(Reason.InsufficientCapacity, selectionText(sel) + " cannot be met on node " + nodeName + ": only "
                + adaptersWithDomains + " adapters have " + sel.domains() + " free matching domains" + SELECTION_FIX,
                Set.of());
    }

    /** A selection: no candidate rectangle has a mask cover that leaves the policy-kept APQNs with the host. */
    static Refusal noRectangleWithAllowedCover(ReservationRequest.Selection sel, String nodeName) {
        return new Refusal(Reason.InsufficientCapacity, selectionText(sel) + " cannot be met on node " + nodeName + ": no "
                + sel.adapters() + " adapters share " + sel.domains() + " free matching domains whose mask cover leaves"
                + " the policy-kept APQNs with the host" + SELECTION_FIX, Set.of());
    }

    private static String selectionText(ReservationRequest.Selection sel) {
        return "spec.select " + sel.adapters() + " adapters x " + sel.domains() + " domains"
                + (sel.generations().isEmpty() ? "" : ", generations " + new TreeSet<>(sel.generations()))
                + (sel.modes().isEmpty() ? "" : ", modes " + new TreeSet<>(sel.modes()));
    }

    private static final String SELECTION_FIX = "; free means an existing queue that no reservation holds, the policy"
            + " does not keep, no foreign mdev uses and nobody else took off the host; lower the counts, relax the"
            + " filters or release APQNs";
}
