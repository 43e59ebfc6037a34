package dev.apqn.agent;

import dev.apqn.ap.Apqn;
import dev.apqn.ap.Errno;
import dev.apqn.apbus.ApBus;
import dev.apqn.apbus.SysfsException;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The drain step before queues leave the host: polls {@link ApBus#inFlight} of every queue that
 * will flip (collateral included, since the kernel flushes those too) until all are idle or the
 * policy's bound has passed. It never holds the AP configuration lock (other tools may work
 * meanwhile) and never writes anything.
 */
final class Drainer {

    /**
     * What the drain saw.
     *
     * @param queues       the queues polled
     * @param initial      requests in flight at the first poll
     * @param remaining    requests in flight at the last poll (the estimate for the write that follows)
     * @param waited       time spent waiting
     * @param timedOut     true if the bound passed with requests still in flight
     */
    record Result(SortedSet<Apqn> queues, int initial, int remaining, Duration waited, boolean timedOut) {
        static Result nothing() {
            return new Result(new TreeSet<>(), 0, 0, Duration.ZERO, false);
        }
    }

    private final ApBus bus;
    private final AgentClock clock;

    Drainer(ApBus bus, AgentClock clock) {
        this.bus = Objects.requireNonNull(bus);
        this.clock = Objects.requireNonNull(clock);
    }

    Result drain(Collection<Apqn> flipping, DrainPolicy policy) throws SysfsException, InterruptedException {
        SortedSet<Apqn> queues = new TreeSet<>(flipping);
        if (queues.isEmpty()) {
            return Result.nothing();
        }
        long start = clock.nanoTime();
        int initial = inFlight(queues);
        int now = initial;
        if (policy.mode() == DrainPolicy.Mode.WAIT_BOUNDED) {
            long deadline = start + policy.timeout().toNanos();
            while (now > 0 && clock.nanoTime() - deadline < 0) {
                clock.sleep(policy.pollInterval());
                now = inFlight(queues);
            }
        }
        Duration waited = Duration.ofNanos(clock.nanoTime() - start);
        return new Result(queues, initial, now, waited, policy.mode() == DrainPolicy.Mode.WAIT_BOUNDED && now > 0);
    }

    /** Requests in flight now per queue; a queue that vanished counts 0 (nothing left to flush). */
    java.util.SortedMap<Apqn, Integer> inFlightPerQueue(Collection<Apqn> queues) throws SysfsException {
        java.util.SortedMap<Apqn, Integer> out = new java.util.TreeMap<>();
        for (Apqn q : List.copyOf(queues)) {
            int n = 0;
            try {
                n = bus.inFlight(q);
            } catch (SysfsException e) {
                if (e.errno() != Errno.ENOENT) {
                    throw e;
                }
            }
            out.put(q, n);
        }
        return out;
    }

    /** Sum of requests in flight now; a queue that vanished counts 0 (nothing left to flush). */
    int inFlight(Collection<Apqn> queues) throws SysfsException {
        int sum = 0;
        for (Apqn q : List.copyOf(queues)) {
            try {
                sum += bus.inFlight(q);
            } catch (SysfsException e) {
                if (e.errno() != Errno.ENOENT) {
                    throw e;
                }
            }
        }
        return sum;
    }
}
