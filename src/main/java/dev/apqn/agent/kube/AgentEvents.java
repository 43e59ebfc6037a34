package dev.apqn.agent.kube;

import java.util.Optional;
import java.util.List;
import io.fabric8.kubernetes.api.model.Condition;
import dev.apqn.status.Reasons;
import dev.apqn.status.Conditions;
import dev.apqn.api.v1alpha1.APNodeStateStatus;
import dev.apqn.agent.ConvergeReport;
import dev.apqn.api.v1alpha1.APNodeState;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Kubernetes Events about one node's APNodeState (style practice 14): typed reasons from
 * {@link dev.apqn.status.Reasons}, Warning for problems, emitted on transitions only, de-duplicated
 * by a name derived from reason and message (a repeat within the agent's memory is dropped, one the
 * server already has is ignored). Events live in {@value #NAMESPACE}: the API server accepts an Event
 * about a cluster-scoped object (the APNodeState) only there, which is also where
 * {@code kubectl describe apnodestate} looks. Never fails a reconcile.
 */
final class AgentEvents {

    /** Where Events about cluster-scoped objects must live. */
    static final String NAMESPACE = "default";

    private static final Logger LOG = Logger.getLogger(AgentEvents.class);
    private static final int MEMORY = 256;

    private final KubernetesClient client;
    private final String namespace;
    private final String node;
    private final String component;
    private final Set<String> sent = new LinkedHashSet<>();

    AgentEvents(KubernetesClient client, String node, String component) {
        this.client = client;
        this.namespace = NAMESPACE;
        this.node = node;
        this.component = component;
    }

    void normal(APNodeState about, String reason, String message) {
        emit(about, "Normal", reason, message);
    }

    void warning(APNodeState about, String reason, String message) {
        emit(about, "Warning", reason, message);
    }

    private void emit(APNodeState about, String type, String reason, String message) {
        String msg = NodeStatusBuilder.cut(message);
        String name = "apnodestate-" + node + "." + hash(about.getMetadata().getUid() + type + reason + msg);
        synchronized (sent) {
            if (!sent.add(name)) {
                return;
            }
            if (sent.size() > MEMORY) {
                var it = sent.iterator();
                it.next();
                it.remove();
            }
        }
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        Event e = new EventBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .withNewInvolvedObject().withApiVersion(about.getApiVersion()).withKind(about.getKind())
                .withName(about.getMetadata().getName()).withUid(about.getMetadata().getUid())
                .withResourceVersion(about.getMetadata().getResourceVersion()).endInvolvedObject()
                .withType(type).withReason(reason).withMessage(msg)
                .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                .withNewSource().withComponent(component).withHost(node).endSource()
                .withReportingComponent("apqn.dev/" + component).withReportingInstance(node)
                .build();
        try {
            client.v1().events().inNamespace(namespace).resource(e).create();
        } catch (KubernetesClientException ex) {
            if (ex.getCode() != 409) {
                LOG.warnf("node %s: event %s not recorded: %s", node, reason, ex.getMessage());
            }
        } catch (RuntimeException ex) {
            LOG.debugf("node %s: event %s not recorded: %s", node, reason, ex.toString());
        }
    }

    private static String hash(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The Events of one pass: one per host change the converge made, and one per condition that
     * turned True (Ready as Normal, the others as Warnings with the condition's reason and message).
     */
    void passEnded(APNodeState obj, Optional<ConvergeReport> report, APNodeStateStatus previous, APNodeStateStatus desired) {
        if (report.isPresent()) {
            ConvergeReport r = report.get();
            for (String e : r.events()) {
                normal(obj, e.startsWith("removed") || e.contains("gave back") || e.contains("give back")
                        ? Reasons.RELEASING : Reasons.APPLYING, e);
            }
        }
        List<Condition> before = previous == null ? null : previous.getConditions();
        for (Condition c : desired.getConditions() == null ? List.<Condition>of() : desired.getConditions()) {
            boolean wasTrue = Conditions.isTrue(before, c.getType());
            boolean isTrue = Conditions.TRUE.equals(c.getStatus());
            if (isTrue && !wasTrue) {
                if (Conditions.READY.equals(c.getType())) {
                    normal(obj, Reasons.READY, "the node matches spec (generation " + obj.getMetadata().getGeneration() + ")");
                } else {
                    warning(obj, c.getReason(), c.getMessage());
                }
            }
        }
    }
}
