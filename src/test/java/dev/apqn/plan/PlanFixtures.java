package dev.apqn.plan;

import dev.apqn.ap.ApCard;
import dev.apqn.ap.ApMask;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.CardGeneration;
import dev.apqn.ap.Matrix;

import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Small builders and the invariants every plan must satisfy. */
final class PlanFixtures {

    static final QueueInfo CEX8_CCA = QueueInfo.host(CardGeneration.CEX8, ApCard.Mode.CCA);
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private PlanFixtures() {
    }

    static ApMask ids(int... ids) {
        return ApMask.of(ids);
    }

    static ApMask range(int from, int to) {
        return ApMask.fromRange(from, to);
    }

    /** A mask-mode node with CEX8 CCA queues on adapters × domains. */
    static NodeInput.Builder node(ApMask adapters, ApMask domains) {
        return NodeInput.builder("node-a", OwnershipMode.MASKS, 7).queues(adapters, domains, CEX8_CCA);
    }

    static SortedSet<Apqn> apqns(String... text) {
        return new TreeSet<>(Arrays.stream(text).map(Apqn::parse).toList());
    }

    static ReservationRequest.Explicit explicit(String... text) {
        return new ReservationRequest.Explicit(apqns(text), ApMask.none());
    }

    static ReservationRequest.Explicit rect(ApMask adapters, ApMask domains) {
        return ReservationRequest.Explicit.of(Matrix.of(adapters, domains));
    }

    /** A reservation created {@code ageRank} seconds after T0 (lower = older). */
    static ReservationInput res(String key, int ageRank, ReservationRequest request) {
        return ReservationInput.of(key, T0.plusSeconds(ageRank), request);
    }

    static ReservationInput holder(String key, int ageRank, ReservationRequest request, Matrix held) {
        return res(key, ageRank, request).withCurrent(new Allocation(held, UUID.nameUUIDFromBytes(key.getBytes()), true));
    }

    static NodePlan plan(NodeInput node, PolicyView policy, ReservationInput... rs) {
        NodePlan p = Planner.plan(node, List.of(rs), policy);
        assertConsistent(node, p);
        return p;
    }

    static NodePlan plan(NodeInput node, ReservationInput... rs) {
        return plan(node, PolicyView.none(), rs);
    }

    static ReservationPlan allocated(NodePlan p, String key) {
        Decision d = p.decision(key);
        assertThat(d).as("decision of %s", key).isInstanceOf(Decision.Allocated.class);
        return ((Decision.Allocated) d).plan();
    }

    static <T extends Decision> T decision(NodePlan p, String key, Class<T> type) {
        Decision d = p.decision(key);
        assertThat(d).as("decision of %s", key).isInstanceOf(type);
        return type.cast(d);
    }

    /**
     * The invariants: every mdev APQN is off the host in the target; mdevs do not overlap; in mask
     * mode every APQN the operator's bits take off the host is claimed; no policy-kept APQN is taken
     * by the operator's bits unless a holder had it before.
     */
    static void assertConsistent(NodeInput node, NodePlan p) {
        HostTarget t = p.target();
        ApMask offA = t.adaptersOffHost().or(node.foreignAdaptersOff());
        ApMask offD = t.domainsOffHost().or(node.foreignDomainsOff());
        Set<Apqn> claimed = new HashSet<>();
        t.claims().forEach(c -> claimed.addAll(c.apqns()));
        List<MdevTarget> ms = List.copyOf(t.mdevs().values());
        for (int i = 0; i < ms.size(); i++) {
            for (Apqn q : ms.get(i).matrix().apqns()) {
                boolean off = t.mode() == OwnershipMode.MASKS ? offA.get(q.adapter()) || offD.get(q.domain())
                        : t.overrides().contains(q) || node.foreignOverrides().contains(q);
                assertThat(off).as("mdev APQN %s of %s is off the host", q, ms.get(i).owner()).isTrue();
                assertThat(claimed).as("mdev APQN %s is claimed", q).contains(q);
            }
            for (int j = i + 1; j < ms.size(); j++) {
                assertThat(ms.get(i).matrix().overlaps(ms.get(j).matrix()))
                        .as("mdevs of %s and %s overlap", ms.get(i).owner(), ms.get(j).owner()).isFalse();
            }
        }
        if (t.mode() == OwnershipMode.MASKS) {
            for (Apqn q : universe(node)) {
                boolean opOff = (t.adaptersOffHost().get(q.adapter()) || t.domainsOffHost().get(q.domain()))
                        && !node.foreignAdaptersOff().get(q.adapter()) && !node.foreignDomainsOff().get(q.domain());
                if (opOff) {
                    assertThat(claimed).as("off-host APQN %s is claimed", q).contains(q);
                }
            }
        } else {
            assertThat(t.adaptersOffHost().isEmpty() && t.domainsOffHost().isEmpty()).isTrue();
        }
    }

    static Set<Apqn> universe(NodeInput node) {
        Set<Apqn> u = new TreeSet<>(node.queues().keySet());
        node.configuredAdapters().ids().forEach(a -> node.configuredDomains().ids().forEach(d -> u.add(Apqn.of(a, d))));
        return u;
    }

    static Set<Apqn> claims(NodePlan p, OffHostClaim.Kind kind, String owner) {
        Set<Apqn> out = new TreeSet<>();
        p.target().claims().stream().filter(c -> c.kind() == kind && c.owner().equals(owner)).forEach(c -> out.addAll(c.apqns()));
        return out;
    }
}
