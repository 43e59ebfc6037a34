package dev.apqn.controller;

import dev.apqn.api.v1alpha1.APNodeState;
import dev.apqn.events.EventRecorder;
import dev.apqn.status.Reason;
import io.fabric8.kubernetes.api.model.Node;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Ignore;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;

import java.util.List;
import java.util.Set;

/**
 * Garbage-collects APNodeStates whose Node is gone (with a Warning event on the node state): their
 * allocations and host edits are bookkeeping of a node that no longer exists. The reservations of
 * that node drop their finalizers themselves, each with a NodeDeleted event.
 */
@Ignore
@ControllerConfiguration(name = NodeStateCollector.NAME, informer = @Informer(itemStore = WithoutManagedFields.class))
public class NodeStateCollector implements Reconciler<APNodeState> {

    public static final String NAME = "apqn-nodestate-collector";

    private final EventRecorder events;
    private volatile InformerEventSource<Node, APNodeState> nodes;

    NodeStateCollector(EventRecorder events) {
        this.events = events;
    }

    @Override
    public List<EventSource<?, APNodeState>> prepareEventSources(EventSourceContext<APNodeState> ctx) {
        nodes = new InformerEventSource<>(InformerEventSourceConfiguration.from(Node.class, APNodeState.class)
                .withName("nodes")
                .withItemStore(new NodeMetadataOnly())
                .withSecondaryToPrimaryMapper(n -> Set.of(new ResourceID(n.getMetadata().getName())))
                .build(), ctx);
        return List.of(nodes);
    }

    @Override
    public UpdateControl<APNodeState> reconcile(APNodeState ns, Context<APNodeState> context) {
        String name = ns.getMetadata().getName();
        if (nodes.get(new ResourceID(name)).isPresent() || context.getClient().nodes().withName(name).get() != null) {
            return UpdateControl.noUpdate();
        }
        events.emit(ns, true, Reason.NodeDeleted, "node " + name + " is gone: its"
                + " APNodeState (allocations, host edits) is deleted; its reservations drop their finalizers");
        context.getClient().resource(ns).delete();
        return UpdateControl.noUpdate();
    }
}
