package dev.apqn.agent;

import java.time.Duration;
import java.util.Objects;

/**
 * How long the agent lets the host finish its requests before it takes queues away from it.
 * Taking a queue from the host (clearing a mask bit, setting a driver_override) makes the kernel
 * flush it: every queued and pending request completes with -EAGAIN, zcrypt retries non-admin
 * requests elsewhere and fails admin requests with EIO (ap-bus.md §4). A bounded wait first lets
 * most of them finish normally. The wait only polls {@code requestq_count + pendingq_count}; it
 * never sets zcrypt {@code online=0}, which would flush just the same.
 *
 * @param mode         {@link Mode#NONE}: take at once; {@link Mode#WAIT_BOUNDED}: poll until the
 *                     queues that will flip are idle or {@code timeout} has passed, then take anyway
 * @param timeout      the bound (ignored for NONE)
 * @param pollInterval time between two polls
 */
public record DrainPolicy(Mode mode, Duration timeout, Duration pollInterval) {

    public enum Mode { NONE, WAIT_BOUNDED }

    public DrainPolicy {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(pollInterval, "pollInterval");
        if (timeout.isNegative() || pollInterval.isNegative() || (mode == Mode.WAIT_BOUNDED && pollInterval.isZero())) {
            throw new IllegalArgumentException("drain timeout and poll interval must be positive");
        }
    }

    public static DrainPolicy none() {
        return new DrainPolicy(Mode.NONE, Duration.ZERO, Duration.ofMillis(100));
    }

    /** Waits at most {@code timeout}, polling every 100 ms. */
    public static DrainPolicy waitBounded(Duration timeout) {
        return new DrainPolicy(Mode.WAIT_BOUNDED, timeout, Duration.ofMillis(100));
    }

    public DrainPolicy withPollInterval(Duration interval) {
        return new DrainPolicy(mode, timeout, interval);
    }
}
