package dev.apqn.dra;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

import java.util.List;
import java.util.Objects;

/**
 * One claim the plugin prepared on this node, as kept in the checkpoint ({@link ClaimCheckpoint}): enough
 * to answer a repeated prepare with the same devices, to undo it after an agent restart, to hold back the
 * release of its reservations ({@code InUse}) and to report its consumers.
 *
 * @param uid       the ResourceClaim's metadata.uid (the kubelet's key)
 * @param namespace the claim's namespace
 * @param name      the claim's name
 * @param pod       the pod the claim is reserved for, {@code namespace/name}, when its status.reservedFor says so (else null)
 * @param since     when it was prepared (RFC 3339)
 * @param devices   what the kubelet was given, one per allocated device of ours
 * @param cdiSpec   the CDI spec file written for it
 * @param metadata  the directory of its device metadata files (removed with it)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record PreparedClaim(String uid, String namespace, String name, String pod, String since,
                            List<PreparedDevice> devices, String cdiSpec, String metadata) {

    public PreparedClaim {
        Objects.requireNonNull(uid, "uid");
        devices = devices == null ? List.of() : List.copyOf(devices);
    }

    /** {@code namespace/name}, as a consumer names it. */
    public String ref() {
        return namespace + "/" + name;
    }

    /**
     * One allocated device of a prepared claim.
     *
     * @param request     the claim's request it was allocated for
     * @param pool        its pool (the node's name)
     * @param mdevUuid    the device name: the mdev's UUID
     * @param reservation the reservation whose mdev it is, {@code namespace/name}
     * @param iommuGroup  the mdev's IOMMU group ({@code /dev/vfio/<group>})
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record PreparedDevice(String request, String pool, String mdevUuid, String reservation, int iommuGroup) {
    }
}
