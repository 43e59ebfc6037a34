package dev.apqn.agent.kube;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apqn.api.v1alpha1.APNodeStateStatus;
import dev.apqn.api.v1alpha1.ReservationSync;
import dev.apqn.status.Conditions;
import dev.apqn.status.Reason;
import java.util.List;
import org.junit.jupiter.api.Test;

class RebootNoticeTest {

    static ReservationSync sync(String reservation, ReservationSync.State state) {
        var s = new ReservationSync();
        s.setReservation(reservation);
        s.setState(state);
        s.setReason(Reason.parse(state.name()).orElse(Reason.Applying));
        s.setLastTransitionTime("2026-12-05T01:00:00Z");
        return s;
    }

    @Test
    void reservationsThatHeldQueuesAndTheNodeAreRestoringFromNow() {
        var published = new APNodeStateStatus();
        published.setReservations(List.of(sync("a/ready", ReservationSync.State.Ready),
                sync("a/gone", ReservationSync.State.Released), sync("a/pending", ReservationSync.State.Pending)));

        APNodeStateStatus notice = RebootNotice.restoring(published, "2026-12-05T02:00:00Z");

        assertThat(notice.getReservations()).extracting(ReservationSync::getReservation, ReservationSync::getState,
                        ReservationSync::getLastTransitionTime)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("a/ready", ReservationSync.State.Restoring, "2026-12-05T02:00:00Z"),
                        org.assertj.core.groups.Tuple.tuple("a/gone", ReservationSync.State.Released, "2026-12-05T01:00:00Z"),
                        org.assertj.core.groups.Tuple.tuple("a/pending", ReservationSync.State.Pending, "2026-12-05T01:00:00Z"));
        assertThat(notice.getReservations().get(0).getReason()).isEqualTo(Reason.RecoveringIntent);
        assertThat(Conditions.find(notice.getConditions(), Conditions.RESTORING).orElseThrow().getStatus()).isEqualTo("True");
        // the published status itself is not changed (it is the informer cache's object)
        assertThat(published.getReservations().get(0).getState()).isEqualTo(ReservationSync.State.Ready);
        assertThat(published.getConditions()).isNull();
    }

    @Test
    void aNodeWithoutHeldReservationsHasNothingToSay() {
        var published = new APNodeStateStatus();
        published.setReservations(List.of(sync("a/gone", ReservationSync.State.Released)));
        assertThat(RebootNotice.restoring(published, "2026-12-05T02:00:00Z")).isNull();
        assertThat(RebootNotice.restoring(null, "2026-12-05T02:00:00Z")).isNull();
    }
}
