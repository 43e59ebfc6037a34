package dev.apqn.bench;

import dev.apqn.api.v1alpha1.APQNReservation;
import dev.apqn.api.v1alpha1.APQNReservationSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;

import java.util.ArrayList;
import java.util.List;

/**
 * Which reservation goes where: reservation {@code j} of a node is one adapter x one domain,
 * adapter {@code 3 + j % 4}, domain {@code j} (mask-mode-apconfig has adapters 3-6 x domains 0-15),
 * so the reservations of a node are disjoint and all can become Ready; nodes fill round-robin.
 */
final class BenchPlan {

    static final int PER_NODE_MAX = 16;
    static final int FIRST_ADAPTER = 3;
    static final int ADAPTERS = 4;

    private BenchPlan() {
    }

    static String nodeName(int i) {
        return String.format("bench-node-%03d", i);
    }

    /** The reservations, in apply order (round-robin over the nodes, so every node gets work early). */
    static List<APQNReservation> reservations(String namespace, int nodes, int count) {
        List<APQNReservation> out = new ArrayList<>(count);
        for (int k = 0; k < count; k++) {
            int node = k % nodes;
            int j = k / nodes;
            var r = new APQNReservation();
            r.setMetadata(new ObjectMetaBuilder().withName(String.format("r-%03d-%02d", node, j)).withNamespace(namespace).build());
            var s = new APQNReservationSpec();
            s.setNodeName(nodeName(node));
            s.setAdapters(List.of(FIRST_ADAPTER + j % ADAPTERS));
            s.setDomains(List.of(j));
            r.setSpec(s);
            out.add(r);
        }
        return out;
    }
}
