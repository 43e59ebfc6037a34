package dev.apqn.dra;

import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;

/** What the plugin asks of its node agent: whose mdev a device is, and the mdev's IOMMU group. */
public interface NodeDevices {

    /**
     * The reservation ({@code namespace/name}) whose mdev has this UUID on this node, from the agent's own
     * APNodeState ({@code spec.mdevs}); empty when the node has no such operator mdev.
     */
    Optional<String> reservationOf(UUID mdev);

    /** The mdev's IOMMU group from sysfs; empty when the mdev does not exist (yet). */
    OptionalInt iommuGroup(UUID mdev) throws Exception;
}
