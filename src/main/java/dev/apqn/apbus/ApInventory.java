package dev.apqn.apbus;

import dev.apqn.ap.ApCard;
import dev.apqn.ap.ApMdev;
import dev.apqn.ap.ApQueue;
import dev.apqn.ap.Apqn;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;

/**
 * A snapshot of a node's AP bus and vfio_ap state as {@link ApBus#inventory()} or
 * {@link ApBus#refresh()} last read it. Immutable. What a quiet refresh may leave stale until the
 * next full resync is described on {@link SysfsApBus}.
 *
 * @param bus          bus attributes
 * @param capabilities detected capabilities
 * @param cards        card devices by adapter number
 * @param queues       queue devices by APQN
 * @param mdevs        vfio_ap mediated devices by UUID
 */
public record ApInventory(ApBusState bus, NodeCapabilities capabilities, SortedMap<Integer, ApCard> cards,
                          SortedMap<Apqn, ApQueue> queues, SortedMap<UUID, ApMdev> mdevs) {

    public ApInventory {
        Objects.requireNonNull(bus, "bus");
        Objects.requireNonNull(capabilities, "capabilities");
        cards = Collections.unmodifiableSortedMap(new TreeMap<>(cards));
        queues = Collections.unmodifiableSortedMap(new TreeMap<>(queues));
        mdevs = Collections.unmodifiableSortedMap(new TreeMap<>(mdevs));
    }

    /** The queues of one adapter, ascending by domain. */
    public List<ApQueue> queuesOf(int adapter) {
        return queues.tailMap(Apqn.of(adapter, 0)).values().stream()
                .takeWhile(q -> q.apqn().adapter() == adapter).toList();
    }
}
