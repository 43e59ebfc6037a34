package dev.apqn.controller;

import dev.apqn.ap.ApCard;
import dev.apqn.ap.ApMask;
import dev.apqn.ap.ApQueue;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.CardGeneration;
import dev.apqn.ap.Matrix;
import dev.apqn.api.v1alpha1.APNodeState;
import dev.apqn.api.v1alpha1.APNodeStateSpec;
import dev.apqn.api.v1alpha1.APNodeStateStatus;
import dev.apqn.api.v1alpha1.APQNPolicy;
import dev.apqn.api.v1alpha1.APQNPolicySpec;
import dev.apqn.api.v1alpha1.APQNReservation;
import dev.apqn.api.v1alpha1.APQNReservationSpec;
import dev.apqn.api.v1alpha1.Approval;
import dev.apqn.api.v1alpha1.CapabilitiesStatus;
import dev.apqn.api.v1alpha1.CardMode;
import dev.apqn.api.v1alpha1.CardStatus;
import dev.apqn.api.v1alpha1.Claim;
import dev.apqn.api.v1alpha1.HostTargetMapper;
import dev.apqn.api.v1alpha1.MatrixRanges;
import dev.apqn.api.v1alpha1.MatrixStatus;
import dev.apqn.api.v1alpha1.MdevStatus;
import dev.apqn.api.v1alpha1.MdevUuids;
import dev.apqn.api.v1alpha1.QueueGroup;
import dev.apqn.api.v1alpha1.SelectionSpec;
import dev.apqn.plan.Allocation;
import dev.apqn.plan.ApprovalMode;
import dev.apqn.plan.Decision;
import dev.apqn.plan.ForeignMdev;
import dev.apqn.plan.NodeInput;
import dev.apqn.plan.NodePlan;
import dev.apqn.plan.OffHostClaim;
import dev.apqn.plan.PolicyView;
import dev.apqn.plan.QueueInfo;
import dev.apqn.plan.ReleasePolicy;
import dev.apqn.plan.ReservationInput;
import dev.apqn.plan.ReservationRequest;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Pure mapping between the custom resources and the planner's inputs and outputs: APNodeState
 * (agent status + controller spec) → {@link NodeInput}, APQNReservation (+ its durable allocation)
 * → {@link ReservationInput}, APQNPolicies selecting a node → {@link PolicyView}, and a
 * {@link NodePlan} → the new {@code spec.allocations}. No I/O.
 */
public final class PlanInputs {

    private PlanInputs() {
    }

    // ------------------------------------------------------------------ node

    /** The planner's view of a node, or empty while its agent has not reported mode and inventory. */
    public static Optional<NodeInput> nodeInput(APNodeState state) {
        APNodeStateStatus st = state.getStatus();
        if (st == null || st.getMode() == null || st.getInventoryGeneration() == null) {
            return Optional.empty();
        }
        var b = NodeInput.builder(state.getMetadata().getName(), st.getMode().toOwnershipMode(),
                st.getInventoryGeneration());
        ApMask configuredA = ApMask.none();
        ApMask configuredD = ApMask.none();
        if (st.getCards() != null) {
            for (CardStatus card : st.getCards()) {
                ApMask adapters = cardAdapters(card);
                if (adapters.isEmpty()) {
                    continue;
                }
                configuredA = configuredA.or(adapters);
                CardGeneration gen = card.getGeneration();
                ApCard.Mode mode = cardMode(card.getMode());
                if (card.getQueues() == null) {
                    continue;
                }
                for (QueueGroup g : card.getQueues()) {
                    ApMask domains = RangeLists.parse(g.getDomains());
                    configuredD = configuredD.or(domains);
                    if (gen == null) {
                        continue; // not a card vfio_ap accepts: configured, but no usable queue device
                    }
                    QueueInfo info = queueInfo(gen, mode, g);
                    for (int a : adapters.idList()) {
                        domains.ids().forEach(d -> b.queue(Apqn.of(a, d), info));
                    }
                }
            }
        }
        b.configured(configuredA, configuredD, configuredD);
        b.dynamicVfioAp(dynamicVfioAp(st.getCapabilities()));
        var hc = st.getHostConfig();
        if (hc != null) {
            b.maxIds(hc.getMaxAdapter() != null ? hc.getMaxAdapter() : NodeInput.MAX_ID,
                    hc.getMaxDomain() != null ? hc.getMaxDomain() : NodeInput.MAX_ID);
            b.masks(RangeLists.parseOr(hc.getApmask(), ApMask.all()), RangeLists.parseOr(hc.getAqmask(), ApMask.all()));
            b.foreignOff(RangeLists.parse(hc.getAdaptersOffHostForeign()), RangeLists.parse(hc.getDomainsOffHostForeign()));
        }
        if (st.getMdevs() != null) {
            for (MdevStatus m : st.getMdevs()) {
                if (!Boolean.TRUE.equals(m.getOwned()) && m.getMatrix() != null && m.getUuid() != null) {
                    b.foreignMdev(new ForeignMdev(UUID.fromString(m.getUuid()), matrix(m.getMatrix())));
                }
            }
        }
        keptClaims(state.getSpec()).forEach(b::kept);
        return Optional.of(b.build());
    }

