package dev.apqn.apbus.sim;

import dev.apqn.ap.Apqn;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * What one {@link ZcryptTraffic#flush(Apqn)} did.
 *
 * @param apqn                 the flushed queue
 * @param pending              requests that were on its pending list (already sent)
 * @param queued               requests that were on its request list (never sent)
 * @param rescheduledTo        retries per queue they were put on
 * @param adminEio             admin requests failed with EIO at once
 * @param exhaustedEio         non-admin requests failed with EIO after TRACK_AGAIN_MAX attempts
 * @param enodev               requests failed with ENODEV (no usable queue left)
 * @param mayExecuteTwice      rescheduled requests that were pending, so the card may already have run them
 */
public record ZcryptFlushReport(Apqn apqn, int pending, int queued, SortedMap<Apqn, Integer> rescheduledTo,
                                int adminEio, int exhaustedEio, int enodev, int mayExecuteTwice) {

    public ZcryptFlushReport {
        rescheduledTo = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(rescheduledTo));
    }

    public int rescheduled() {
        return rescheduledTo.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** E.g. "flushed 05.0004: 3 pending + 2 queued completed with -EAGAIN; 4 rescheduled to 06.0004, ...". */
    public String describe() {
        if (pending + queued == 0) {
            return "flushed " + apqn + ": no outstanding requests";
        }
        List<String> outcomes = new ArrayList<>();
        int rescheduled = rescheduled();
        if (rescheduled > 0) {
            String where = rescheduledTo.size() == 1 ? rescheduledTo.firstKey().toString()
                    : rescheduledTo.entrySet().stream().map(e -> e.getKey() + " (" + e.getValue() + ")")
                    .collect(Collectors.joining(", "));
            outcomes.add(rescheduled + " rescheduled to " + where);
        }
        if (adminEio > 0) {
            outcomes.add(adminEio + " admin " + plural(adminEio, "request") + " failed with EIO (never replayed)");
        }
        if (exhaustedEio > 0) {
            outcomes.add(exhaustedEio + " failed with EIO after " + ZcryptTraffic.TRACK_AGAIN_MAX + " attempts");
        }
        if (enodev > 0) {
            outcomes.add(enodev + " failed with ENODEV (no usable queue)");
        }
        String text = "flushed " + apqn + ": " + pending + " pending + " + queued + " queued completed with -EAGAIN; "
                + String.join(", ", outcomes);
        if (mayExecuteTwice > 0) {
            text += "; " + mayExecuteTwice + " had already been sent and may execute twice";
        }
        return text;
    }

    private static String plural(int n, String word) {
        return n == 1 ? word : word + "s";
    }

    @Override
    public String toString() {
        return describe();
    }
}
