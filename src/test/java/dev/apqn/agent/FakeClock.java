package dev.apqn.agent;

import java.time.Duration;

/** Time that moves only when the agent sleeps; each sleep can run a hook (e.g. let simulated traffic progress). */
final class FakeClock implements AgentClock {

    private long nanos;
    private Runnable onSleep = () -> { };
    private int sleeps;

    void onSleep(Runnable hook) {
        this.onSleep = hook;
    }

    int sleeps() {
        return sleeps;
    }

    @Override
    public long nanoTime() {
        return nanos;
    }

    @Override
    public void sleep(Duration d) {
        nanos += d.toNanos();
        sleeps++;
        onSleep.run();
    }

    @Override
    public long wallMillis() {
        return 1_700_000_000_000L + nanos / 1_000_000;
    }
}
