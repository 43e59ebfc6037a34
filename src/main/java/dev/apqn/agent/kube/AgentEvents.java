package dev.apqn.agent.kube;

import dev.apqn.api.v1alpha1.APNodeState;
import dev.apqn.api.v1alpha1.APNodeStateStatus;
import dev.apqn.events.EventRecorder;
import dev.apqn.status.Conditions;
import dev.apqn.status.Reason;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.util.List;

/**
 * Which Events the agent records about its node's APNodeState, through the recorder both roles share
 * ({@link EventRecorder}): a Warning when a problem condition (Degraded, Drifted, Restoring,
 * PlanStale, InUse) turns True, with the condition's reason and message. Nothing on the normal path:
 * the host changes of a pass are in the status, the intent ledger, the log and the metrics, and the
 * reservation's own Ready and Released Events come from the controller. Events about a cluster-scoped
 * object live in {@value #NAMESPACE}, which is also where {@code kubectl describe apnodestate} looks.
 */
final class AgentEvents {

    /** Where Events about cluster-scoped objects must live. */
    static final String NAMESPACE = "default";

    private final EventRecorder recorder;

    AgentEvents(KubernetesClient client, String node) {
        this.recorder = new EventRecorder(client, EventRecorder.AGENT, node);
    }

    /** The Events of one pass: a Warning per problem condition that turned True. */
    void passEnded(APNodeState obj, APNodeStateStatus previous, APNodeStateStatus desired) {
        List<Condition> before = previous == null ? null : previous.getConditions();
        for (Condition c : desired.getConditions() == null ? List.<Condition>of() : desired.getConditions()) {
            if (!Conditions.READY.equals(c.getType()) && Conditions.TRUE.equals(c.getStatus())
                    && !Conditions.isTrue(before, c.getType())) {
                // our conditions only carry reasons of the vocabulary (Conditions.set takes a Reason)
                Reason.parse(c.getReason()).ifPresent(reason -> recorder.emit(obj, true, reason, NodeStatusBuilder.cut(c.getMessage())));
            }
        }
    }
}
