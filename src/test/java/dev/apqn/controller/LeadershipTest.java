package dev.apqn.controller;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Losing the leadership while running ends the process; the leadership ending on an orderly shutdown does not. */
class LeadershipTest {

    @Test
    void lostLeadershipWhileRunningExits() {
        var exits = new AtomicInteger();
        var l = new Leadership("ctl-a", exits::incrementAndGet);
        l.callbacks().onStartLeading();
        assertThat(l.leading()).isTrue();
        l.callbacks().onStopLeading();
        assertThat(exits).hasValue(1);
        assertThat(l.leading()).isFalse();
    }

    @Test
    void leadershipEndingOnShutdownDoesNotExit() {
        var exits = new AtomicInteger();
        var l = new Leadership("ctl-a", exits::incrementAndGet);
        l.callbacks().onStartLeading();
        l.shutDown();
        l.callbacks().onStopLeading();
        assertThat(exits).hasValue(0);
    }

    @Test
    void theObservedLeaderIsKept() {
        var l = new Leadership("ctl-b", () -> { });
        l.callbacks().onNewLeader("ctl-a");
        assertThat(l.leader()).isEqualTo("ctl-a");
        assertThat(l.leading()).isFalse();
    }
}
