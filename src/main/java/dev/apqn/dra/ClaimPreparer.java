package dev.apqn.dra;

import dev.apqn.api.v1alpha1.APQNReservation;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceRequestAllocationResult;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceClaim;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceClaimConsumerReference;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.io.IOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Prepares and unprepares ResourceClaims of driver {@code apqn.dev} on this node (what NodePrepareResources
 * and NodeUnprepareResources do for each claim):
 * <ol>
 *   <li>a claim in the checkpoint is answered from it (prepare is idempotent; the kubelet repeats it after
 *       its own or our restart);</li>
 *   <li>else the ResourceClaim is read (its UID must be the one the kubelet names), and for each allocation
 *       result of our driver the device name (the mdev's UUID) is mapped to its reservation through this
 *       node's APNodeState;</li>
 *   <li>tenant safety: the claim's namespace must be the reservation's or listed in its
 *       {@code spec.claimNamespaces}; otherwise the claim is refused with a message naming both and the fix;</li>
 *   <li>the device metadata KubeVirt reads ({@link DeviceMetadata}) and the CDI spec ({@link CdiSpecs}) are
 *       written, then the checkpoint; the kubelet gets {@code apqn.dev/mdev=<claimUID>} per device.</li>
 * </ol>
 * Unprepare removes the CDI spec, the metadata and the checkpoint entry; an unknown claim is already unprepared.
 */
final class ClaimPreparer {

    /** The annotation the ResourceClaim controller puts on a claim made from a pod's template. */
    static final String POD_CLAIM_NAME = "resource.kubernetes.io/pod-claim-name";

    private final KubernetesClient client;
    private final NodeDevices node;
    private final ClaimCheckpoint checkpoint;
    private final CdiSpecs cdi;
    private final DeviceMetadata metadata;

    ClaimPreparer(KubernetesClient client, NodeDevices node, ClaimCheckpoint checkpoint, CdiSpecs cdi, DeviceMetadata metadata) {
        this.client = client;
        this.node = node;
        this.checkpoint = checkpoint;
        this.cdi = cdi;
        this.metadata = metadata;
    }

    synchronized PreparedClaim prepare(String namespace, String name, String uid) throws ClaimRefusedException, IOException {
        if (!validUid(uid)) {
            throw new ClaimRefusedException("claim uid " + uid + " is not a Kubernetes UID");
        }
        Optional<PreparedClaim> known = checkpoint.get(uid);
        if (known.isPresent()) {
            return known.get();
        }
        String ref = namespace + "/" + name;
        ResourceClaim claim = client.resources(ResourceClaim.class).inNamespace(namespace).withName(name).get();
        if (claim == null) {
            throw new ClaimRefusedException("ResourceClaim " + ref + " does not exist");
        }
        if (!uid.equals(claim.getMetadata().getUid())) {
            throw new ClaimRefusedException("ResourceClaim " + ref + " has uid " + claim.getMetadata().getUid()
                    + ", not " + uid + " (it was deleted and created again)");
        }
        List<DeviceRequestAllocationResult> ours = ourResults(claim);
        if (ours.isEmpty()) {
            throw new ClaimRefusedException("ResourceClaim " + ref + " has no device of driver " + DraDriver.NAME + " allocated");
        }
        List<PreparedClaim.PreparedDevice> devices = new ArrayList<>();
        SortedSet<Integer> groups = new TreeSet<>();
        for (DeviceRequestAllocationResult r : ours) {
            PreparedClaim.PreparedDevice d = device(namespace, ref, r);
            devices.add(d);
            groups.add(d.iommuGroup());
        }
        String podClaimName = claim.getMetadata().getAnnotations() == null ? null
                : claim.getMetadata().getAnnotations().get(POD_CLAIM_NAME);
        DeviceMetadata.Mount mount = metadata.write(new DeviceMetadata.ClaimRef(namespace, name, uid, podClaimName), devices);
        var spec = cdi.write(uid, groups, List.of(mount));
        PreparedClaim prepared = new PreparedClaim(uid, namespace, name, pod(claim), Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(),
                devices, spec.toString(), mount.hostPath().toString());
        checkpoint.put(prepared);
        return prepared;
    }

    private PreparedClaim.PreparedDevice device(String claimNamespace, String ref, DeviceRequestAllocationResult r)
            throws ClaimRefusedException {
        UUID mdev;
        try {
            mdev = UUID.fromString(r.getDevice());
        } catch (IllegalArgumentException e) {
            throw new ClaimRefusedException("device " + r.getDevice() + " of ResourceClaim " + ref + " is not an mdev UUID");
        }
        String reservation = node.reservationOf(mdev).orElseThrow(() -> new ClaimRefusedException("device " + r.getDevice()
                + " of ResourceClaim " + ref + " is not the mdev of a reservation on this node"));
        String[] rn = reservation.split("/", 2);
        APQNReservation res = client.resources(APQNReservation.class).inNamespace(rn[0]).withName(rn[1]).get();
        if (res == null) {
            throw new ClaimRefusedException("APQNReservation " + reservation + " of device " + r.getDevice() + " does not exist");
        }
        List<String> admitted = res.getSpec() == null || res.getSpec().getClaimNamespaces() == null ? List.of()
                : res.getSpec().getClaimNamespaces();
        if (!claimNamespace.equals(rn[0]) && !admitted.contains(claimNamespace)) {
            throw new ClaimRefusedException("ResourceClaim " + ref + " may not use device " + r.getDevice() + ": it is the mdev of"
                    + " APQNReservation " + reservation + ", which admits ResourceClaims of namespace " + rn[0]
                    + (admitted.isEmpty() ? " only (its spec.claimNamespaces is empty)" : " and " + String.join(", ", admitted))
                    + ". To allow it, add \"" + claimNamespace + "\" to spec.claimNamespaces of APQNReservation " + reservation
                    + ", or create the ResourceClaim in namespace " + rn[0] + ".");
        }
        OptionalInt group;
        try {
            group = node.iommuGroup(mdev);
        } catch (Exception e) {
            throw new ClaimRefusedException("cannot read the IOMMU group of mdev " + mdev + ": " + e.getMessage());
        }
        if (group.isEmpty()) {
            throw new ClaimRefusedException("mdev " + mdev + " of APQNReservation " + reservation
                    + " does not exist on this node (the reservation is not Ready); the kubelet retries");
        }
        return new PreparedClaim.PreparedDevice(r.getRequest(), r.getPool(), mdev.toString(), reservation, group.getAsInt());
    }

    private static List<DeviceRequestAllocationResult> ourResults(ResourceClaim claim) {
        if (claim.getStatus() == null || claim.getStatus().getAllocation() == null
                || claim.getStatus().getAllocation().getDevices() == null
                || claim.getStatus().getAllocation().getDevices().getResults() == null) {
            return List.of();
        }
        return claim.getStatus().getAllocation().getDevices().getResults().stream()
                .filter(r -> DraDriver.NAME.equals(r.getDriver())).toList();
    }

    /** The pod the claim is reserved for (the scheduler writes status.reservedFor), as namespace/name. */
    private static String pod(ResourceClaim claim) {
        if (claim.getStatus() == null || claim.getStatus().getReservedFor() == null) {
            return null;
        }
        for (ResourceClaimConsumerReference c : claim.getStatus().getReservedFor()) {
            if ("pods".equals(c.getResource()) && (c.getApiGroup() == null || c.getApiGroup().isEmpty())) {
                return claim.getMetadata().getNamespace() + "/" + c.getName();
            }
        }
        return null;
    }

    synchronized void unprepare(String uid) throws IOException {
        if (!validUid(uid)) {
            throw new IOException("claim uid " + uid + " is not a Kubernetes UID");
        }
        Optional<PreparedClaim> known = checkpoint.get(uid);
        // files first, the entry last: a crash in between leaves an entry whose unprepare is repeated
        cdi.remove(uid);
        metadata.remove(uid);
        if (known.isPresent()) {
            checkpoint.remove(uid);
        }
    }

    /** The prepared claims per reservation ({@code namespace/name}), for the agent's status. */
    Map<String, List<PreparedClaim>> byReservation() {
        Map<String, List<PreparedClaim>> out = new TreeMap<>();
        for (PreparedClaim c : checkpoint.all()) {
            for (String r : c.devices().stream().map(PreparedClaim.PreparedDevice::reservation).distinct().toList()) {
                out.computeIfAbsent(r, k -> new ArrayList<>()).add(c);
            }
        }
        return out;
    }

    /** A claim UID names files: only a UID's characters are accepted (no path can hide in it). */
    static boolean validUid(String uid) {
        return uid != null && uid.matches("[0-9a-zA-Z][0-9a-zA-Z-]{0,63}");
    }
}
