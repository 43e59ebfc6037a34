package dev.apqn.plan;

import dev.apqn.ap.ApMask;
import dev.apqn.ap.Apqn;

import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * The concrete host state a node must reach: computed by the controller's planner for the node's
 * reported ownership mode and inventory generation, published in {@code APNodeState.spec}, and
 * executed as-is by the node agent, which chooses only the order and mechanism.
 *
 * <ul>
 *   <li>Mask mode: {@code adaptersOffHost}/{@code domainsOffHost} are the apmask/aqmask bits the
 *       operator needs cleared. Bits cleared by someone else stay as they are; a bit the operator
 *       cleared and no longer needs is set again (giving its queues back to the host).</li>
 *   <li>Override mode: {@code overrides} are the queues whose {@code driver_override} must be
 *       {@code vfio_ap}; the masks stay all ones.</li>
 *   <li>{@code mdevs}: the operator's mdevs by UUID. Mdevs not listed that the operator made are
 *       removed; mdevs the operator did not make are never touched.</li>
 *   <li>{@code claims}: why each off-host APQN is off the host, with its owner.</li>
 * </ul>
 *
 * @param mode                the ownership mode the plan was computed for
 * @param inventoryGeneration the agent-reported inventory generation the plan was computed for;
 *                            the agent reports the plan stale when its inventory moved on
 */
public record HostTarget(
        OwnershipMode mode,
        ApMask adaptersOffHost,
        ApMask domainsOffHost,
        SortedSet<Apqn> overrides,
        SortedMap<UUID, MdevTarget> mdevs,
        List<OffHostClaim> claims,
        long inventoryGeneration) {

    public HostTarget {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(adaptersOffHost, "adaptersOffHost");
        Objects.requireNonNull(domainsOffHost, "domainsOffHost");
        overrides = new TreeSet<>(overrides);
        mdevs = new TreeMap<>(mdevs);
        claims = List.copyOf(claims);
        if (mode == OwnershipMode.DRIVER_OVERRIDE && !(adaptersOffHost.isEmpty() && domainsOffHost.isEmpty())) {
            throw new IllegalArgumentException("a driver_override plan must not clear mask bits: the kernel refuses"
                    + " overrides unless apmask and aqmask are all ones");
        }
        if (mode == OwnershipMode.MASKS && !overrides.isEmpty()) {
            throw new IllegalArgumentException("a mask-mode plan must not set driver_override");
        }
    }

    public static HostTarget empty(OwnershipMode mode, long inventoryGeneration) {
        return new HostTarget(mode, ApMask.none(), ApMask.none(), new TreeSet<>(), new TreeMap<>(), List.of(), inventoryGeneration);
    }
}
