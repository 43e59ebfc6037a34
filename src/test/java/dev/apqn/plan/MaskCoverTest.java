package dev.apqn.plan;

import dev.apqn.status.Reason;

import dev.apqn.ap.ApMask;
import dev.apqn.ap.Apqn;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static dev.apqn.plan.PlanFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

/** Mask mode: which bits cover a rectangle, and what else leaves the host. */
class MaskCoverTest {

    /** A situation: the node, the policy, the reservations, and what {@code key}'s plan must be. */
    record Case(String name, NodeInput node, PolicyView policy, List<ReservationInput> reservations, String key,
                ApMask adapterBits, ApMask domainBits, Set<Apqn> collateral, ApMask targetA, ApMask targetD) {
        @Override
        public String toString() {
            return name;
        }
    }

    static NodeInput.Builder exactly(NodeInput.Builder b) {
        return b.configured(ApMask.none(), ApMask.none(), range(0, 15));
    }

    static Stream<Case> cases() {
        NodeInput narrowAdapter = exactly(node(ids(1), ids(4)).queues(ids(2, 3), ids(4, 5), CEX8_CCA)).build();
        NodeInput wideAdapter = exactly(node(ids(1), range(4, 8)).queues(ids(2), ids(4), CEX8_CCA)).build();
        NodeInput wide = node(range(1, 3), range(3, 8)).build();
        NodeInput tall = node(range(1, 8), range(3, 5)).build();
        NodeInput mixed = exactly(node(ids(1), range(3, 5)).queues(range(2, 3), range(3, 8), CEX8_CCA)
                .queues(range(4, 9), ids(5), CEX8_CCA)).build();
        NodeInput square = node(range(1, 3), range(1, 4)).build();
        return Stream.of(
                new Case("single APQN: the adapter bit is cheaper (adapter has no other domain)", narrowAdapter,
                        PolicyView.none(), List.of(res("ns/r", 0, explicit("01.0004"))), "ns/r",
                        ids(1), ApMask.none(), Set.of(), ids(1), ApMask.none()),
                new Case("single APQN: the domain bit is cheaper (domain on one other adapter)", wideAdapter,
                        PolicyView.none(), List.of(res("ns/r", 0, explicit("01.0004"))), "ns/r",
                        ApMask.none(), ids(4), apqns("02.0004"), ApMask.none(), ids(4)),
                new Case("2x2 rectangle on a wide node takes the two domains", wide,
                        PolicyView.none(), List.of(res("ns/r", 0, rect(ids(1, 2), ids(3, 4)))), "ns/r",
                        ApMask.none(), ids(3, 4), apqns("03.0003", "03.0004"), ApMask.none(), ids(3, 4)),
                new Case("2x2 rectangle on a tall node takes the two adapters", tall,
                        PolicyView.none(), List.of(res("ns/r", 0, rect(ids(1, 2), ids(3, 4)))), "ns/r",
                        ids(1, 2), ApMask.none(), apqns("01.0005", "02.0005"), ids(1, 2), ApMask.none()),
                new Case("mixed cover: another reservation's adapter bit plus two domain bits", mixed,
                        PolicyView.none(), List.of(res("ns/first", 0, explicit("01.0005")),
                        res("ns/r", 1, rect(ids(1, 2), ids(3, 4)))), "ns/r",
                        ApMask.none(), ids(3, 4), apqns("03.0003", "03.0004"), ids(1), ids(3, 4)),
                new Case("a bit someone else cleared is reused: no edits, no collateral",
                        node(range(1, 3), range(1, 4)).foreignOff(ApMask.none(), ids(4)).build(),
                        PolicyView.none(), List.of(res("ns/r", 0, explicit("02.0004"))), "ns/r",
                        ApMask.none(), ApMask.none(), Set.of(), ApMask.none(), ApMask.none()),
                new Case("a bit the operator already cleared is reused: no new collateral",
                        node(range(1, 3), range(1, 4)).masks(ApMask.all(), ApMask.all().without(4)).build(),
                        PolicyView.none(), List.of(res("ns/r", 0, explicit("02.0004"))), "ns/r",
                        ApMask.none(), ids(4), apqns("01.0004", "03.0004"), ApMask.none(), ids(4)),
                new Case("policy keeps an APQN of the cheaper cover: the other cover is chosen", square,
                        PolicyView.none().keeping(Apqn.parse("02.0001")), List.of(res("ns/r", 0, explicit("01.0001"))),
                        "ns/r", ids(1), ApMask.none(), apqns("01.0002", "01.0003", "01.0004"), ids(1), ApMask.none()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void coverOf(Case c) {
        NodePlan p = plan(c.node(), c.policy(), c.reservations().toArray(ReservationInput[]::new));
        ReservationPlan rp = allocated(p, c.key());
        assertThat(rp.adapterBits()).as("adapter bits").isEqualTo(c.adapterBits());
        assertThat(rp.domainBits()).as("domain bits").isEqualTo(c.domainBits());
        assertThat(rp.collateral()).as("collateral").containsExactlyElementsOf(new java.util.TreeSet<>(c.collateral()));
        assertThat(p.target().adaptersOffHost()).as("apmask bits off").isEqualTo(c.targetA());
        assertThat(p.target().domainsOffHost()).as("aqmask bits off").isEqualTo(c.targetD());
        assertThat(claims(p, OffHostClaim.Kind.COLLATERAL, c.key())).containsAll(c.collateral());
    }

    @Test
    void policyKeepsAnApqnOfEveryCover_refusedNamingTheKeptApqns() {
        NodeInput node = node(range(1, 3), range(1, 4)).build();
        PolicyView policy = PolicyView.none().keeping(Apqn.parse("02.0001"), Apqn.parse("01.0003"));
        NodePlan p = plan(node, policy, res("ns/r", 0, explicit("01.0001")));
        Decision.Refused d = decision(p, "ns/r", Decision.Refused.class);
        assertThat(d.reason()).isEqualTo(Reason.KeptForHost);
        assertThat(d.apqns()).containsExactlyElementsOf(apqns("01.0003", "02.0001"));
        assertThat(d.message()).contains("01.0003").contains("02.0001").contains("spec.apqns");
        assertThat(p.target().mdevs()).isEmpty();
        assertThat(p.target().adaptersOffHost().isEmpty() && p.target().domainsOffHost().isEmpty()).isTrue();
    }

    @Test
    void requestedApqnKeptByPolicy_refused() {
        NodeInput node = node(range(1, 3), range(1, 4)).build();
        NodePlan p = plan(node, PolicyView.none().keeping(Apqn.parse("01.0001")), res("ns/r", 0, explicit("01.0001")));
        Decision.Refused d = decision(p, "ns/r", Decision.Refused.class);
        assertThat(d.reason()).isEqualTo(Reason.KeptForHost);
        assertThat(d.message()).contains("01.0001");
    }

    @Test
    void runningGuestLosesQueuesWhenItsHolderShrinks_listedAsAffected() {
        NodeInput node = node(range(1, 2), range(1, 4))
                .queue(Apqn.parse("01.0002"), CEX8_CCA.withVfio(dev.apqn.ap.ApQueue.VfioStatus.IN_USE))
                .queue(Apqn.parse("01.0001"), CEX8_CCA.withVfio(dev.apqn.ap.ApQueue.VfioStatus.IN_USE))
                .masks(ApMask.all().without(1), ApMask.all()).build();
        ReservationInput r = holder("ns/r", 0, explicit("01.0001"),
                dev.apqn.ap.Matrix.of(ids(1), ids(1, 2)));
        ReservationPlan rp = allocated(plan(node, r), "ns/r");
        assertThat(rp.affectedGuestQueues()).containsExactly(Apqn.parse("01.0002"));
    }

    @Test
    void controlDomainsOutsideTheNodeConfiguration_areAllocatedWithAWarning() {
        NodeInput node = node(range(1, 2), range(1, 4)).configured(range(1, 2), range(1, 4), ids(1, 2)).build();
        ReservationRequest.Explicit withCtl = new ReservationRequest.Explicit(apqns("01.0001"), ids(2, 9));
        ReservationPlan rp = allocated(plan(node, res("ns/r", 0, withCtl)), "ns/r");
        assertThat(rp.matrix().controlDomains()).isEqualTo(ids(2, 9));
        assertThat(rp.warnings()).anySatisfy(w -> assertThat(w).contains("spec.controlDomains 9"));
    }

    @Test
    void configuredApqnWithoutQueueDevice_costsTheRunningGuestItsAdapter() {
        NodeInput node = node(ids(1), ids(1))
                .queue(Apqn.parse("01.0001"), CEX8_CCA.withVfio(dev.apqn.ap.ApQueue.VfioStatus.IN_USE))
                .configured(ids(1), ids(1, 2), ApMask.none()).masks(ApMask.all().without(1), ApMask.all()).build();
        ReservationInput grow = holder("ns/r", 0, explicit("01.0001", "01.0002"), dev.apqn.ap.Matrix.of(ids(1), ids(1)));
        ReservationPlan rp = allocated(plan(node, grow), "ns/r");
        assertThat(rp.affectedGuestQueues()).containsExactly(Apqn.parse("01.0001"));
        assertThat(rp.warnings()).anySatisfy(w -> assertThat(w).contains("01.0002").contains("guest_matrix"));
    }

    @Test
    void planHashIsSha256OfTheCanonicalText() {
        assertThat(PlanHash.shortSha256("abc")).isEqualTo("ba7816bf8f01cfea");
    }
}
