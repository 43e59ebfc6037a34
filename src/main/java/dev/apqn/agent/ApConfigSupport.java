package dev.apqn.agent;

import dev.apqn.ap.Errno;
import dev.apqn.apbus.ApBus;
import dev.apqn.apbus.NodeCapabilities;
import dev.apqn.apbus.SysfsException;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Whether an mdev takes its whole matrix in one {@code ap_config} write: from the node's
 * capabilities when they are known, else by trying to read the mdev's {@code ap_config}; the
 * answer per mdev is kept until the node reboots.
 */
final class ApConfigSupport {

    private final Map<UUID, Boolean> byMdev = new HashMap<>();

    boolean has(ApBus bus, UUID u) throws SysfsException {
        NodeCapabilities.Evidence e = bus.capabilities().apConfig();
        if (e != NodeCapabilities.Evidence.UNKNOWN) {
            return e.isPresent();
        }
        Boolean known = byMdev.get(u);
        if (known == null) {
            try {
                bus.readApConfig(u);
                known = true;
            } catch (SysfsException ex) {
                if (ex.errno() != Errno.ENOENT) {
                    throw ex;
                }
                known = false;
            }
            byMdev.put(u, known);
        }
        return known;
    }

    /** The node rebooted: the mdevs are new ones. */
    void forget() {
        byMdev.clear();
    }
}
