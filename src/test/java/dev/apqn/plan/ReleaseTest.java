package dev.apqn.plan;

import dev.apqn.ap.ApMask;
import dev.apqn.ap.ApQueue;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.Matrix;
import org.junit.jupiter.api.Test;

import java.util.TreeSet;

import static dev.apqn.plan.PlanFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

/** Deletion: mdevs go, claims drop or stay KEPT, and a bit returns only when no claim needs it. */
class ReleaseTest {

    /** Wide node: one domain bit is the cheapest cover for 01.0001 and 02.0001; both are applied (aqmask bit 1 clear). */
    static final NodeInput APPLIED = node(range(1, 3), range(1, 6)).masks(ApMask.all(), ApMask.all().without(1)).build();
    static final ReservationInput A = holder("ns/a", 0, explicit("01.0001"), Matrix.of(ids(1), ids(1)));
    static final ReservationInput B = holder("ns/b", 1, explicit("02.0001"), Matrix.of(ids(2), ids(1)));

    @Test
    void sharedBitStaysWhileAnotherReservationNeedsIt_returnsWhenNothingDoes() {
        NodePlan both = plan(APPLIED, A, B);
        assertThat(both.target().domainsOffHost()).isEqualTo(ids(1));

        NodePlan oneLeft = plan(APPLIED, A.deleted(ReleasePolicy.RETURN_TO_HOST), B);
        assertThat(oneLeft.target().domainsOffHost()).isEqualTo(ids(1));
        assertThat(oneLeft.target().mdevs().values()).extracting(MdevTarget::owner).containsExactly("ns/b");
        assertThat(claims(oneLeft, OffHostClaim.Kind.RESERVED, "ns/a")).isEmpty();
        assertThat(claims(oneLeft, OffHostClaim.Kind.COLLATERAL, "ns/b")).contains(Apqn.parse("01.0001"));

        NodePlan none = plan(APPLIED, A.deleted(ReleasePolicy.RETURN_TO_HOST), B.deleted(ReleasePolicy.RETURN_TO_HOST));
        assertThat(none.target().domainsOffHost().isEmpty() && none.target().adaptersOffHost().isEmpty()).isTrue();
        assertThat(none.target().mdevs()).isEmpty();
        assertThat(none.target().claims()).isEmpty();
    }

    @Test
    void keepPolicy_keepsTheApqnsOffTheHostAsKeptClaims_andOnlyTheOwnerGetsThemBack() {
        NodePlan deleted = plan(APPLIED, A.deleted(ReleasePolicy.KEEP));
        Decision.Released rel = decision(deleted, "ns/a", Decision.Released.class);
        assertThat(rel.kept()).containsExactly(Apqn.parse("01.0001"));
        assertThat(deleted.target().mdevs()).isEmpty();
        assertThat(claims(deleted, OffHostClaim.Kind.KEPT, "ns/a")).containsExactly(Apqn.parse("01.0001"));
        assertThat(deleted.target().domainsOffHost()).isEqualTo(ids(1));

        // next round: the reservation is gone, the KEPT claim is carried in APNodeState.spec
        OffHostClaim keptClaim = new OffHostClaim(OffHostClaim.Kind.KEPT, "ns/a", new TreeSet<>(rel.kept()));
        NodeInput later = APPLIED.toBuilder().kept(keptClaim).build();
        NodePlan stillKept = plan(later);
        assertThat(claims(stillKept, OffHostClaim.Kind.KEPT, "ns/a")).containsExactly(Apqn.parse("01.0001"));
        assertThat(stillKept.target().domainsOffHost()).isEqualTo(ids(1));

        Decision.Conflict other = decision(plan(later, res("ns2/other", 0, explicit("01.0001"))), "ns2/other",
                Decision.Conflict.class);
        assertThat(other.holder()).isEqualTo("ns/a");
        assertThat(other.message()).contains("releasePolicy Keep");

        NodePlan recreated = plan(later, res("ns/a", 9, explicit("01.0001")));
        allocated(recreated, "ns/a");
        assertThat(claims(recreated, OffHostClaim.Kind.KEPT, "ns/a")).isEmpty();
        assertThat(claims(recreated, OffHostClaim.Kind.RESERVED, "ns/a")).containsExactly(Apqn.parse("01.0001"));
    }

    @Test
    void deletingReservation_isExcluded_andItsRunningGuestIsReported() {
        NodeInput node = APPLIED.toBuilder().queue(Apqn.parse("01.0001"), CEX8_CCA.withVfio(ApQueue.VfioStatus.IN_USE)).build();
        NodePlan p = plan(node, A.deleted(ReleasePolicy.RETURN_TO_HOST));
        Decision.Released rel = decision(p, "ns/a", Decision.Released.class);
        assertThat(rel.affectedGuestQueues()).containsExactly(Apqn.parse("01.0001"));
        assertThat(p.target().mdevs()).isEmpty();
        assertThat(p.target().claims()).isEmpty();
    }

    @Test
    void adminDeclaredApqns_stayOffTheHost_withAnAdminClaim() {
        PolicyView admin = new PolicyView("site", new TreeSet<>(), ApMask.none(), ApMask.none(), java.util.Map.of(), false,
                apqns("03.0002"));
        NodePlan p = plan(APPLIED, admin, A);
        assertThat(claims(p, OffHostClaim.Kind.ADMIN, "site")).containsExactly(Apqn.parse("03.0002"));
        assertThat(p.target().adaptersOffHost().get(3) || p.target().domainsOffHost().get(2)).isTrue();
    }
}