    /**
     * The adapters a status card entry stands for: its {@code adapters} range list (a set of identical
     * cards) plus the single {@code adapter} older agents wrote; empty when it names none.
     */
    public static ApMask cardAdapters(CardStatus card) {
        ApMask out = RangeLists.parse(card.getAdapters());
        return card.getAdapter() == null ? out : out.with(card.getAdapter());
    }

    static QueueInfo queueInfo(CardGeneration gen, ApCard.Mode mode, QueueGroup g) {
        if (g.getDriver() == QueueGroup.Driver.vfio_ap) {
            ApQueue.VfioStatus vs = switch (g.getState()) {
                case InUse -> ApQueue.VfioStatus.IN_USE;
                case Assigned -> ApQueue.VfioStatus.ASSIGNED;
                default -> ApQueue.VfioStatus.UNASSIGNED;
            };
            return new QueueInfo(gen, mode, false, Optional.of(vs));
        }
        return new QueueInfo(gen, mode, g.getDriver() == QueueGroup.Driver.cex4queue, Optional.empty());
    }

    static ApCard.Mode cardMode(CardMode m) {
        if (m == null) {
            return ApCard.Mode.UNKNOWN;
        }
        return switch (m) {
            case CCA -> ApCard.Mode.CCA;
            case EP11 -> ApCard.Mode.EP11;
            case Accelerator -> ApCard.Mode.ACCELERATOR;
            case Unknown -> ApCard.Mode.UNKNOWN;
        };
    }

    public static Matrix matrix(MatrixRanges r) {
        return new Matrix(RangeLists.parse(r.getAdapters()), RangeLists.parse(r.getDomains()),
                RangeLists.parse(r.getControlDomains()));
    }

