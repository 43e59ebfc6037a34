package dev.apqn.agent;

import dev.apqn.ap.ApMdev;
import dev.apqn.ap.Matrix;
import dev.apqn.apbus.ApBus;
import dev.apqn.apbus.ApInventory;
import dev.apqn.apbus.SysfsException;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The matrix of every mdev on the node (the operator's and foreign ones) as one converge knows it:
 * from the inventory read at its start, then re-read by {@link HostWriter} after each write that
 * changes an mdev. The give-back checks it for assignments that still hold mask bits.
 */
final class MdevMatrices {

    private final Map<UUID, Matrix> byUuid = new TreeMap<>();

    void load(ApInventory inv) {
        inv.mdevs().forEach((u, m) -> byUuid.put(u, m.matrix()));
    }

    /** Re-reads one mdev: its matrix now, or gone. */
    void reread(ApBus bus, UUID u) throws SysfsException {
        Optional<ApMdev> m = bus.mdev(u);
        if (m.isPresent()) {
            byUuid.put(u, m.get().matrix());
        } else {
            byUuid.remove(u);
        }
    }

    boolean exists(UUID u) {
        return byUuid.containsKey(u);
    }

    /** The mdev's matrix, or null if it does not exist. */
    Matrix get(UUID u) {
        return byUuid.get(u);
    }

    void forget(UUID u) {
        byUuid.remove(u);
    }

    Collection<Matrix> all() {
        return byUuid.values();
    }
}
