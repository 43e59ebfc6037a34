package dev.apqn.app;

import dev.apqn.agent.kube.AgentSettings;
import dev.apqn.agent.kube.NodeAgent;
import dev.apqn.controller.ControllerOperator;
import dev.apqn.controller.ControllerSettings;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import org.jboss.logging.Logger;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Starts exactly one role (Quarkus-free, so the switch itself is unit-tested): {@code controller}
 * builds and starts the JOSDK {@link Operator} of {@link ControllerOperator} (leader-elected);
 * {@code agent} starts this node's {@link NodeAgent} and never registers a reconciler. The Quarkus
 * extension's own operator is switched off ({@code quarkus.operator-sdk.start-operator=false}, and
 * every reconciler is {@code @Ignore}d for it).
 */
public final class RoleLauncher implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(RoleLauncher.class);

    /** How each role is started; replaced in tests. */
    public interface Starters {
        Operator controller(KubernetesClient client, ControllerSettings settings);

        NodeAgent agent(KubernetesClient client, String node, ApqnConfig.Agent agent, AgentSettings settings);
    }

    /** The production starters. */
    public static final Starters DEFAULT = new Starters() {
        @Override
        public Operator controller(KubernetesClient client, ControllerSettings settings) {
            Operator op = ControllerOperator.create(client, settings);
            op.start();
            return op;
        }

        @Override
        public NodeAgent agent(KubernetesClient client, String node, ApqnConfig.Agent agent, AgentSettings settings) {
            return NodeAgent.fromConfig(client, node, agent.backend(), Path.of(agent.sysfsRoot()),
                    agent.profile().orElse(null), Path.of(agent.ledgerDir()), settings).start();
        }
    };

    private final Operator operator;
    private final NodeAgent agent;

    private RoleLauncher(Operator operator, NodeAgent agent) {
        this.operator = operator;
        this.agent = agent;
    }

    public static RoleLauncher launch(ApqnConfig config, KubernetesClient client, Starters starters) {
        Objects.requireNonNull(config.role(), "apqn.role");
        return switch (config.role()) {
            case controller -> {
                ControllerSettings s = controllerSettings(config);
                LOG.infof("apqn role controller: leader election %s (Lease %s/%s)", s.leaderElection() ? "on" : "off",
                        s.leaderLeaseNamespace(), s.leaderLeaseName());
                yield new RoleLauncher(starters.controller(client, s), null);
            }
            case agent -> {
                String node = config.nodeName().filter(n -> !n.isBlank()).orElseThrow(() -> new IllegalStateException(
                        "apqn.role=agent needs apqn.node-name (set APQN_NODE_NAME from the downward API: spec.nodeName)"));
                LOG.infof("apqn role agent: node %s, backend %s", node, config.agent().backend());
                yield new RoleLauncher(null, starters.agent(client, node, config.agent(), agentSettings(config)));
            }
        };
    }

    public static ControllerSettings controllerSettings(ApqnConfig c) {
        var d = ControllerSettings.defaults();
        return new ControllerSettings(c.namespace(), c.controller().agentExpiryFactor(), c.controller().agentRecheck(),
                labels(c.controller().nodeSelector()), c.controller().resync(), c.lease().leaderElection(),
                c.lease().leaderName(), c.namespace(), c.lease().duration(), c.lease().renewDeadline(),
                c.lease().retryPeriod(), d.identity());
    }

    public static AgentSettings agentSettings(ApqnConfig c) {
        return AgentSettings.defaults().withLeaseNamespace(c.namespace())
                .withLease(c.lease().agentDuration(), c.lease().agentRenew());
    }

    /** "k=v,k2=v2" → map; blank → empty (every node). */
    static Map<String, String> labels(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        if (text == null || text.isBlank()) {
            return out;
        }
        for (String kv : text.split(",")) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("apqn.controller.node-selector: \"" + kv + "\" is not key=value");
            }
            out.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
        }
        return out;
    }

    public Optional<Operator> operator() {
        return Optional.ofNullable(operator);
    }

    public Optional<NodeAgent> agent() {
        return Optional.ofNullable(agent);
    }

    @Override
    public void close() {
        if (operator != null) {
            operator.stop();
        }
        if (agent != null) {
            agent.close();
        }
    }
}
