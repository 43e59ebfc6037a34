package dev.apqn.controller;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.javaoperatorsdk.operator.processing.event.source.informer.TransformingItemStore;

/**
 * A Node cache that keeps only what the controller reads: name, uid, resourceVersion, labels and
 * deletion. A Node object is mostly status (images, conditions, addresses); a 5,000-node cluster's
 * would otherwise sit in every Node informer of the controller.
 */
public class NodeMetadataOnly extends TransformingItemStore<Node> {

    public NodeMetadataOnly() {
        super(NodeMetadataOnly::strip);
    }

    static Node strip(Node n) {
        var m = n.getMetadata();
        var copy = new Node();
        copy.setMetadata(new ObjectMetaBuilder().withName(m.getName()).withUid(m.getUid())
                .withResourceVersion(m.getResourceVersion()).withLabels(m.getLabels())
                .withDeletionTimestamp(m.getDeletionTimestamp()).build());
        return copy;
    }
}
