package dev.apqn.agent.kube;

import dev.apqn.api.ApiValues;
import dev.apqn.api.WholeWrites;
import dev.apqn.api.v1alpha1.APNodeState;
import dev.apqn.api.v1alpha1.APNodeStateStatus;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.util.Objects;

/**
 * Writes one node's {@code APNodeState.status} whole ({@link WholeWrites}, the agent's field manager: the
 * status is the agent's alone), and only when it changed: not when it equals what the
 * server has, and not again while the informer has not caught up with our last write.
 */
final class NodeStatusWriter {

    private final KubernetesClient client;
    private final String node;
    private final String fieldManager;
    /** What we wrote last (each pass builds a new status, so this one is never changed afterwards). */
    private APNodeStateStatus lastWritten;
    private String rvBeforeLastWrite;
    private volatile long writes;

    NodeStatusWriter(KubernetesClient client, String node, String fieldManager) {
        this.client = client;
        this.node = node;
        this.fieldManager = fieldManager;
    }

    /** Writes {@code desired} unless {@code published} (what the server has, as far as we know) equals it. */
    void writeIfChanged(APNodeState obj, APNodeStateStatus published, APNodeStateStatus desired) {
        if (published != null && ApiValues.same(desired, published)) {
            return;
        }
        if (lastWritten != null && ApiValues.same(desired, lastWritten)
                && Objects.equals(rvBeforeLastWrite, obj.getMetadata().getResourceVersion())) {
            return; // our last write is not in the informer's cache yet
        }
        var target = new APNodeState();
        target.setMetadata(new ObjectMeta());
        target.getMetadata().setName(node);
        WholeWrites.replaceStatus(client, target, desired, fieldManager);
        writes++;
        lastWritten = desired;
        rvBeforeLastWrite = obj.getMetadata().getResourceVersion();
    }

    /** The object is gone (deleted, or not created yet): the next write is a write whatever we wrote before. */
    void forget() {
        lastWritten = null;
    }

    /** Status writes made so far. */
    long writes() {
        return writes;
    }
}
