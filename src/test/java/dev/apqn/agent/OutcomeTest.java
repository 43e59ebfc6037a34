package dev.apqn.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

/** The one precedence every verdict of a converge is picked by (host edits, wanted and released mdevs). */
class OutcomeTest {

    @Test
    void aStalePlanOutranksARefusalWhichOutranksAGuestWhichOutranksWorkUnderWay() {
        Outcome underWay = new Outcome(SyncState.APPLYING, "mdev not created yet");
        Outcome held = new Outcome(SyncState.IN_USE, "a guest uses the mdev");
        Outcome refused = new Outcome(SyncState.FAILED, "ENODEV");
        Outcome stale = new Outcome(SyncState.PLAN_STALE, "the queues no longer exist");

        assertThat(Outcome.verdict(List.of(underWay, held))).isEqualTo(held);
        assertThat(Outcome.verdict(List.of(underWay, held, refused))).isEqualTo(refused);
        assertThat(Outcome.verdict(List.of(underWay, refused, stale, held))).isEqualTo(stale);
    }

    @Test
    void whatTheKernelFiltersOutOutranksARepairedHandEditWhichOutranksReady() {
        Outcome degraded = new Outcome(SyncState.DEGRADED, "03.0014 is outside the host configuration");
        Outcome drifted = new Outcome(SyncState.DRIFTED, "changed by hand; repaired");

        assertThat(Outcome.verdict(List.of(Outcome.ready(), drifted))).isEqualTo(drifted);
        assertThat(Outcome.verdict(List.of(Outcome.ready(), drifted, degraded))).isEqualTo(degraded);
    }

    @Test
    void restoringRanksAsWorkUnderWayAndTheFirstOfEqualRankWins() {
        Outcome restoring = new Outcome(SyncState.RESTORING, "mdev not created yet");
        Outcome ownStale = new Outcome(SyncState.PLAN_STALE, "the mdev's queues are gone");
        Outcome hostStale = new Outcome(SyncState.PLAN_STALE, "the host edits would take 04.0004 without a claim");

        assertThat(Outcome.verdict(List.of(Outcome.ready(), restoring))).isEqualTo(restoring);
        assertThat(Outcome.verdict(List.of(restoring, new Outcome(SyncState.DEGRADED, "x")))).isEqualTo(restoring);
        assertThat(Outcome.verdict(List.of(ownStale, hostStale))).isEqualTo(ownStale);
        assertThat(Outcome.verdict(List.of(hostStale, ownStale))).isEqualTo(hostStale);
    }
}
