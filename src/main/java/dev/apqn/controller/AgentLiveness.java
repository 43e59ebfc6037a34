package dev.apqn.controller;

import dev.apqn.api.v1alpha1.APNodeState;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.Optional;

/**
 * Whether a node's agent runs: its Lease {@code <namespace>/apqn-agent-<node>}
 * ({@link APNodeState#leaseName}) exists and was renewed within {@code factor} lease durations.
 */
public final class AgentLiveness {

    /** The verdict, with a message for the reservation's status when the agent is not alive. */
    public record Verdict(boolean alive, String message, Duration recheckIn) {
    }

    private AgentLiveness() {
    }

    public static Verdict check(String node, String namespace, Optional<Lease> lease, Instant now, int factor,
                                Duration recheck) {
        String where = namespace + "/" + APNodeState.leaseName(node);
        if (lease.isEmpty() || lease.get().getSpec() == null) {
            return new Verdict(false, "no apqn agent runs on node " + node + ": its Lease " + where + " does not exist"
                    + " (is the agent DaemonSet scheduled on the node?)", recheck);
        }
        var spec = lease.get().getSpec();
        ZonedDateTime renewed = spec.getRenewTime() != null ? spec.getRenewTime() : spec.getAcquireTime();
        int seconds = spec.getLeaseDurationSeconds() == null ? 15 : spec.getLeaseDurationSeconds();
        if (renewed == null) {
            return new Verdict(false, "the apqn agent on node " + node + " has not renewed its Lease " + where + " yet", recheck);
        }
        Instant deadline = renewed.toInstant().plusSeconds((long) seconds * factor);
        if (now.isAfter(deadline)) {
            return new Verdict(false, "the apqn agent on node " + node + " stopped: its Lease " + where + " was last renewed"
                    + " at " + renewed.toInstant() + ", more than " + factor + " x " + seconds + " s ago", recheck);
        }
        Duration left = Duration.between(now, deadline).plusSeconds(1);
        return new Verdict(true, "", left.compareTo(recheck) < 0 ? recheck : left);
    }
}
