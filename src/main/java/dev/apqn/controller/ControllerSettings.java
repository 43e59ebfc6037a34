package dev.apqn.controller;

import java.time.Duration;
import java.util.Map;

/**
 * The controller's settings, plain values so that Quarkus ({@code dev.apqn.app}) and the API-server
 * tests build them alike.
 *
 * @param agentLeaseNamespace   where the agents' Leases ({@code apqn-agent-<node>}) live
 * @param agentExpiryFactor     an agent counts as gone when its Lease was not renewed for this many lease durations
 * @param agentRecheck          how often a reservation whose agent is missing or not yet reporting is looked at again
 * @param nodeStateSelector     Nodes with all these labels get an APNodeState even without reservations
 * @param resync                the longest time between two reconciles of a reservation
 * @param leaderElection        whether the controller runs leader-elected
 * @param leaderLeaseName       the leader-election Lease's name
 * @param leaderLeaseNamespace  the leader-election Lease's namespace (the operator namespace)
 * @param leaseDuration         leader-election lease duration
 * @param renewDeadline         leader-election renew deadline
 * @param retryPeriod           leader-election retry period
 * @param identity              this instance's identity (pod name)
 * @param statusSettle          how long a transient status (applying, releasing) must last before it is written
 * @param nodeBatchWindow       reservation changes of one node within this window are planned in one pass
 */
public record ControllerSettings(String agentLeaseNamespace, int agentExpiryFactor, Duration agentRecheck,
                                 Map<String, String> nodeStateSelector, Duration resync, boolean leaderElection,
                                 String leaderLeaseName, String leaderLeaseNamespace, Duration leaseDuration,
                                 Duration renewDeadline, Duration retryPeriod, String identity,
                                 Duration statusSettle, Duration nodeBatchWindow) {

    /** The default of {@code apqn.lease.leader-name}, a constant for the tests that look the Lease up. */
    public static final String DEFAULT_LEADER_LEASE = "apqn-controller-leader";

    public ControllerSettings {
        nodeStateSelector = Map.copyOf(nodeStateSelector);
        if (agentExpiryFactor < 1) {
            throw new IllegalArgumentException("agentExpiryFactor must be at least 1, got " + agentExpiryFactor);
        }
    }

    public ControllerSettings withAgentLeaseNamespace(String ns) {
        return new ControllerSettings(ns, agentExpiryFactor, agentRecheck, nodeStateSelector, resync, leaderElection,
                leaderLeaseName, leaderLeaseNamespace, leaseDuration, renewDeadline, retryPeriod, identity, statusSettle, nodeBatchWindow);
    }

    public ControllerSettings withAgentRecheck(Duration d) {
        return new ControllerSettings(agentLeaseNamespace, agentExpiryFactor, d, nodeStateSelector, resync, leaderElection,
                leaderLeaseName, leaderLeaseNamespace, leaseDuration, renewDeadline, retryPeriod, identity, statusSettle, nodeBatchWindow);
    }

    public ControllerSettings withLeaderElection(boolean on, String namespace) {
        return new ControllerSettings(agentLeaseNamespace, agentExpiryFactor, agentRecheck, nodeStateSelector, resync, on,
                leaderLeaseName, namespace, leaseDuration, renewDeadline, retryPeriod, identity, statusSettle, nodeBatchWindow);
    }

    public ControllerSettings withStatusSettle(Duration d) {
        return new ControllerSettings(agentLeaseNamespace, agentExpiryFactor, agentRecheck, nodeStateSelector, resync,
                leaderElection, leaderLeaseName, leaderLeaseNamespace, leaseDuration, renewDeadline, retryPeriod, identity, d,
                nodeBatchWindow);
    }

    /** This instance's identity: {@code POD_NAME}, else {@code HOSTNAME}, else one made of the process id. */
    public static String hostname() {
        String h = System.getenv("POD_NAME");
        if (h == null || h.isBlank()) {
            h = System.getenv("HOSTNAME");
        }
        return h == null || h.isBlank() ? "apqn-controller-" + ProcessHandle.current().pid() : h;
    }
}
