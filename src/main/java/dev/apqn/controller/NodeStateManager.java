package dev.apqn.controller;

import dev.apqn.api.v1alpha1.APNodeState;
import dev.apqn.api.v1alpha1.APNodeStateSpec;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Ignore;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;

import java.util.Map;
import java.util.Objects;

/**
 * Creates an APNodeState for every Node the selector matches (default: {@code kubernetes.io/arch=s390x});
 * the reservation reconciler creates one on demand for a node named by a reservation. Deleting them
 * when their Node is gone is {@link NodeReconciler}'s job. Never touches the Node itself.
 */
@Ignore
@ControllerConfiguration(name = NodeStateManager.NAME, informer = @Informer(itemStore = NodeMetadataOnly.class))
public class NodeStateManager implements Reconciler<Node> {

    public static final String NAME = "apqn-nodestate-manager";
    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";

    private final Map<String, String> selector;

    public NodeStateManager(ControllerSettings settings) {
        this.selector = Objects.requireNonNull(settings).nodeStateSelector();
    }

    @Override
    public UpdateControl<Node> reconcile(Node node, Context<Node> context) {
        if (node.getMetadata().getDeletionTimestamp() == null
                && PlanInputs.matches(selector, node.getMetadata().getLabels())) {
            ensure(context.getClient(), node.getMetadata().getName());
        }
        return UpdateControl.noUpdate();
    }

    /** The node's APNodeState, created (empty spec) if it does not exist yet. */
    public static APNodeState ensure(KubernetesClient client, String nodeName) {
        var existing = client.resources(APNodeState.class).withName(nodeName).get();
        if (existing != null) {
            return existing;
        }
        var ns = new APNodeState();
        ns.setMetadata(new ObjectMetaBuilder().withName(nodeName).withLabels(Map.of(MANAGED_BY, "apqn-operator")).build());
        ns.setSpec(new APNodeStateSpec());
        ns.setStatus(null);
        try {
            return client.resource(ns).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                return client.resources(APNodeState.class).withName(nodeName).get();
            }
            throw e;
        }
    }
}
