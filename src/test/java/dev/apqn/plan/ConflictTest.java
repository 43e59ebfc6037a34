package dev.apqn.plan;

import dev.apqn.status.Reason;

import dev.apqn.ap.Apqn;
import dev.apqn.ap.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import static dev.apqn.plan.PlanFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

/** Who gets a contested APQN: holder, then older, then namespace/name; foreign mdevs always win. */
class ConflictTest {

    static final NodeInput NODE = node(range(1, 4), range(1, 4)).build();

    record Case(String name, List<ReservationInput> reservations, String winner, String loser) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> ordering() {
        Matrix one = Matrix.of(ids(1), ids(1));
        return Stream.of(
                new Case("the holder wins over an older newcomer",
                        List.of(res("ns/older", 0, explicit("01.0001")),
                                holder("ns/holder", 5, explicit("01.0001"), one)), "ns/holder", "ns/older"),
                new Case("between newcomers the older wins",
                        List.of(res("ns/young", 9, explicit("01.0001")), res("ns/old", 1, explicit("01.0001"))),
                        "ns/old", "ns/young"),
                new Case("same age: namespace/name decides",
                        List.of(res("b/x", 3, explicit("01.0001")), res("a/z", 3, explicit("01.0001"))),
                        "a/z", "b/x"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ordering")
    void contestedApqn(Case c) {
        NodePlan p = plan(NODE, c.reservations().toArray(ReservationInput[]::new));
        allocated(p, c.winner());
        Decision.Conflict lost = decision(p, c.loser(), Decision.Conflict.class);
        assertThat(lost.holder()).isEqualTo(c.winner());
        assertThat(lost.contested()).containsExactly(Apqn.parse("01.0001"));
        assertThat(lost.message()).contains(c.winner());
        assertThat(p.target().mdevs().values()).extracting(MdevTarget::owner).containsExactly(c.winner());
    }

    @Test
    void loserBecomesAllocatedOnceTheHolderIsGone() {
        ReservationInput holder = holder("ns/holder", 5, explicit("01.0001"), Matrix.of(ids(1), ids(1)));
        ReservationInput waiting = res("ns/waiting", 0, explicit("01.0001"));
        assertThat(plan(NODE, holder, waiting).decision("ns/waiting")).isInstanceOf(Decision.Conflict.class);

        NodePlan released = plan(NODE, holder.deleted(ReleasePolicy.RETURN_TO_HOST), waiting);
        assertThat(released.decision("ns/holder")).isInstanceOf(Decision.Released.class);
        assertThat(allocated(released, "ns/waiting").matrix()).isEqualTo(Matrix.of(ids(1), ids(1)));
    }

    @Test
    void sharedAdapterWithDisjointDomains_bothAllocated() {
        NodePlan p = plan(NODE, res("ns/a", 0, explicit("02.0001", "02.0002")), res("ns/b", 1, explicit("02.0003")));
        allocated(p, "ns/a");
        allocated(p, "ns/b");
        assertThat(p.target().mdevs()).hasSize(2);
    }

    @Test
    void specEditOfAReadyHolder_neverTakesFromAnotherHolder_andKeepsItsOwnMatrix() {
        Matrix aHeld = Matrix.of(ids(1), ids(1));
        Matrix bHeld = Matrix.of(ids(1), ids(2));
        ReservationInput a = holder("ns/a", 0, explicit("01.0001", "01.0002"), aHeld);
        ReservationInput b = holder("ns/b", 9, explicit("01.0002"), bHeld);
        NodePlan p = plan(NODE, a, b);
        Decision.Conflict c = decision(p, "ns/a", Decision.Conflict.class);
        assertThat(c.holder()).isEqualTo("ns/b");
        assertThat(c.contested()).containsExactly(Apqn.parse("01.0002"));
        assertThat(c.retained()).isPresent();
        allocated(p, "ns/b");
        assertThat(p.target().mdevs().values()).extracting(MdevTarget::owner, MdevTarget::matrix)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("ns/a", aHeld),
                        org.assertj.core.groups.Tuple.tuple("ns/b", bHeld));
    }

    @Test
    void foreignMdevApqnsAreNeverAllocated() {
        UUID foreign = UUID.fromString("00000000-0000-0000-0000-0000000000f1");
        NodeInput node = node(range(1, 4), range(1, 4)).foreignOff(ids(3), ids())
                .foreignMdev(new ForeignMdev(foreign, Matrix.of(ids(3), ids(1, 2)))).build();
        NodePlan p = plan(node, res("ns/explicit", 0, explicit("03.0001")),
                res("ns/select", 1, ReservationRequest.Selection.of(1, 4)));
        Decision.Refused r = decision(p, "ns/explicit", Decision.Refused.class);
        assertThat(r.reason()).isEqualTo(Reason.ForeignMdev);
        assertThat(r.message()).contains(foreign.toString());
        assertThat(allocated(p, "ns/select").matrix().adapters().get(3)).isFalse();
        assertThat(p.target().mdevs().values()).allSatisfy(m -> assertThat(m.matrix().overlaps(Matrix.of(ids(3), ids(1, 2)))).isFalse());
    }
}
