package dev.apqn.plan;

import dev.apqn.status.Reason;

import dev.apqn.ap.Apqn;

import java.util.Collection;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Why one request cannot be planned: the reason code, the message for the reservation's status
 * (it names the field and the fix) and the APQNs it is about.
 */
record Refusal(Reason reason, String message, SortedSet<Apqn> apqns) {

    Refusal {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(message, "message");
        apqns = new TreeSet<>(apqns);
    }

    Refusal(Reason reason, String message, Collection<Apqn> apqns) {
        this(reason, message, new TreeSet<>(apqns));
    }
}
