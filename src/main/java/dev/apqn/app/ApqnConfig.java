package dev.apqn.app;

import dev.apqn.agent.kube.AgentBackend;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/** The application's configuration ({@code apqn.*}), one artifact for both roles. */
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

    /** {@code apqn.role}: controller, agent or uninstall-check. */
    @WithDefault("controller")
    Role role();

    /** {@code apqn.node-name}: the agent's node (from the downward API, spec.nodeName). */
    Optional<String> nodeName();

    /** {@code apqn.namespace}: the operator namespace (agent Leases, leader-election Lease, agent events). */
    @WithDefault("apqn-system")
    String namespace();

    Agent agent();

    Controller controller();

    Lease lease();

    interface Agent {
        /** {@code apqn.agent.backend}: sysfs (a real node) or simulated (a machine profile). */
        @WithDefault("sysfs")
        AgentBackend backend();

        /** {@code apqn.agent.sysfs-root}: where the sysfs backend finds sysfs mounted ({@code /sys} of the node). */
        @WithDefault("/sys")
        String sysfsRoot();

        /**
         * {@code apqn.agent.boot-id-file}: the kernel's boot id (a new one discards the intent ledger:
         * Restoring); a simkernel's file on a simulated node, whose restart is that node's reboot.
         */
        @WithDefault("/proc/sys/kernel/random/boot_id")
        String bootIdFile();

        /** {@code apqn.agent.profile}: the machine profile of the simulated backend (name or YAML file). */
        Optional<String> profile();

        /** {@code apqn.agent.ledger-dir}: the write-ahead intent ledger (tmpfs /run on a node). */
        @WithDefault("/run/apqn-agent")
        String ledgerDir();
    }

    interface Controller {
        /** {@code apqn.controller.node-selector}: labels (k=v,k2=v2) of Nodes that get an APNodeState without reservations. */
        @WithDefault("kubernetes.io/arch=s390x")
        String nodeSelector();

        /** {@code apqn.controller.agent-expiry-factor}: an agent is gone after this many missed lease durations. */
        @WithDefault("3")
        int agentExpiryFactor();

        /** {@code apqn.controller.agent-recheck}: how often a reservation waiting for an agent is looked at again. */
        @WithDefault("10s")
        Duration agentRecheck();

        /** {@code apqn.controller.resync}: the longest time between two reconciles of a reservation. */
        @WithDefault("5m")
        Duration resync();
    }

    interface Lease {
        /** {@code apqn.lease.leader-election}: run the controller leader-elected. */
        @WithDefault("true")
        boolean leaderElection();

        /** {@code apqn.lease.leader-name}: the controller's leader-election Lease. */
        @WithDefault("apqn-controller-leader")
        String leaderName();

        /** {@code apqn.lease.duration}: leader-election lease duration (controller) and agent Lease duration. */
        @WithDefault("15s")
        Duration duration();

        /** {@code apqn.lease.renew-deadline}: leader-election renew deadline. */
        @WithDefault("10s")
        Duration renewDeadline();

        /** {@code apqn.lease.retry-period}: leader-election retry period. */
        @WithDefault("2s")
        Duration retryPeriod();

        /** {@code apqn.lease.agent-duration}: the agent Lease's duration. */
        @WithDefault("40s")
        Duration agentDuration();

        /** {@code apqn.lease.agent-renew}: how often the agent renews its Lease. */
        @WithDefault("10s")
        Duration agentRenew();
    }
}
