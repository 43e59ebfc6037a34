package dev.apqn.plan;

import dev.apqn.status.Reason;

import dev.apqn.ap.ApMask;
import dev.apqn.ap.Apqn;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Map;
import java.util.stream.Stream;

import static dev.apqn.plan.PlanFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

/** Each refusal names the field, the APQNs and the fix, and leaves the host alone. */
class RefusalTest {

    static final NodeInput NODE = node(range(1, 3), range(1, 4)).build();

    record Case(String name, PolicyView policy, ReservationRequest request, Reason reason, String mentions) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        PolicyView grants = PolicyView.none().withGrants(Map.of("team-a", new PolicyView.Grant(ids(1), range(1, 4))));
        return Stream.of(
                new Case("namespace not granted at all", grants, explicit("01.0001"), Reason.NotPermitted,
                        "spec.grants"),
                new Case("namespace granted other adapters", PolicyView.none().withGrants(
                        Map.of("ns", new PolicyView.Grant(ids(2), range(1, 4)))), explicit("01.0001"),
                        Reason.NotPermitted, "01.0001"),
                new Case("APQN not configured on the node", PolicyView.none(), explicit("09.0001"), Reason.ApqnNotFound,
                        "09.0001"),
                new Case("APQNs that are not a rectangle", PolicyView.none(), explicit("01.0001", "02.0002"),
                        Reason.NotRectangle, "01.0002"),
                new Case("empty request", PolicyView.none(), new ReservationRequest.Explicit(new java.util.TreeSet<>(), ApMask.none()),
                        Reason.InvalidSpec, "spec.apqns"),
                new Case("policy keeps the APQN", PolicyView.none().keeping(Apqn.parse("01.0001")), explicit("01.0001"),
                        Reason.KeptForHost, "spec.hostKeep"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void refused(Case c) {
        NodePlan p = plan(NODE, c.policy(), res("ns/r", 0, c.request()));
        Decision.Refused r = decision(p, "ns/r", Decision.Refused.class);
        assertThat(r.reason()).isEqualTo(c.reason());
        assertThat(r.message()).contains(c.mentions());
        assertThat(p.target().mdevs()).isEmpty();
        assertThat(p.target().claims()).isEmpty();
    }
}
