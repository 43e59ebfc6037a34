package dev.apqn.apbus;

import dev.apqn.apbus.NodeCapabilities.Evidence;
import dev.apqn.apbus.NodeCapabilities.Ownership;

import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Works out {@link NodeCapabilities} from what the node's sysfs offers. Some capabilities show only
 * on objects that may not exist yet (an mdev's {@code ap_config}, a queue's {@code driver_override}
 * or vfio {@code status}), so they stay {@link Evidence#UNKNOWN} until such an object is read; an
 * instance collects what the queue reads of one inventory pass learn.
 */
final class CapabilityDetector {

    /** Null while undecided: the first queue read decides it from its {@code driver_override} file. */
    Ownership ownership;
    Evidence queueStatus;

    CapabilityDetector(NodeCapabilities c) {
        ownership = c.ownership();
        queueStatus = c.queueStatus();
    }

    /** Lets the next queue read decide the ownership model. */
    CapabilityDetector decideOwnershipFromFirstQueue() {
        ownership = null;
        return this;
    }

    /** {@code c} with what the queue reads learnt. */
    NodeCapabilities result(NodeCapabilities c) {
        return new NodeCapabilities(ownership == null ? c.ownership() : ownership, c.vfioAp(), c.apConfig(),
                c.guestMatrix(), queueStatus, c.scansAndBindings(), c.busFeaturesFile(), c.busFeatures(),
                c.matrixFeaturesFile(), c.matrixFeatures());
    }

    /** What is assumed before the first inventory: the common case, with everything optional unknown. */
    static NodeCapabilities beforeInventory() {
        return new NodeCapabilities(Ownership.MASKS, true, Evidence.UNKNOWN,
                Evidence.UNKNOWN, Evidence.UNKNOWN, true, false, Set.of(), false, Set.of());
    }

    /**
     * The capabilities the bus and matrix files show, before any queue is read. Queue status keeps
     * {@code previous}'s evidence, since it is learnt only from queues bound to vfio_ap.
     */
    static NodeCapabilities fromBusAndMatrix(Sysfs sysfs, NodeCapabilities previous, ApBusState bus, boolean vfio,
                                             Optional<Set<String>> matrixFeatures) throws SysfsException {
        Evidence apConfig = Evidence.UNKNOWN;
        Evidence guestMatrix = Evidence.UNKNOWN;
        if (matrixFeatures.isPresent()) {
            apConfig = matrixFeatures.get().contains("ap_config") ? Evidence.PRESENT : Evidence.ABSENT;
            guestMatrix = matrixFeatures.get().contains("guest_matrix") ? Evidence.PRESENT : Evidence.ABSENT;
        }
        return new NodeCapabilities(Ownership.MASKS, vfio, apConfig, guestMatrix,
                previous == null ? Evidence.UNKNOWN : previous.queueStatus(),
                bus.scans().isPresent() && bus.bindings().isPresent(),
                !bus.features().isEmpty() || sysfs.exists(SysfsPaths.BUS + "/features"), bus.features(),
                matrixFeatures.isPresent(), matrixFeatures.orElse(Set.of()));
    }

    /** Without a matrix {@code features} file (older kernels), an existing mdev's files tell which attributes exist. */
    static NodeCapabilities withMdevEvidence(Sysfs sysfs, NodeCapabilities c, UUID mdev) throws SysfsException {
        String dir = SysfsPaths.mdevDir(mdev);
        Evidence apConfig = c.apConfig() != Evidence.UNKNOWN ? c.apConfig()
                : sysfs.exists(dir + "/ap_config") ? Evidence.PRESENT : Evidence.ABSENT;
        Evidence guest = c.guestMatrix() != Evidence.UNKNOWN ? c.guestMatrix()
                : sysfs.exists(dir + "/guest_matrix") ? Evidence.PRESENT : Evidence.ABSENT;
        return new NodeCapabilities(c.ownership(), c.vfioAp(), apConfig, guest, c.queueStatus(), c.scansAndBindings(),
                c.busFeaturesFile(), c.busFeatures(), c.matrixFeaturesFile(), c.matrixFeatures());
    }

    /** With no queue to look at, whether the bus has {@code bindings_complete_count} decides the ownership model. */
    static Ownership ownershipWithoutQueues(Sysfs sysfs) throws SysfsException {
        return sysfs.exists(SysfsPaths.BUS + "/bindings_complete_count") ? Ownership.DRIVER_OVERRIDE : Ownership.MASKS;
    }
}
