package dev.apqn.dra;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The device metadata files KubeVirt reads to learn which mdev a VM gets (KEP-5304's layout, which KubeVirt
 * implements ahead of Kubernetes). What KubeVirt reads, from kubevirt/kubevirt (commit d923fdb8, 2026-08-22):
 * <ul>
 *   <li>{@code pkg/dra/utils.go}: virt-launcher looks in
 *       {@code /var/run/kubernetes.io/dra-device-attributes/resourceclaims/<claimName>/<requestName>/*-metadata.json}
 *       for a VMI claim given by {@code resourceClaimName}, and under {@code resourceclaimtemplates/<podClaimName>/}
 *       for one made from a template; exactly one file per request; the file is a JSON stream whose first object
 *       of {@code apiVersion: metadata.resource.k8s.io/v1alpha1} counts; its {@code requests[name=<requestName>]}
 *       must hold exactly one device.</li>
 *   <li>{@code pkg/dra/metadata/types.go}: a device's {@code attributes["mdevUUID"].string} is the mdev's UUID
 *       (checked before {@code resource.kubernetes.io/pciBusID}).</li>
 *   <li>{@code pkg/virt-launcher/virtwrap/device/hostdevice/dra/generic_hostdev.go}: with that UUID it builds a
 *       libvirt mdev hostdev, model {@code vfio-ap} when the VMI's architecture is s390x.</li>
 * </ul>
 * So the plugin writes, on the host under {@code <pluginsDir>/apqn.dev/metadata/<claimUID>/<request>/apqn.dev-metadata.json},
 * one file per request of ours, and the claim's CDI device bind-mounts {@code <pluginsDir>/apqn.dev/metadata/<claimUID>}
 * read-only at {@code /var/run/kubernetes.io/dra-device-attributes/resourceclaims/<claimName>} (or
 * {@code resourceclaimtemplates/<podClaimName>}). The agent's pod mounts the plugins directory at the host's path,
 * so the path it writes is the path the runtime mounts.
 */
final class DeviceMetadata {

    static final String API_VERSION = "metadata.resource.k8s.io/v1alpha1";
    static final String KIND = "DeviceMetadata";
    /** Where KubeVirt looks inside the container (pkg/dra/utils.go DefaultMetadataBasePath). */
    static final String CONTAINER_BASE = "/var/run/kubernetes.io/dra-device-attributes";
    /** The attribute KubeVirt reads the mdev UUID from (pkg/dra/metadata/types.go MDevUUIDAttribute). */
    static final String MDEV_UUID_ATTRIBUTE = "mdevUUID";
    static final String FILE = DraDriver.NAME + "-metadata.json";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** A bind mount of a claim's metadata into the container. */
    record Mount(Path hostPath, String containerPath) {
    }

    /**
     * The claim whose metadata is written.
     *
     * @param podClaimName the pod's name for the claim when the claim was made from a template
     *                     (annotation {@code resource.kubernetes.io/pod-claim-name}), else null
     */
    record ClaimRef(String namespace, String name, String uid, String podClaimName) {
    }

    private final Path root;

    /** @param root the host directory of all claims' metadata ({@code <pluginsDir>/apqn.dev/metadata}) */
    DeviceMetadata(Path root) {
        this.root = root;
    }

    Path dir(String claimUid) {
        return root.resolve(claimUid);
    }

    /** Writes one file per request and returns the mount that shows them where KubeVirt looks. */
    Mount write(ClaimRef claim, List<PreparedClaim.PreparedDevice> devices) throws IOException {
        SortedMap<String, List<PreparedClaim.PreparedDevice>> byRequest = new TreeMap<>();
        for (PreparedClaim.PreparedDevice d : devices) {
            byRequest.computeIfAbsent(d.request(), r -> new ArrayList<>()).add(d);
        }
        Path dir = dir(claim.uid());
        for (var e : byRequest.entrySet()) {
            AtomicFiles.write(dir.resolve(e.getKey()).resolve(FILE), JSON.writeValueAsString(document(claim, e.getKey(), e.getValue())) + "\n");
        }
        String container = claim.podClaimName() == null
                ? CONTAINER_BASE + "/resourceclaims/" + claim.name()
                : CONTAINER_BASE + "/resourceclaimtemplates/" + claim.podClaimName();
        return new Mount(dir, container);
    }

    private static Map<String, Object> document(ClaimRef claim, String request, List<PreparedClaim.PreparedDevice> devices) {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("name", claim.name());
        meta.put("namespace", claim.namespace());
        meta.put("uid", claim.uid());
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("apiVersion", API_VERSION);
        doc.put("kind", KIND);
        doc.put("metadata", meta);
        if (claim.podClaimName() != null) {
            doc.put("podClaimName", claim.podClaimName());
        }
        List<Map<String, Object>> list = new ArrayList<>();
        for (PreparedClaim.PreparedDevice d : devices) {
            String[] res = d.reservation().split("/", 2);
            Map<String, Object> attrs = new LinkedHashMap<>();
            attrs.put(MDEV_UUID_ATTRIBUTE, Map.of("string", d.mdevUuid()));
            attrs.put(DraDriver.NAME + "/" + DraDriver.ATTR_RESERVATION_NAMESPACE, Map.of("string", res[0]));
            attrs.put(DraDriver.NAME + "/" + DraDriver.ATTR_RESERVATION_NAME, Map.of("string", res.length > 1 ? res[1] : ""));
            Map<String, Object> dev = new LinkedHashMap<>();
            dev.put("driver", DraDriver.NAME);
            dev.put("pool", d.pool());
            dev.put("name", d.mdevUuid());
            dev.put("attributes", attrs);
            list.add(dev);
        }
        doc.put("requests", List.of(Map.of("name", request, "devices", list)));
        return doc;
    }

    /** Removes a claim's metadata directory. */
    void remove(String claimUid) throws IOException {
        Path dir = dir(claimUid);
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
