package dev.apqn.agent;

import dev.apqn.ap.Errno;
import dev.apqn.apbus.SysfsException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What one converge lists in its {@link ConvergeReport} besides the verdicts: the sentences of its
 * host changes (events), of hand edits (drifts) and of objects it leaves alone (foreign), and the
 * figures for metrics (refused writes, takeover estimates, whether the drain gave up).
 */
final class PassLog {

    final List<String> events = new ArrayList<>();
    final List<String> drifts = new ArrayList<>();
    final List<String> foreign = new ArrayList<>();
    private final List<Errno> refusedWrites = new ArrayList<>();
    private final List<TakeoverEstimate> takeovers = new ArrayList<>();
    private boolean drainTimedOut;

    /**
     * A refusal the converge reports (in the host edits' or an mdev's state) instead of throwing:
     * keeps the errno of a refused write for {@link ConvergeReport#refusedWriteErrnos()} (a failed
     * read, caught at the same sites, is not a write) and returns the sentence.
     */
    String refusal(SysfsException ex) {
        if (ex.operation() == SysfsException.Operation.WRITE) {
            refusedWrites.add(ex.errno());
        }
        return ex.getMessage();
    }

    /** A confirmed write that took queues from the host. */
    void took(TakeoverEstimate t) {
        takeovers.add(t);
    }

    void drained(Drainer.Result d) {
        drainTimedOut |= d.timedOut();
    }

    boolean drainTimedOut() {
        return drainTimedOut;
    }

    List<Errno> refusedWrites() {
        return List.copyOf(refusedWrites);
    }

    List<TakeoverEstimate> takeovers() {
        return List.copyOf(takeovers);
    }

    /** The requests in flight at all takes of this converge. */
    int inFlightAtWrite() {
        return takeovers.stream().mapToInt(TakeoverEstimate::inFlight).sum();
    }

    /** How an in-flight estimate per reservation reads in events: {@code ns/a 4, ns/b 0}. */
    static String describeInFlight(Map<String, Integer> perOwner) {
        if (perOwner.isEmpty()) {
            return "none of the flipped queues is claimed";
        }
        StringBuilder sb = new StringBuilder();
        perOwner.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(k).append(' ').append(v));
        return sb.toString();
    }

    /** The same per reservation. */
    SortedMap<String, Integer> inFlightThisPass() {
        SortedMap<String, Integer> out = new TreeMap<>();
        takeovers.forEach(t -> t.perReservation().forEach((k, v) -> out.merge(k, v, Integer::sum)));
        return out;
    }
}
