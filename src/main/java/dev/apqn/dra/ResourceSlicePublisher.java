package dev.apqn.dra;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.resource.v1.Device;
import io.fabric8.kubernetes.api.model.resource.v1.ResourcePool;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceSlice;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceSliceSpec;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Publishes one node's devices ({@link SliceDevices}) as the node's {@code apqn.dev} ResourceSlices
 * (resource.k8s.io/v1): pool {@code <node>}, slices {@code <node>-apqn.dev}, {@code <node>-apqn.dev-1},
 * ... of at most {@value #MAX_DEVICES_PER_SLICE} devices each.
 *
 * <p>Each call reads the node's slices from the server (one list, by field selector) and writes only
 * when they differ from the desired ones: in steady state it makes no write. A change is written with
 * the pool's generation one above the highest the server has, so the scheduler never mixes slices of
 * two contents. A node without devices has no slice at all: the scheduler allocates from an absent
 * pool and from an empty one alike (nothing), and most nodes then keep no object; the kubelet itself
 * deletes a driver's slices when its plugin goes away, and the next call publishes them again.
 */
public final class ResourceSlicePublisher {

    /** The API's limit of devices in one ResourceSlice. */
    public static final int MAX_DEVICES_PER_SLICE = 128;

    private final KubernetesClient client;
    private final String node;
    private final String fieldManager;
    private volatile long writes;

    public ResourceSlicePublisher(KubernetesClient client, String node, String fieldManager) {
        this.client = Objects.requireNonNull(client, "client");
        this.node = Objects.requireNonNull(node, "node");
        this.fieldManager = Objects.requireNonNull(fieldManager, "fieldManager");
    }

    /** The name of the node's {@code index}-th slice: {@code <node>-apqn.dev}, then {@code <node>-apqn.dev-<index>}. */
    public static String sliceName(String node, int index) {
        return index == 0 ? node + "-" + DraDriver.NAME : node + "-" + DraDriver.NAME + "-" + index;
    }

    /** Slice writes and deletes made so far. */
    public long writes() {
        return writes;
    }

    /** Makes the server's slices of this node carry exactly {@code devices} (sorted by name). */
    public void publish(List<Device> devices) {
        List<ResourceSlice> observed = client.resources(ResourceSlice.class)
                .withField("spec.nodeName", node).withField("spec.driver", DraDriver.NAME)
                .list().getItems();
        List<List<Device>> chunks = chunks(devices);
        if (sameContent(observed, chunks)) {
            return;
        }
        long generation = observed.stream().map(s -> s.getSpec().getPool())
                .filter(Objects::nonNull).map(ResourcePool::getGeneration).filter(Objects::nonNull)
                .max(Comparator.naturalOrder()).orElse(0L) + 1;
        Set<String> wanted = new HashSet<>();
        for (int i = 0; i < chunks.size(); i++) {
            ResourceSlice slice = slice(i, chunks.get(i), chunks.size(), generation);
            wanted.add(slice.getMetadata().getName());
            client.resource(slice).fieldManager(fieldManager).forceConflicts().serverSideApply();
            writes++;
        }
        for (ResourceSlice old : observed) {
            if (!wanted.contains(old.getMetadata().getName())) {
                client.resource(old).delete();
                writes++;
            }
        }
    }

    private ResourceSlice slice(int index, List<Device> devices, int count, long generation) {
        var pool = new ResourcePool();
        pool.setName(node);
        pool.setGeneration(generation);
        pool.setResourceSliceCount((long) count);
        var spec = new ResourceSliceSpec();
        spec.setDriver(DraDriver.NAME);
        spec.setNodeName(node);
        spec.setPool(pool);
        spec.setDevices(devices);
        var slice = new ResourceSlice();
        slice.setMetadata(new ObjectMetaBuilder().withName(sliceName(node, index)).build());
        slice.setSpec(spec);
        return slice;
    }

    static List<List<Device>> chunks(List<Device> devices) {
        List<List<Device>> out = new ArrayList<>();
        for (int from = 0; from < devices.size(); from += MAX_DEVICES_PER_SLICE) {
            out.add(List.copyOf(devices.subList(from, Math.min(devices.size(), from + MAX_DEVICES_PER_SLICE))));
        }
        return out;
    }

    /** Same slice names, each with the desired devices, one generation, the right slice count. */
    private boolean sameContent(List<ResourceSlice> observed, List<List<Device>> chunks) {
        if (observed.size() != chunks.size()) {
            return false;
        }
        Set<Long> generations = new HashSet<>();
        for (int i = 0; i < chunks.size(); i++) {
            String name = sliceName(node, i);
            ResourceSlice have = observed.stream().filter(s -> name.equals(s.getMetadata().getName())).findFirst().orElse(null);
            if (have == null || have.getSpec().getPool() == null
                    || !node.equals(have.getSpec().getPool().getName())
                    || !Long.valueOf(chunks.size()).equals(have.getSpec().getPool().getResourceSliceCount())
                    || !chunks.get(i).equals(have.getSpec().getDevices() == null ? List.of() : have.getSpec().getDevices())) {
                return false;
            }
            generations.add(have.getSpec().getPool().getGeneration());
        }
        return generations.size() <= 1;
    }
}
