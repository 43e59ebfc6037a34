package dev.apqn.apbus;

import java.util.Objects;
import java.util.Set;

/**
 * What this node's kernel can do, detected only from the files present in sysfs, never from a
 * kernel version string (ap-bus.md §10.1). Rules, as {@link SysfsApBus} applies them:
 * <ul>
 *   <li>{@link #ownership()}: {@link Ownership#DRIVER_OVERRIDE} if any queue device has a
 *       {@code driver_override} file, or (no queue devices to look at) the bus has
 *       {@code bindings_complete_count}, which arrived with it in 6.19; else {@link Ownership#MASKS}.
 *       On a DRIVER_OVERRIDE node masks still work while no override is set; the two exclude each other.</li>
 *   <li>{@link #apConfig()}: PRESENT if the matrix {@code features} lists {@code ap_config} or any
 *       mdev has an {@code ap_config} file; ABSENT if mdevs exist and none has it, or the matrix
 *       {@code features} file exists without it; UNKNOWN otherwise (no mdev to look at).</li>
 *   <li>{@link #guestMatrix()}: the same with {@code guest_matrix}; ABSENT marks a pre-6.0 ("legacy")
 *       vfio_ap, where assignment needs vfio-bound queues and a running guest blocks changes.</li>
 *   <li>{@link #queueStatus()}: PRESENT if a vfio_ap-bound queue has a {@code status} file, ABSENT if
 *       vfio_ap-bound queues exist without it, UNKNOWN if none is bound to vfio_ap.</li>
 *   <li>{@link #vfioAp()}: {@code /sys/devices/vfio_ap/matrix} exists (module loaded).</li>
 *   <li>{@link #scansAndBindings()}: the bus has {@code scans} and {@code bindings} (≈5.11+).</li>
 *   <li>{@link #busFeatures()} / {@link #matrixFeatures()}: the words of {@code /sys/bus/ap/features}
 *       (6.4+) and {@code /sys/devices/vfio_ap/matrix/features} (6.12+); empty when absent.</li>
 * </ul>
 * UNKNOWN answers are re-detected on the next refresh that sees an mdev or a vfio_ap queue.
 */
public record NodeCapabilities(
        Ownership ownership,
        boolean vfioAp,
        Evidence apConfig,
        Evidence guestMatrix,
        Evidence queueStatus,
        boolean scansAndBindings,
        boolean busFeaturesFile,
        Set<String> busFeatures,
        boolean matrixFeaturesFile,
        Set<String> matrixFeatures) {

    /** How APQNs are moved between the host drivers and vfio_ap on this node. */
    public enum Ownership {
        /** apmask/aqmask (all kernels with vfio_ap). */
        MASKS,
        /** per-queue driver_override (6.19+); masks must then stay all ones. */
        DRIVER_OVERRIDE
    }

    /** Whether a feature's file was seen, shown absent, or could not be checked yet. */
    public enum Evidence {
        PRESENT, ABSENT, UNKNOWN;

        public boolean isPresent() {
            return this == PRESENT;
        }
    }

    public NodeCapabilities {
        Objects.requireNonNull(ownership, "ownership");
        Objects.requireNonNull(apConfig, "apConfig");
        Objects.requireNonNull(guestMatrix, "guestMatrix");
        Objects.requireNonNull(queueStatus, "queueStatus");
        busFeatures = Set.copyOf(busFeatures);
        matrixFeatures = Set.copyOf(matrixFeatures);
    }

    /** Pre-6.0 vfio_ap: known to lack guest_matrix. */
    public boolean legacyVfioAp() {
        return guestMatrix == Evidence.ABSENT;
    }
}
