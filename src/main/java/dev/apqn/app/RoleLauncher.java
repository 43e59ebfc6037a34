package dev.apqn.app;

import dev.apqn.agent.kube.AgentSettings;
import dev.apqn.agent.kube.NodeAgent;
import dev.apqn.controller.ControllerOperator;
import dev.apqn.controller.ControllerSettings;
import dev.apqn.metrics.AgentMetrics;
import dev.apqn.metrics.AgentMetricsSink;
import dev.apqn.metrics.ReservationMetrics;
import io.micrometer.core.instrument.MeterRegistry;
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
 *
 * <p>Metrics (docs/metrics.md): given a {@link MeterRegistry} (the application's, served at
 * {@code /q/metrics}), the agent reports to an {@link AgentMetrics} on it and the controller role
 * also starts {@link ReservationMetrics}; without one nothing is recorded.
 */
public final class RoleLauncher implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(RoleLauncher.class);

    /** How each role is started; replaced in tests. */
    public interface Starters {
        Operator controller(KubernetesClient client, ControllerSettings settings);

        NodeAgent agent(KubernetesClient client, String node, ApqnConfig.Agent agent, AgentSettings settings);

        /** The agent, reporting each pass to {@code metrics}; by default the metrics are not used. */
        default NodeAgent agent(KubernetesClient client, String node, ApqnConfig.Agent agent, AgentSettings settings,
                                AgentMetricsSink metrics) {
            return agent(client, node, agent, settings);
        }

        /** The controller role's reservation metrics (started), or null for none. */
        default ReservationMetrics reservationMetrics(KubernetesClient client, MeterRegistry registry) {
            return new ReservationMetrics(registry).start(client);
        }
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
            return agent(client, node, agent, settings, AgentMetricsSink.NOOP);
        }

        @Override
        public NodeAgent agent(KubernetesClient client, String node, ApqnConfig.Agent agent, AgentSettings settings,
                               AgentMetricsSink metrics) {
            return NodeAgent.fromConfig(client, node, agent.backend(), Path.of(agent.sysfsRoot()),
                    agent.profile().orElse(null), Path.of(agent.ledgerDir()), settings, metrics).start();
        }
    };

    private final Operator operator;
    private final NodeAgent agent;
    private final ReservationMetrics reservationMetrics;
    private final AgentMetrics agentMetrics;

    private RoleLauncher(Operator operator, NodeAgent agent, ReservationMetrics reservationMetrics, AgentMetrics agentMetrics) {
        this.operator = operator;
        this.agent = agent;
        this.reservationMetrics = reservationMetrics;
        this.agentMetrics = agentMetrics;
    }

    /** Starts the role without metrics. */
    public static RoleLauncher launch(ApqnConfig config, KubernetesClient client, Starters starters) {
        return launch(config, client, starters, null);
    }

    /** Starts the role; with a {@code registry} (may be null) its metrics go there. */
    public static RoleLauncher launch(ApqnConfig config, KubernetesClient client, Starters starters, MeterRegistry registry) {
        Objects.requireNonNull(config.role(), "apqn.role");
        return switch (config.role()) {
            case controller -> {
                ControllerSettings s = controllerSettings(config);
                LOG.infof("apqn role controller: leader election %s (Lease %s/%s)", s.leaderElection() ? "on" : "off",
                        s.leaderLeaseNamespace(), s.leaderLeaseName());
                Operator op = starters.controller(client, s);
                ReservationMetrics rm = registry == null ? null : starters.reservationMetrics(client, registry);
                yield new RoleLauncher(op, null, rm, null);
            }
            case agent -> {
                String node = config.nodeName().filter(n -> !n.isBlank()).orElseThrow(() -> new IllegalStateException(
                        "apqn.role=agent needs apqn.node-name (set APQN_NODE_NAME from the downward API: spec.nodeName)"));
                LOG.infof("apqn role agent: node %s, backend %s", node, config.agent().backend());
                AgentMetrics am = registry == null ? null : new AgentMetrics(registry);
                yield new RoleLauncher(null, starters.agent(client, node, config.agent(), agentSettings(config),
                        am == null ? AgentMetricsSink.NOOP : am), null, am);
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

    /** The controller role's reservation metrics (with a registry). */
    public Optional<ReservationMetrics> reservationMetrics() {
        return Optional.ofNullable(reservationMetrics);
    }

    /** The agent role's metrics (with a registry). */
    public Optional<AgentMetrics> agentMetrics() {
        return Optional.ofNullable(agentMetrics);
    }

    @Override
    public void close() {
        if (reservationMetrics != null) {
            reservationMetrics.close();
        }
        if (operator != null) {
            operator.stop();
        }
        if (agent != null) {
            agent.close();
        }
    }
}
