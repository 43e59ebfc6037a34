package dev.apqn.demo;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One Node of the demo: its name, the machine profile its simulated agent boots
 * (src/main/resources/profiles) and the labels a real s390x node would carry (the controller selects
 * APNodeStates and APQNPolicies by {@code kubernetes.io/arch=s390x}; the selection sample by zone).
 */
record DemoNode(String name, String profile, String machine, String zone) {

    /** The three nodes: one per kind of kernel the operator handles. */
    static final List<DemoNode> ALL = List.of(
            new DemoNode("demo-z15", "legacy", "8561", "zone-a"),
            new DemoNode("demo-z16", "mask-mode-apconfig", "3931", "zone-b"),
            new DemoNode("demo-z17", "override-mode", "9175", "zone-b"));

    Map<String, String> labels() {
        var l = new LinkedHashMap<String, String>();
        l.put("kubernetes.io/arch", "s390x");
        l.put("kubernetes.io/os", "linux");
        l.put("kubernetes.io/hostname", name);
        l.put("node.kubernetes.io/instance-type", machine);
        l.put("topology.kubernetes.io/zone", zone);
        return l;
    }

    Node toNode() {
        return new NodeBuilder().withNewMetadata().withName(name).withLabels(labels()).endMetadata().build();
    }
}
