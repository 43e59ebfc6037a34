package dev.apqn.apbus.sim;

import dev.apqn.apbus.Apqn;

/**
 * Contract placeholder: the zcrypt request traffic model. Implemented in full by its owner; the
 * simulated kernel calls {@link #flush(Apqn)} whenever a queue's outstanding requests complete
 * with -EAGAIN (leaving its driver, reset, online=0, checkstop, deconfiguration) and reads the
 * per-queue counters for sysfs.
 */
public class ZcryptTraffic {

    public ZcryptTraffic(HostQueues queues, long seed) {
    }

    /** Completes every queued and pending request of the queue with -EAGAIN (retried per zcrypt rules). */
    public void flush(Apqn apqn) {
    }

    /** Requests not yet sent to the card (the queue's request list). */
    public int requestqCount(Apqn apqn) {
        return 0;
    }

    /** Requests sent and not yet answered (the queue's pending list). */
    public int pendingqCount(Apqn apqn) {
        return 0;
    }

    /** Requests processed by this queue since its counter was last reset. */
    public long requestCount(Apqn apqn) {
        return 0;
    }

    /** Resets the queue's processed-request counter (a write to request_count). */
    public void resetRequestCount(Apqn apqn) {
    }
}
