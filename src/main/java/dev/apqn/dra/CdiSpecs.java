package dev.apqn.dra;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The Container Device Interface specs of prepared claims: one file per claim in the CDI directory
 * ({@code /var/run/cdi}), {@code apqn.dev-<claimUID>.json}, kind {@code apqn.dev/mdev}, one device named by the
 * claim's UID. The kubelet passes the id {@code apqn.dev/mdev=<claimUID>} to the container runtime, which
 * applies the device's edits to the container: the device nodes of the mdevs' IOMMU groups
 * ({@code /dev/vfio/<group>}) and the VFIO container ({@code /dev/vfio/vfio}), and read-only bind mounts of the
 * claim's device metadata ({@link DeviceMetadata}) where KubeVirt's virt-launcher reads it.
 */
final class CdiSpecs {

    /** The CDI kind of our devices: {@code vendor/class}. */
    static final String KIND = DraDriver.NAME + "/mdev";
    /**
     * The spec version we write. 0.5.0 has everything we use (deviceNodes, mounts) and is read by the CDI
     * library of containerd 1.7 and CRI-O 1.28 (which read up to 0.5.0 and 0.6.0 respectively).
     */
    static final String CDI_VERSION = "0.5.0";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path dir;

    CdiSpecs(Path dir) {
        this.dir = dir;
    }

    /** The fully qualified CDI device id the kubelet hands to the runtime for a claim. */
    static String deviceId(String claimUid) {
        return KIND + "=" + claimUid;
    }

    Path file(String claimUid) {
        return dir.resolve(DraDriver.NAME + "-" + claimUid + ".json");
    }

    /** Writes (atomically) the spec of one claim; returns its file. */
    Path write(String claimUid, SortedSet<Integer> iommuGroups, List<DeviceMetadata.Mount> mounts) throws IOException {
        List<Map<String, Object>> nodes = new ArrayList<>();
        for (int g : new TreeSet<>(iommuGroups)) {
            nodes.add(Map.of("path", "/dev/vfio/" + g));
        }
        nodes.add(Map.of("path", "/dev/vfio/vfio"));
        Map<String, Object> edits = new LinkedHashMap<>();
        edits.put("deviceNodes", nodes);
        if (!mounts.isEmpty()) {
            edits.put("mounts", mounts.stream().map(m -> Map.of("hostPath", m.hostPath().toString(),
                    "containerPath", m.containerPath(), "options", List.of("ro", "bind"))).toList());
        }
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("cdiVersion", CDI_VERSION);
        spec.put("kind", KIND);
        spec.put("devices", List.of(Map.of("name", claimUid, "containerEdits", edits)));
        Path f = file(claimUid);
        AtomicFiles.write(f, JSON.writeValueAsString(spec) + "\n");
        return f;
    }

    void remove(String claimUid) throws IOException {
        Files.deleteIfExists(file(claimUid));
    }
}
