package dev.apqn.plan;

import dev.apqn.status.Reason;

import dev.apqn.ap.ApMask;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.Matrix;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.apqn.plan.PlanFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

/** Grants allow exactly what the admin wrote: single APQNs are never widened to their adapters x domains. */
class GrantTest {

    static final NodeInput NODE = node(range(1, 3), range(1, 4)).build();

    static PolicyView granting(String ns, PolicyView.Grant g) {
        return PolicyView.none().withGrants(Map.of(ns, g));
    }

    @Test
    void aGrantOfSingleApqnsGrantsThoseAndNothingBesides() {
        PolicyView p = granting("ns", PolicyView.Grant.ofApqns(apqns("01.0001", "02.0002")));
        assertThat(p.grants("ns", Apqn.parse("01.0001"))).isTrue();
        assertThat(p.grants("ns", Apqn.parse("02.0002"))).isTrue();
        assertThat(p.grants("ns", Apqn.parse("01.0002"))).as("not the rectangle's other corner").isFalse();
        assertThat(p.grants("ns", Apqn.parse("02.0001"))).isFalse();

        allocated(plan(NODE, p, res("ns/ok", 0, explicit("01.0001"))), "ns/ok");
        Decision.Refused r = decision(plan(NODE, p, res("ns/r", 0, explicit("01.0001", "01.0002"))), "ns/r",
                Decision.Refused.class);
        assertThat(r.reason()).isEqualTo(Reason.NotPermitted);
        assertThat(r.apqns()).containsExactly(Apqn.parse("01.0002"));
        assertThat(r.message()).contains("APQNs 01.0001,02.0002");
    }

    @Test
    void twoGrantEntriesAddUpWithoutMergingIntoOneRectangle() {
        PolicyView.Grant g = new PolicyView.Grant(ids(1), ids(1)).plus(new PolicyView.Grant(ids(2), ids(2)))
                .plus(PolicyView.Grant.ofApqns(apqns("03.0004")));
        PolicyView p = granting("ns", g);
        assertThat(p.grants("ns", Apqn.parse("01.0001"))).isTrue();
        assertThat(p.grants("ns", Apqn.parse("02.0002"))).isTrue();
        assertThat(p.grants("ns", Apqn.parse("03.0004"))).isTrue();
        assertThat(p.grants("ns", Apqn.parse("01.0002"))).isFalse();
        assertThat(p.grants("ns", Apqn.parse("02.0001"))).isFalse();
        assertThat(p.grants("ns", Apqn.parse("03.0001"))).isFalse();
        assertThat(p.grants("other", Apqn.parse("01.0001"))).isFalse();
    }

    @Test
    void selectionPicksOnlyGrantedApqns() {
        // only 02.0003 is granted: a 1x1 selection must take exactly it, though 01.0001 has lower ids
        PolicyView p = granting("ns", PolicyView.Grant.ofApqns(apqns("02.0003")));
        ReservationPlan rp = allocated(plan(NODE, p, res("ns/sel", 0, ReservationRequest.Selection.of(1, 1))), "ns/sel");
        assertThat(rp.matrix()).isEqualTo(Matrix.of(ids(2), ids(3)));
        Decision.Refused r = decision(plan(NODE, p, res("ns/two", 0, ReservationRequest.Selection.of(1, 2))), "ns/two",
                Decision.Refused.class);
        assertThat(r.reason()).isEqualTo(Reason.InsufficientCapacity);
    }

    @Test
    void theStarNamespaceGrantsEveryNamespace() {
        PolicyView p = PolicyView.none().withGrants(Map.of(PolicyView.ANY_NAMESPACE,
                new PolicyView.Grant(List.of(new PolicyView.Grant.Area(ids(1), ApMask.all())), apqns()),
                "ns", PolicyView.Grant.ofApqns(apqns("02.0002"))));
        assertThat(p.grants("anyone", Apqn.parse("01.0004"))).isTrue();
        assertThat(p.grants("anyone", Apqn.parse("02.0002"))).isFalse();
        assertThat(p.grants("ns", Apqn.parse("02.0002"))).isTrue();
        assertThat(p.grants("ns", Apqn.parse("01.0003"))).isTrue();
        assertThat(p.grantOf("ns").orElseThrow().describe()).isEqualTo("adapters 1 x domains any; APQNs 02.0002");
    }
}
