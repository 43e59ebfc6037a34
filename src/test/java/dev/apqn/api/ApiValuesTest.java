package dev.apqn.api;

import dev.apqn.api.v1alpha1.APNodeStateSpec;
import dev.apqn.api.v1alpha1.APQNReservationStatus;
import dev.apqn.api.v1alpha1.Allocation;
import dev.apqn.api.v1alpha1.Phase;
import dev.apqn.status.Conditions;
import dev.apqn.status.Reason;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The controller decides "write or not" with this on every pass: a miss is a lost update, a false alarm a needless write. */
class ApiValuesTest {

    static APQNReservationStatus status(Phase phase, Reason reason, String message) {
        var s = new APQNReservationStatus();
        s.setPhase(phase);
        s.setMessage(message);
        s.setConditions(Conditions.set(null, Conditions.READY, phase == Phase.Ready, reason, message, 1L, "2026-12-05T00:00:00Z"));
        return s;
    }

    @Test
    void equalTreesAreTheSameAndAnyFieldDifferenceIsSeen() {
        assertThat(ApiValues.same(status(Phase.Ready, Reason.Ready, ""), status(Phase.Ready, Reason.Ready, ""))).isTrue();
        assertThat(ApiValues.same(status(Phase.Ready, Reason.Ready, ""), status(Phase.Applying, Reason.Ready, ""))).isFalse();
        assertThat(ApiValues.same(status(Phase.Applying, Reason.Applying, "a"), status(Phase.Applying, Reason.Applying, "b")))
                .as("a nested condition's message").isFalse();
        assertThat(ApiValues.same(status(Phase.Applying, Reason.Applying, "a"), status(Phase.Applying, Reason.Draining, "a")))
                .as("a nested condition's reason").isFalse();
    }

    @Test
    void noneAndEmptyAreTheSameValue() {
        var a = new APNodeStateSpec();
        var b = new APNodeStateSpec();
        b.setAllocations(new ArrayList<>());
        assertThat(ApiValues.same(a, b)).isTrue();
        assertThat(ApiValues.same(null, List.of())).isTrue();
    }

    @Test
    void listsCompareElementByElementInOrder() {
        var x = new Allocation();
        x.setReservation("ns/a");
        var y = new Allocation();
        y.setReservation("ns/b");
        var one = new APNodeStateSpec();
        one.setAllocations(List.of(x, y));
        var two = new APNodeStateSpec();
        two.setAllocations(List.of(y, x));
        assertThat(ApiValues.same(one, two)).as("order is part of the value (SSA lists are ordered)").isFalse();
        var three = new APNodeStateSpec();
        three.setAllocations(List.of(x));
        assertThat(ApiValues.same(one, three)).isFalse();
    }
}
