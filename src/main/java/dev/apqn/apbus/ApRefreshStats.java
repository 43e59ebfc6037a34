package dev.apqn.apbus;

import java.util.List;
import java.util.Objects;

/**
 * What one {@link ApBus#inventory()}, {@link ApBus#refresh()} or {@link ApBus#rereadWritten()} cost and why.
 *
 * @param kind          full read, periodic full resync, incremental refresh, or the reread of what the bus's own writes changed
 * @param reads         sysfs calls that read ({@code read}, {@code list}, {@code exists}, {@code readLink})
 * @param cardsReread   cards whose own attributes were read in full (beyond the cheap signals)
 * @param queuesReread  queue devices whose attributes were read
 * @param reasons       the signals that caused rereads, in the order found (empty for a quiet refresh)
 */
public record ApRefreshStats(Kind kind, long reads, int cardsReread, int queuesReread, List<String> reasons) {

    public enum Kind { FULL, PERIODIC_FULL, INCREMENTAL, WRITTEN }

    public ApRefreshStats {
        Objects.requireNonNull(kind, "kind");
        reasons = List.copyOf(reasons);
    }
}
