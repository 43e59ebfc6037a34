package dev.apqn.app;

import dev.apqn.agent.DrainPolicy;
import dev.apqn.agent.kube.AgentBackend;
import dev.apqn.controller.ControllerSettings;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/**
 * The application's configuration ({@code apqn.*}), one artifact for both roles: the one place that
 * declares each key (the method, kebab-cased under its group), its default ({@link WithDefault}) and
 * its meaning ({@link ConfigDoc}). Everything else derives from it: docs/operator.md's configuration
 * table ({@code make generate}), the settings the roles run with and their {@code defaults()}
 * ({@link ApqnConfigs}). Every key can also be set as an environment variable ({@code APQN_AGENT_LEDGER_DIR}
 * for {@code apqn.agent.ledger-dir}); an {@code apqn.*} key the mapping does not know fails the start.
 */
@ConfigMapping(prefix = "apqn")
public interface ApqnConfig {

    /** What this process runs. */
    enum Role {
        /** The cluster controller (Deployment, leader-elected): reservations, node states, plans. */
        controller,
        /** One node's agent (DaemonSet): its own APNodeState only. */
        agent,
        /**
         * {@code uninstall-check}: the Helm chart's pre-delete hook Job; runs {@link UninstallCheck} once
         * and exits with its code (0: no reservations, 1: some exist, 2: could not check).
         */
        uninstall_check;

        /** Runs once and exits (a Job), rather than until stopped. */
        public boolean oneShot() {
            return this == uninstall_check;
        }
    }

    @ConfigDoc("what this process runs: the controller (Deployment), one node's agent (DaemonSet) or the chart's"
            + " pre-delete hook check (runs once)")
    @WithDefault("controller")
    Role role();

    @ConfigDoc("agent only: the node (downward API `spec.nodeName`)")
    Optional<String> nodeName();

    @ConfigDoc("the operator namespace: agent Leases, leader-election Lease, agent events")
    @WithDefault("apqn-system")
    String namespace();

    Agent agent();

    Controller controller();

    Lease lease();

    interface Agent {
        @ConfigDoc("real sysfs of the node, or a simulated kernel booted from a machine profile")
        @WithDefault("sysfs")
        AgentBackend backend();

        @ConfigDoc("where the `sysfs` backend finds sysfs mounted (`/host/sys` in the chart's pod, `<mount>/sys` of a"
                + " simkernel)")
        @WithDefault("/sys")
        String sysfsRoot();

        @ConfigDoc("the kernel's boot id: a new one discards the intent ledger (Restoring); a simkernel's `boot_id`"
                + " file on a simulated node, whose restart is that node's reboot")
        @WithDefault("/proc/sys/kernel/random/boot_id")
        String bootIdFile();

        @ConfigDoc("machine profile of the `simulated` backend (name or YAML file)")
        Optional<String> profile();

        @ConfigDoc("the agent's write-ahead intent ledger (tmpfs `/run` on a node)")
        @WithDefault("/run/apqn-agent")
        String ledgerDir();

        @ConfigDoc("how often the agent converges without a spec change, to notice drift (hand edits), inventory"
                + " changes and reboots")
        @WithDefault("60s")
        Duration resync();

        @ConfigDoc("how soon a converge that failed (API or sysfs error) is retried")
        @WithDefault("2s")
        Duration retryDelay();

        @ConfigDoc("before queues are taken from the host (the kernel flushes them): `wait-bounded` polls their"
                + " requests in flight until they are idle or `apqn.agent.drain-timeout` has passed, `none` takes"
                + " them at once")
        @WithDefault("wait-bounded")
        DrainPolicy.Mode drain();

        @ConfigDoc("the bound of a `wait-bounded` drain: the queues are taken after it, busy or not")
        @WithDefault("30s")
        Duration drainTimeout();

        @ConfigDoc("time between two polls of a `wait-bounded` drain")
        @WithDefault("100ms")
        Duration drainPoll();

        Dra dra();
    }

    /** The agent's kubelet plugin of DRA driver apqn.dev (docs/dra.md); the chart sets these from its {@code dra} values. */
    interface Dra {
        @ConfigDoc("serve the kubelet plugin of DRA driver `apqn.dev` (registration and DRA sockets, CDI specs); the"
                + " chart sets it from `dra.enabled`")
        @WithDefault("false")
        boolean enabled();

        @ConfigDoc("the kubelet's plugins directory (mounted at the host's path): the DRA socket is"
                + " `<dir>/apqn.dev/dra.sock`, the claims' device metadata `<dir>/apqn.dev/metadata`")
        @WithDefault("/var/lib/kubelet/plugins")
        String pluginsDir();

        @ConfigDoc("the kubelet's plugin registry directory: the registration socket is `<dir>/apqn.dev-reg.sock`")
        @WithDefault("/var/lib/kubelet/plugins_registry")
        String registryDir();

        @ConfigDoc("the container runtime's CDI spec directory: one `apqn.dev-<claimUID>.json` per prepared claim")
        @WithDefault("/var/run/cdi")
        String cdiDir();
    }

    interface Controller {
        @ConfigDoc("labels (`k=v,k2=v2`) of the Nodes that get an APNodeState without any reservation")
        @WithDefault("kubernetes.io/arch=s390x")
        String nodeSelector();

        @ConfigDoc("an agent is gone once its Lease is older than this many lease durations")
        @WithDefault("3")
        int agentExpiryFactor();

        @ConfigDoc("how often a reservation waiting for an agent is looked at again")
        @WithDefault("10s")
        Duration agentRecheck();

        @ConfigDoc("the longest time between two reconciles of a reservation")
        @WithDefault("5m")
        Duration resync();

        @ConfigDoc("a transient status (planned, applying, releasing) is written only once it lasted this long; on the"
                + " normal path the reservation goes straight to Ready or away, one status write and its watch events fewer")
        @WithDefault("3s")
        Duration statusSettle();

        @ConfigDoc("changes to the reservations of one node within this window are planned in one pass and one"
                + " APNodeState write (a burst of creates or deletes); it adds at most this much to apply->Ready")
        @WithDefault("150ms")
        Duration nodeBatchWindow();
    }

    interface Lease {
        @ConfigDoc("run the controller leader-elected (Lease `apqn.lease.leader-name` in `apqn.namespace`)")
        @WithDefault("true")
        boolean leaderElection();

        @ConfigDoc("the controller's leader-election Lease")
        @WithDefault(ControllerSettings.DEFAULT_LEADER_LEASE)
        String leaderName();

        @ConfigDoc("leader-election lease duration")
        @WithDefault("15s")
        Duration duration();

        @ConfigDoc("leader-election renew deadline")
        @WithDefault("10s")
        Duration renewDeadline();

        @ConfigDoc("leader-election retry period")
        @WithDefault("2s")
        Duration retryPeriod();

        @ConfigDoc("the agent Lease's duration (the Lease's leaseDurationSeconds)")
        @WithDefault("40s")
        Duration agentDuration();

        @ConfigDoc("how often the agent renews its Lease (shorter than `apqn.lease.agent-duration`)")
        @WithDefault("10s")
        Duration agentRenew();
    }
}
