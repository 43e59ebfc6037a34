package dev.apqn.plan;

import dev.apqn.ap.Matrix;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static dev.apqn.plan.PlanFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

/** Manual approval gates the plan on its hash; the hash is stable and covers the inventory generation. */
class ApprovalTest {

    static final NodeInput NODE = node(range(1, 3), range(1, 4)).build();
    static final ReservationInput MANUAL = res("ns/r", 0, explicit("01.0001")).manual(Optional.empty());

    @Test
    void manualReservation_awaitsApproval_andNothingGoesIntoTheTarget() {
        NodePlan p = plan(NODE, MANUAL);
        Decision.AwaitingApproval a = decision(p, "ns/r", Decision.AwaitingApproval.class);
        assertThat(a.plan().collateral()).isNotEmpty();
        assertThat(a.why()).contains(a.hash()).contains("spec.approvedPlan");
        assertThat(p.target().mdevs()).isEmpty();
        assertThat(p.target().claims()).isEmpty();
        assertThat(p.target().adaptersOffHost().isEmpty() && p.target().domainsOffHost().isEmpty()).isTrue();
    }

    @Test
    void approvedHash_runsExactlyThePlanShown() {
        String hash = decision(plan(NODE, MANUAL), "ns/r", Decision.AwaitingApproval.class).hash();
        NodePlan p = plan(NODE, MANUAL.manual(Optional.of(hash)));
        ReservationPlan rp = allocated(p, "ns/r");
        assertThat(rp.hash()).isEqualTo(hash);
        assertThat(p.target().mdevs()).hasSize(1);
    }

    @Test
    void staleApproval_afterTheInventoryMoved_awaitsAgain() {
        String hash = decision(plan(NODE, MANUAL), "ns/r", Decision.AwaitingApproval.class).hash();
        NodeInput moved = NODE.toBuilder().generation(NODE.inventoryGeneration() + 1).build();
        Decision.AwaitingApproval again = decision(plan(moved, MANUAL.manual(Optional.of(hash))), "ns/r",
                Decision.AwaitingApproval.class);
        assertThat(again.hash()).isNotEqualTo(hash);
    }

    @Test
    void sameInputs_sameHashes_differentGeneration_differentHashes() {
        NodePlan a = plan(NODE, res("ns/r", 0, explicit("01.0001")), res("ns/s", 1, explicit("02.0002")));
        NodePlan b = plan(NODE, res("ns/s", 1, explicit("02.0002")), res("ns/r", 0, explicit("01.0001")));
        assertThat(b.hash()).isEqualTo(a.hash());
        assertThat(b.decision("ns/r").hash()).isEqualTo(a.decision("ns/r").hash());
        assertThat(a.hash()).hasSize(PlanHash.HEX_CHARS).matches("[0-9a-f]+");

        NodeInput next = NODE.toBuilder().generation(NODE.inventoryGeneration() + 1).build();
        NodePlan c = plan(next, res("ns/r", 0, explicit("01.0001")), res("ns/s", 1, explicit("02.0002")));
        assertThat(c.hash()).isNotEqualTo(a.hash());
        assertThat(c.decision("ns/r").hash()).isNotEqualTo(a.decision("ns/r").hash());
    }

    @Test
    void approvedHolder_isNotGatedAgainWhenOnlyTheGenerationMoves() {
        String hash = decision(plan(NODE, MANUAL), "ns/r", Decision.AwaitingApproval.class).hash();
        ReservationPlan rp = allocated(plan(NODE, MANUAL.manual(Optional.of(hash))), "ns/r");
        NodeInput applied = NODE.toBuilder().generation(NODE.inventoryGeneration() + 5)
                .masks(dev.apqn.ap.ApMask.all().andNot(rp.adapterBits()), dev.apqn.ap.ApMask.all().andNot(rp.domainBits()))
                .build();
        ReservationInput holder = MANUAL.manual(Optional.of(hash)).withCurrent(new Allocation(rp.matrix(), rp.mdev(), true));
        allocated(plan(applied, holder), "ns/r");
    }

    @Test
    void specEditOfAManualHolder_awaitsApproval_whileTheOldMatrixStays() {
        Matrix held = Matrix.of(ids(1), ids(1));
        ReservationInput edited = holder("ns/r", 0, explicit("01.0001", "01.0002"), held).manual(Optional.empty());
        NodePlan p = plan(NODE.toBuilder().masks(dev.apqn.ap.ApMask.all().without(1), dev.apqn.ap.ApMask.all()).build(), edited);
        Decision.AwaitingApproval a = decision(p, "ns/r", Decision.AwaitingApproval.class);
        assertThat(a.retained()).isPresent();
        assertThat(p.target().mdevs().values()).extracting(MdevTarget::matrix).containsExactly(held);
    }

    @Test
    void policyRequiresApprovalForCollateral_evenWhenAutomatic() {
        PolicyView strict = PolicyView.none().collateralNeedsApproval(true);
        NodePlan p = plan(NODE, strict, res("ns/r", 0, explicit("01.0001")));
        Decision.AwaitingApproval a = decision(p, "ns/r", Decision.AwaitingApproval.class);
        assertThat(a.why()).contains("collateral");

        // no collateral (the whole adapter x domain cross is the request) → no approval needed
        NodeInput single = node(ids(1), ids(1)).build();
        allocated(plan(single, strict, res("ns/r", 0, explicit("01.0001"))), "ns/r");
    }
}
