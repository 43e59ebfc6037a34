package dev.apqn.agent;

import dev.apqn.agent.IntentLedger.Op;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The in-flight estimate of one confirmed host write that took queues from the host, as
 * {@link HostWriter} read it under the lock just before the write (what the intent ledger records
 * with the write). One per apmask/aqmask clear or driver_override flip.
 *
 * @param op             {@link Op#CLEAR_APMASK}, {@link Op#CLEAR_AQMASK} or {@link Op#SET_OVERRIDE}
 * @param object         what the write took, as the ledger names it (mask bits as a range list, an APQN)
 * @param inFlight       estimated requests in flight on all the queues the write took from the host
 * @param perReservation the same per reservation: the requests in flight on the taken queues it claims
 *                       (reserved and collateral); reservations claiming none of them are absent
 */
public record TakeoverEstimate(Op op, String object, int inFlight, SortedMap<String, Integer> perReservation) {

    public TakeoverEstimate {
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(object, "object");
        if (inFlight < 0) {
            throw new IllegalArgumentException("inFlight " + inFlight + " < 0");
        }
        perReservation = Collections.unmodifiableSortedMap(new TreeMap<>(perReservation == null ? Map.of() : perReservation));
    }
}
