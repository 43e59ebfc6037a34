package dev.apqn.agent;

import java.time.Duration;

/**
 * Time as the agent sees it: a monotonic clock for bounded waits, a sleeper between polls and a
 * wall clock (only to seed the inventory generation). Tests pass one whose {@link #sleep} advances
 * a fake clock and moves simulated traffic, so that no test depends on real time.
 */
public interface AgentClock {

    long nanoTime();

    void sleep(Duration d) throws InterruptedException;

    long wallMillis();

    static AgentClock system() {
        return new AgentClock() {
            @Override
            public long nanoTime() {
                return System.nanoTime();
            }

            @Override
            public void sleep(Duration d) throws InterruptedException {
                Thread.sleep(d.toMillis(), d.toNanosPart() % 1_000_000);
            }

            @Override
            public long wallMillis() {
                return System.currentTimeMillis();
            }
        };
    }
}
