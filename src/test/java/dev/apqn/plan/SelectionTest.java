package dev.apqn.plan;

import dev.apqn.status.Reason;

import dev.apqn.ap.ApCard;
import dev.apqn.ap.ApMask;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.CardGeneration;
import dev.apqn.ap.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static dev.apqn.plan.PlanFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

/** Selection requests: free, filtered, least collateral, lowest ids; picked once, then reused. */
class SelectionTest {

    static final QueueInfo CEX7_CCA = QueueInfo.host(CardGeneration.CEX7, ApCard.Mode.CCA);
    static final QueueInfo CEX8_EP11 = QueueInfo.host(CardGeneration.CEX8, ApCard.Mode.EP11);

    /** adapters 1 CEX7 CCA, 2 CEX8 EP11, 3..5 CEX8 CCA; domains 1..6 everywhere. */
    static NodeInput.Builder mixedCards() {
        return NodeInput.builder("node-a", OwnershipMode.MASKS, 3)
                .queues(ids(1), range(1, 6), CEX7_CCA)
                .queues(ids(2), range(1, 6), CEX8_EP11)
                .queues(range(3, 5), range(1, 6), CEX8_CCA);
    }

    record Case(String name, NodeInput node, List<ReservationInput> others, ReservationRequest.Selection request,
                Matrix expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("filters on generation and mode, lowest ids on a tie", mixedCards().build(), List.of(),
                        new ReservationRequest.Selection(2, 1, Set.of(CardGeneration.CEX8), Set.of(ApCard.Mode.CCA), ApMask.none()),
                        Matrix.of(ids(3, 4), ids(1))),
                new Case("only the EP11 card matches", mixedCards().build(), List.of(),
                        new ReservationRequest.Selection(1, 2, Set.of(), Set.of(ApCard.Mode.EP11), ApMask.none()),
                        Matrix.of(ids(2), ids(1, 2))),
                new Case("held APQN skipped; the domain bit the holder's cover cleared is reused at no cost", mixedCards().build(),
                        List.of(res("ns/first", 0, explicit("03.0001"))),
                        new ReservationRequest.Selection(1, 1, Set.of(CardGeneration.CEX8), Set.of(ApCard.Mode.CCA), ApMask.none()),
                        Matrix.of(ids(4), ids(1))),
                new Case("a domain bit already cleared by the operator costs nothing new: it is preferred",
                        mixedCards().masks(ApMask.all(), ApMask.all().without(5)).build(), List.of(),
                        new ReservationRequest.Selection(1, 1, Set.of(CardGeneration.CEX8), Set.of(ApCard.Mode.CCA), ApMask.none()),
                        Matrix.of(ids(3), ids(5))),
                new Case("APQNs someone else took off the host are never picked",
                        mixedCards().foreignOff(ids(3), ApMask.none()).build(), List.of(),
                        new ReservationRequest.Selection(1, 1, Set.of(CardGeneration.CEX8), Set.of(ApCard.Mode.CCA), ApMask.none()),
                        Matrix.of(ids(4), ids(1))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void selects(Case c) {
        List<ReservationInput> rs = new java.util.ArrayList<>(c.others());
        rs.add(res("ns/sel", 5, c.request()));
        NodePlan p = plan(c.node(), rs.toArray(ReservationInput[]::new));
        assertThat(allocated(p, "ns/sel").matrix()).isEqualTo(c.expected());
    }

    @Test
    void selectionPrefersTheCoverWithLeastCollateral() {
        // adapter 1 has a single domain; adapters 2..4 have six: 1 adapter x 1 domain is cheapest on adapter 1.
        NodeInput node = NodeInput.builder("node-a", OwnershipMode.MASKS, 1)
                .queues(range(2, 4), range(1, 6), CEX8_CCA).queues(ids(1), ids(6), CEX8_CCA)
                .configured(ApMask.none(), ApMask.none(), ApMask.none()).build();
        ReservationPlan rp = allocated(plan(node, res("ns/sel", 0, ReservationRequest.Selection.of(1, 1))), "ns/sel");
        assertThat(rp.matrix()).isEqualTo(Matrix.of(ids(1), ids(6)));
        assertThat(rp.collateral()).isEmpty();
    }

    @Test
    void existingAllocationIsReusedEvenWhenInventoryChanges() {
        ReservationRequest.Selection sel = ReservationRequest.Selection.of(1, 2);
        NodeInput before = mixedCards().build();
        ReservationPlan first = allocated(plan(before, res("ns/sel", 0, sel)), "ns/sel");
        assertThat(first.matrix()).isEqualTo(Matrix.of(ids(1), ids(1, 2)));

        // the agent applied it; card 1 lost a queue and the generation moved on; a cheaper spot appeared
        NodeInput after = mixedCards().generation(4).removeQueue(Apqn.parse("01.0003"))
                .masks(ApMask.all().without(1), ApMask.all().without(6)).build();
        ReservationInput held = res("ns/sel", 0, sel).withCurrent(new Allocation(first.matrix(), first.mdev(), true));
        ReservationPlan again = allocated(plan(after, held), "ns/sel");
        assertThat(again.matrix()).isEqualTo(first.matrix());
        assertThat(again.mdev()).isEqualTo(first.mdev());
    }

    @Test
    void unsatisfiableSelection_noCapacityNamingTheCounts() {
        NodePlan p = plan(mixedCards().build(), res("ns/sel", 0,
                new ReservationRequest.Selection(2, 1, Set.of(CardGeneration.CEX7), Set.of(), ApMask.none())));
        Decision.Refused r = decision(p, "ns/sel", Decision.Refused.class);
        assertThat(r.reason()).isEqualTo(Reason.InsufficientCapacity);
        assertThat(r.message()).contains("spec.select 2 adapters x 1 domains").contains("CEX7");
    }

    @Test
    void selectionAvoidsPolicyKeptApqns() {
        PolicyView keep = new PolicyView("p", new java.util.TreeSet<>(), ids(1, 2, 3), ApMask.none(), java.util.Map.of(),
                false, new java.util.TreeSet<>());
        ReservationPlan rp = allocated(plan(mixedCards().build(), keep, res("ns/sel", 0, ReservationRequest.Selection.of(1, 1))), "ns/sel");
        assertThat(rp.matrix().adapters().idList()).doesNotContain(1, 2, 3);
    }

    @Test
    void sameAsUsageMakesThePickedDomainsTheControlDomainsAndAHolderKeepsThem() {
        NodeInput node = mixedCards().build();
        var sel = new ReservationRequest.Selection(1, 2, Set.of(CardGeneration.CEX8), Set.of(ApCard.Mode.CCA), ApMask.none())
                .sameAsUsage();
        ReservationPlan rp = allocated(plan(node, res("ns/sel", 0, sel)), "ns/sel");
        assertThat(rp.matrix().adapters()).isEqualTo(ids(3));
        assertThat(rp.matrix().controlDomains()).as("control domains = the picked usage domains")
                .isEqualTo(rp.matrix().domains());
        assertThat(rp.matrix().domains().cardinality()).isEqualTo(2);
        ReservationPlan plain = allocated(plan(node, res("ns/sel", 0, ReservationRequest.Selection.of(1, 2))), "ns/sel");
        assertThat(plain.matrix().controlDomains().isEmpty()).isTrue();
        assertThat(plain.hash()).as("the control domains are part of the plan hash").isNotEqualTo(rp.hash());
        // picked once: a holder keeps its recorded matrix, control domains included
        NodePlan again = plan(node, holder("ns/sel", 0, sel, rp.matrix()));
        assertThat(allocated(again, "ns/sel").matrix()).isEqualTo(rp.matrix());
        assertThat(again.target().mdevs().values()).singleElement()
                .satisfies(m -> assertThat(m.matrix().controlDomains()).isEqualTo(rp.matrix().domains()));
    }
}