    /** KEPT claims carried over from the node's spec (deleted reservations with releasePolicy Keep). */
    public static List<OffHostClaim> keptClaims(APNodeStateSpec spec) {
        List<OffHostClaim> out = new ArrayList<>();
        if (spec == null || spec.getHostEdits() == null || spec.getHostEdits().getClaims() == null) {
            return out;
        }
        for (Claim c : spec.getHostEdits().getClaims()) {
            if (c.getKind() == Claim.Kind.Kept) {
                // apqns plus rectangles: the mapper writes rectangles, older specs single APQNs
                out.add(new OffHostClaim(OffHostClaim.Kind.KEPT, c.getOwner(), HostTargetMapper.claimApqns(c)));
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ allocations

    /** The node's durable allocations keyed by reservation ({@code namespace/name}). */
    public static Map<String, dev.apqn.api.v1alpha1.Allocation> allocations(APNodeState state) {
        Map<String, dev.apqn.api.v1alpha1.Allocation> out = new TreeMap<>();
        if (state != null && state.getSpec() != null && state.getSpec().getAllocations() != null) {
            state.getSpec().getAllocations().forEach(a -> out.put(a.getReservation(), a));
        }
        return out;
    }

    /** The reservation's allocation on the node, if it is recorded there for this very reservation (same uid). */
    public static Optional<dev.apqn.api.v1alpha1.Allocation> allocationOf(APNodeState state, APQNReservation r) {
        var a = allocations(state).get(r.ref());
        if (a == null) {
            return Optional.empty();
        }
        if (a.getUid() != null && !a.getUid().equals(r.getMetadata().getUid())) {
            return Optional.empty(); // a re-created reservation of the same name does not inherit
        }
        return Optional.of(a);
    }

    /**
     * The allocations after a plan: Allocated and retained decisions (re)record their matrix; released
     * and never-allocated reservations drop out. Allocations of reservations not in {@code byKey} are
     * dropped too (they no longer exist).
     */
    public static List<dev.apqn.api.v1alpha1.Allocation> allocationsAfter(NodePlan plan,
            Map<String, dev.apqn.api.v1alpha1.Allocation> previous, Map<String, APQNReservation> byKey, String now) {
        List<dev.apqn.api.v1alpha1.Allocation> out = new ArrayList<>();
        plan.decisions().forEach((key, d) -> {
            APQNReservation r = byKey.get(key);
            if (r == null) {
                return;
            }
            Optional<Allocation> keep;
            if (d instanceof Decision.Allocated a) {
                keep = Optional.of(new Allocation(a.plan().matrix(), a.plan().mdev(), false));
            } else if (d instanceof Decision.Released) {
                keep = Optional.empty();
            } else {
                keep = d.retained();
            }
            keep.ifPresent(k -> {
                var prev = previous.get(key);
                var a = new dev.apqn.api.v1alpha1.Allocation();
                a.setReservation(key);
                a.setUid(r.getMetadata().getUid());
                a.setMdevUuid(k.mdev().toString());
                a.setMatrix(MatrixStatus.of(k.matrix()));
                a.setSource(r.getSpec() != null && r.getSpec().getSelect() != null
                        ? dev.apqn.api.v1alpha1.Allocation.Source.Selected : dev.apqn.api.v1alpha1.Allocation.Source.Explicit);
                boolean same = prev != null && prev.getMatrix() != null && prev.getMatrix().toMatrix().equals(k.matrix())
                        && k.mdev().toString().equals(prev.getMdevUuid());
                a.setAllocatedAt(same && prev.getAllocatedAt() != null ? prev.getAllocatedAt() : now);
                out.add(a);
            });
        });
        return out;
    }

    // ------------------------------------------------------------------ reservations

    public static ReservationInput reservationInput(APQNReservation r, Optional<dev.apqn.api.v1alpha1.Allocation> alloc) {
        APQNReservationSpec spec = r.getSpec();
        Optional<Allocation> current = alloc.map(a -> new Allocation(a.getMatrix().toMatrix(),
                UUID.fromString(a.getMdevUuid() != null ? a.getMdevUuid() : MdevUuids.of(r).toString()), false));
        ReleasePolicy rp = spec.getReleasePolicy() == dev.apqn.api.v1alpha1.ReleasePolicy.Keep
                ? ReleasePolicy.KEEP : ReleasePolicy.RETURN_TO_HOST;
        ApprovalMode approval = spec.getApproval() == Approval.Manual ? ApprovalMode.MANUAL : ApprovalMode.AUTOMATIC;
        return new ReservationInput(r.ref(), created(r), current, request(spec), rp,
                r.getMetadata().getDeletionTimestamp() != null, approval, Optional.ofNullable(spec.getApprovedPlan()),
                Optional.of(MdevUuids.of(r)));
    }

    static Instant created(APQNReservation r) {
        String ts = r.getMetadata().getCreationTimestamp();
        return ts == null ? Instant.EPOCH : OffsetDateTime.parse(ts).toInstant();
    }

    /** What the spec asks for, in the planner's terms (the planner refuses malformed requests itself). */
    public static ReservationRequest request(APQNReservationSpec spec) {
        ApMask ctl = spec.getControlDomains() == null ? ApMask.none() : ApMask.of(spec.getControlDomains());
        if (spec.getSelect() != null) {
            SelectionSpec s = spec.getSelect();
            Set<CardGeneration> gens = EnumSet.noneOf(CardGeneration.class);
            if (s.getGenerations() != null) {
                gens.addAll(s.getGenerations());
            }
            Set<ApCard.Mode> modes = EnumSet.noneOf(ApCard.Mode.class);
            if (s.getModes() != null) {
                s.getModes().forEach(m -> modes.add(cardMode(m)));
            }
            // SameAsUsage: the planner adds the usage domains it picks as control domains
            return new ReservationRequest.Selection(nz(s.getAdapters()), nz(s.getDomains()), gens, modes, ApMask.none(),
                    s.getControlDomains() == SelectionSpec.ControlDomains.SameAsUsage);
        }
        SortedSet<Apqn> apqns = new TreeSet<>();
        if (spec.getApqns() != null) {
            spec.getApqns().forEach(q -> apqns.add(Apqn.parse(q)));
        } else if (spec.getAdapters() != null && spec.getDomains() != null) {
            apqns.addAll(Matrix.of(ApMask.of(spec.getAdapters()), ApMask.of(spec.getDomains())).apqns());
        }
        return new ReservationRequest.Explicit(apqns, ctl);
    }

    private static int nz(Integer i) {
        return i == null ? 0 : i;
    }

    // ------------------------------------------------------------------ policy

    /**
     * One grant entry, exactly: its adapters x domains area (an omitted side is "any"; no area when both
     * are omitted) plus its single APQNs, which grant those APQNs and nothing else.
     */
    public static PolicyView.Grant grant(dev.apqn.api.v1alpha1.Grant g) {
        List<PolicyView.Grant.Area> areas = new ArrayList<>();
        if (g.getAdapters() != null || g.getDomains() != null) {
            areas.add(new PolicyView.Grant.Area(g.getAdapters() == null ? ApMask.all() : ApMask.of(g.getAdapters()),
                    g.getDomains() == null ? ApMask.all() : ApMask.of(g.getDomains())));
        }
        SortedSet<Apqn> apqns = new TreeSet<>();
        if (g.getApqns() != null) {
            g.getApqns().forEach(q -> apqns.add(Apqn.parse(q)));
        }
        return new PolicyView.Grant(areas, apqns);
    }

    /** Whether a label selector (empty/null = everything) matches the labels. */
    public static boolean matches(Map<String, String> selector, Map<String, String> labels) {
        if (selector == null || selector.isEmpty()) {
            return true;
        }
        Map<String, String> l = labels == null ? Map.of() : labels;
        return selector.entrySet().stream().allMatch(e -> e.getValue().equals(l.get(e.getKey())));
    }

    /**
     * The policies selecting a node, combined: host keeps add up, RequireApproval wins, and once any
     * selecting policy has grants a namespace needs a grant from one of them. Grants add up exactly as
     * written: adapters x domains areas and single APQNs, never widened (see {@link #grant}).
     */
    public static PolicyView policyView(List<APQNPolicy> policies, Map<String, String> nodeLabels) {
        List<APQNPolicy> selecting = policies.stream()
                .filter(p -> p.getSpec() != null && matches(p.getSpec().getNodeSelector(), nodeLabels))
                .sorted(java.util.Comparator.comparing(p -> p.getMetadata().getName()))
                .toList();
        if (selecting.isEmpty()) {
            return PolicyView.none();
        }
        SortedSet<Apqn> keptApqns = new TreeSet<>();
        ApMask keptA = ApMask.none();
        ApMask keptD = ApMask.none();
        boolean needsApproval = false;
        Map<String, PolicyView.Grant> grants = new LinkedHashMap<>();
        for (APQNPolicy p : selecting) {
            APQNPolicySpec s = p.getSpec();
            if (s.getHostKeep() != null) {
                if (s.getHostKeep().getApqns() != null) {
                    s.getHostKeep().getApqns().forEach(q -> keptApqns.add(Apqn.parse(q)));
                }
                if (s.getHostKeep().getAdapters() != null) {
                    keptA = keptA.or(ApMask.of(s.getHostKeep().getAdapters()));
                }
                if (s.getHostKeep().getDomains() != null) {
                    keptD = keptD.or(ApMask.of(s.getHostKeep().getDomains()));
                }
            }
            needsApproval |= s.getCollateral() == APQNPolicySpec.Collateral.RequireApproval;
            if (s.getGrants() != null) {
                for (var g : s.getGrants()) {
                    PolicyView.Grant entry = grant(g);
                    for (String ns : g.getNamespaces()) {
                        PolicyView.Grant prev = grants.get(ns);
                        grants.put(ns, prev == null ? entry : prev.plus(entry));
                    }
                }
            }
        }
        String name = String.join(",", selecting.stream().map(p -> p.getMetadata().getName()).toList());
        return new PolicyView(name, keptApqns, keptA, keptD, grants, needsApproval, new TreeSet<>());
    }

    /**
     * Whether the node's vfio_ap has the 6.0+ dynamic design (assignments of unavailable queues,
     * guest_matrix filtering). Seen directly as guest_matrix or ap_config files of an mdev; before
     * the node has an mdev, files that only newer kernels have imply it: the bus features file
     * (6.4) and the matrix device's features (6.12).
     */
    static boolean dynamicVfioAp(CapabilitiesStatus c) {
        if (c == null) {
            return false;
        }
        return c.getGuestMatrix() == CapabilitiesStatus.Evidence.Present
                || c.getApConfig() == CapabilitiesStatus.Evidence.Present
                || (c.getBusFeatures() != null && !c.getBusFeatures().isEmpty())
                || (c.getMatrixFeatures() != null && !c.getMatrixFeatures().isEmpty());
    }
}
