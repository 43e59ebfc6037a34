package dev.apqn.plan;

import dev.apqn.ap.Apqn;
import dev.apqn.ap.Matrix;
import org.junit.jupiter.api.Test;

import static dev.apqn.plan.PlanFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

/** driver_override mode (6.19+): exact per-queue edits, never collateral, masks untouched. */
class OverrideModeTest {

    static NodeInput.Builder overrideNode() {
        return node(range(1, 4), range(1, 8)).mode(OwnershipMode.DRIVER_OVERRIDE);
    }

    @Test
    void rectangleBecomesExactlyItsOverrides_zeroCollateral() {
        NodePlan p = plan(overrideNode().build(), res("ns/r", 0, rect(ids(1, 2), ids(3, 4))));
        ReservationPlan rp = allocated(p, "ns/r");
        assertThat(rp.overrides()).containsExactlyElementsOf(apqns("01.0003", "01.0004", "02.0003", "02.0004"));
        assertThat(rp.collateral()).isEmpty();
        assertThat(p.target().overrides()).containsExactlyElementsOf(rp.overrides());
        assertThat(p.target().adaptersOffHost().isEmpty() && p.target().domainsOffHost().isEmpty()).isTrue();
        assertThat(p.target().claims()).extracting(OffHostClaim::kind).containsOnly(OffHostClaim.Kind.RESERVED);
    }

    @Test
    void foreignOverridesAreReliedOnButNotListed() {
        NodeInput node = overrideNode().foreignOverride(Apqn.parse("01.0003")).build();
        NodePlan p = plan(node, res("ns/r", 0, explicit("01.0003", "01.0004")));
        assertThat(p.target().overrides()).containsExactly(Apqn.parse("01.0004"));
        assertThat(claims(p, OffHostClaim.Kind.RESERVED, "ns/r")).containsExactlyElementsOf(apqns("01.0003", "01.0004"));
    }

    @Test
    void releaseDropsTheOverridesOfTheDeletedReservationOnly() {
        ReservationInput a = holder("ns/a", 0, explicit("01.0001"), Matrix.of(ids(1), ids(1)));
        ReservationInput b = holder("ns/b", 1, explicit("01.0002"), Matrix.of(ids(1), ids(2)));
        NodePlan p = plan(overrideNode().build(), a.deleted(ReleasePolicy.RETURN_TO_HOST), b);
        assertThat(p.target().overrides()).containsExactly(Apqn.parse("01.0002"));
        assertThat(p.target().mdevs().values()).extracting(MdevTarget::owner).containsExactly("ns/b");
    }
}
