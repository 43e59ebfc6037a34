package dev.apqn.app;

import dev.apqn.agent.kube.AgentSettings;
import dev.apqn.agent.kube.NodeAgent;
import dev.apqn.controller.ControllerRole;
import dev.apqn.controller.ControllerSettings;
import dev.apqn.metrics.AgentMetrics;
import dev.apqn.agent.kube.AgentMetricsSink;
import dev.apqn.metrics.ReservationMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import org.jboss.logging.Logger;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Starts exactly one role (Quarkus-free, so the switch itself is unit-tested): {@code controller}
 * builds and starts the {@link ControllerRole} (a JOSDK {@link Operator}, leader-elected);
 * {@code agent} starts this node's {@link NodeAgent} and never registers a reconciler;
 * {@code uninstall-check} is not launched but {@link #runOnce run once}. The Quarkus extension's own
 * operator is switched off ({@code quarkus.operator-sdk.start-operator=false}, and every reconciler is
 * {@code @Ignore}d for it). {@link #readiness()} and {@link #liveness()} are the role's health.
 *
 * <p>Metrics (docs/metrics.md): given a {@link MeterRegistry} (the application's, served at
 * {@code /q/metrics}), the agent reports to an {@link AgentMetrics} on it and the controller role
 * also starts {@link ReservationMetrics}; without one nothing is recorded.
 */
public final class RoleLauncher implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(RoleLauncher.class);

    /** How each role is started; replaced in tests. */
    public interface Starters {
        ControllerRole controller(KubernetesClient client, ControllerSettings settings);

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
        public ControllerRole controller(KubernetesClient client, ControllerSettings settings) {
            return ControllerRole.create(client, settings).start();
        }

        @Override
        public NodeAgent agent(KubernetesClient client, String node, ApqnConfig.Agent agent, AgentSettings settings) {
            return agent(client, node, agent, settings, AgentMetricsSink.NOOP);
        }

        @Override
        public NodeAgent agent(KubernetesClient client, String node, ApqnConfig.Agent agent, AgentSettings settings,
                               AgentMetricsSink metrics) {
            NodeAgent a = dev.apqn.agent.kube.AgentBackends.create(client, node, agent.backend(), Path.of(agent.sysfsRoot()),
                    Path.of(agent.bootIdFile()), agent.profile().orElse(null), Path.of(agent.ledgerDir()), settings, metrics);
            ApqnConfig.Dra dra = agent.dra();
            if (dra.enabled()) {
                a.withKubeletPlugin(new dev.apqn.dra.KubeletPlugin.Dirs(Path.of(dra.pluginsDir()), Path.of(dra.registryDir()),
                        Path.of(dra.cdiDir())));
                a = a.publishingResourceSlices();
            }
            return a.start();
        }
    };

    /** A role's health: up or not, and why (shown in the health check's data). */
    public record Health(boolean up, String detail) {
    }

    private final ControllerRole controller;
    private final NodeAgent agent;
    private final ReservationMetrics reservationMetrics;
    private final AgentMetrics agentMetrics;

    private RoleLauncher(ControllerRole controller, NodeAgent agent, ReservationMetrics reservationMetrics, AgentMetrics agentMetrics) {
        this.controller = controller;
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
                ControllerSettings s = ApqnConfigs.controllerSettings(config);
                LOG.infof("apqn role controller: leader election %s (Lease %s/%s)", s.leaderElection() ? "on" : "off",
                        s.leaderLeaseNamespace(), s.leaderLeaseName());
                ControllerRole role = starters.controller(client, s);
                ReservationMetrics rm = registry == null ? null : starters.reservationMetrics(client, registry);
                yield new RoleLauncher(role, null, rm, null);
            }
            case agent -> {
                String node = config.nodeName().filter(n -> !n.isBlank()).orElseThrow(() -> new IllegalStateException(
                        "apqn.role=agent needs apqn.node-name (set APQN_NODE_NAME from the downward API: spec.nodeName)"));
                LOG.infof("apqn role agent: node %s, backend %s", node, config.agent().backend());
                AgentMetrics am = registry == null ? null : new AgentMetrics(registry);
                yield new RoleLauncher(null, starters.agent(client, node, config.agent(), ApqnConfigs.agentSettings(config),
                        am == null ? AgentMetricsSink.NOOP : am), null, am);
            }
            case uninstall_check -> throw new IllegalArgumentException(
                    "apqn.role=uninstall-check runs once (RoleLauncher.runOnce); it is not launched");
        };
    }

    /**
     * Runs a one-shot role ({@link ApqnConfig.Role#oneShot()}): prints its verdict to {@code out} and
     * returns the process exit code.
     */
    public static int runOnce(ApqnConfig config, KubernetesClient client, PrintStream out) {
        if (config.role() != ApqnConfig.Role.uninstall_check) {
            throw new IllegalArgumentException("apqn.role=" + config.role() + " is not a one-shot role");
        }
        UninstallCheck.Verdict v = UninstallCheck.run(client);
        out.println(v.message());
        out.flush();
        return v.exitCode();
    }

    public Optional<Operator> operator() {
        return Optional.ofNullable(controller).map(ControllerRole::operator);
    }

    public Optional<ControllerRole> controller() {
        return Optional.ofNullable(controller);
    }

    /**
     * Ready to do its work: the controller once its informers' caches are synced (leader or standby:
     * a standby is ready to take over), the agent once it has read the inventory and its
     * APNodeState's status on the server matches it.
     */
    public Health readiness() {
        if (controller != null) {
            List<String> unsynced = controller.unsyncedInformers();
            String lead = controller.leadership().map(l -> l.leading() ? "leader" : "standby (leader: "
                    + (l.leader() == null ? "none" : l.leader()) + ")").orElse("no leader election");
            return unsynced.isEmpty() ? new Health(true, "informer caches synced; " + lead)
                    : new Health(false, "informers not synced: " + String.join(", ", unsynced) + "; " + lead);
        }
        if (agent == null) {
            return new Health(false, "no role running");
        }
        if (agent.statusReported()) {
            return new Health(true, "inventory read, APNodeState " + agent.node() + " status written");
        }
        return new Health(false, "APNodeState " + agent.node() + " status not written yet (the controller creates"
                + " the APNodeState for a node its node selector matches)");
    }

    /**
     * Alive: the role's runtime is running (controller: JOSDK started, executors up; agent: not
     * closed, its timer and worker threads up, its informer not stopped). Never asks the API server,
     * so an API server outage does not restart the pod.
     */
    public Health liveness() {
        if (controller != null) {
            return controller.running() ? new Health(true, "controller running")
                    : new Health(false, "controller stopped");
        }
        if (agent == null) {
            return new Health(false, "no role running");
        }
        return agent.running() ? new Health(true, "agent running") : new Health(false, "agent stopped");
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
        if (controller != null) {
            controller.close();
        }
        if (agent != null) {
            agent.close();
        }
    }
}
