package dev.apqn.agent.kube;

import dev.apqn.agent.DrainPolicy;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link NodeAgent} talks to Kubernetes and paces itself. One value for every agent of a
 * JVM (the demo and the benchmark run many simulated agents with the same settings).
 *
 * @param leaseNamespace where the agents' Leases ({@link AgentLease#name(String)}) live
 * @param leaseDuration  {@code spec.leaseDurationSeconds} of the Lease: the agent is considered
 *                       gone when its Lease was not renewed for that long
 * @param leaseRenew     how often the agent renews its Lease (well below {@code leaseDuration})
 * @param resyncPeriod   how often the agent re-converges without a spec change, to notice drift
 *                       (hand edits), inventory changes and reboots
 * @param retryDelay     how soon a converge that threw (API or sysfs error) is retried
 * @param drain          the drain before queues are taken from the host
 * @param fieldManager   the field manager of the agent's {@code APNodeState.status} writes
 * @param identity       the agent's identity prefix for the Lease's holderIdentity (the pod name
 *                       on a node); each agent instance appends its node and a random suffix
 * @param version        reported in {@code status.agent.version}
 */
public record AgentSettings(String leaseNamespace, Duration leaseDuration, Duration leaseRenew, Duration resyncPeriod,
                            Duration retryDelay, DrainPolicy drain, String fieldManager, String identity, String version) {

    public static final String FIELD_MANAGER = "apqn-agent";

    public AgentSettings {
        Objects.requireNonNull(leaseNamespace, "leaseNamespace");
        Objects.requireNonNull(leaseDuration, "leaseDuration");
        Objects.requireNonNull(leaseRenew, "leaseRenew");
        Objects.requireNonNull(resyncPeriod, "resyncPeriod");
        Objects.requireNonNull(retryDelay, "retryDelay");
        Objects.requireNonNull(drain, "drain");
        Objects.requireNonNull(fieldManager, "fieldManager");
        Objects.requireNonNull(identity, "identity");
        version = version == null ? "dev" : version;
        if (leaseRenew.isZero() || leaseRenew.isNegative() || leaseRenew.compareTo(leaseDuration) >= 0) {
            throw new IllegalArgumentException("leaseRenew must be positive and shorter than leaseDuration");
        }
        if (resyncPeriod.isZero() || resyncPeriod.isNegative() || retryDelay.isNegative()) {
            throw new IllegalArgumentException("resyncPeriod must be positive, retryDelay not negative");
        }
    }

    /**
     * These values, the rest from the running process: the field manager {@value #FIELD_MANAGER}, the
     * identity {@code POD_NAME} (else the host name), the version from the jar's manifest.
     */
    public static AgentSettings of(String leaseNamespace, Duration leaseDuration, Duration leaseRenew, Duration resyncPeriod,
                                   Duration retryDelay, DrainPolicy drain) {
        String id = System.getenv().getOrDefault("POD_NAME", hostName());
        return new AgentSettings(leaseNamespace, leaseDuration, leaseRenew, resyncPeriod, retryDelay, drain,
                FIELD_MANAGER, id, AgentSettings.class.getPackage().getImplementationVersion());
    }

    public AgentSettings withLeaseNamespace(String ns) {
        return new AgentSettings(ns, leaseDuration, leaseRenew, resyncPeriod, retryDelay, drain, fieldManager, identity, version);
    }

    public AgentSettings withLease(Duration duration, Duration renew) {
        return new AgentSettings(leaseNamespace, duration, renew, resyncPeriod, retryDelay, drain, fieldManager, identity, version);
    }

    public AgentSettings withResyncPeriod(Duration period) {
        return new AgentSettings(leaseNamespace, leaseDuration, leaseRenew, period, retryDelay, drain, fieldManager, identity, version);
    }

    public AgentSettings withRetryDelay(Duration delay) {
        return new AgentSettings(leaseNamespace, leaseDuration, leaseRenew, resyncPeriod, delay, drain, fieldManager, identity, version);
    }

    public AgentSettings withDrain(DrainPolicy policy) {
        return new AgentSettings(leaseNamespace, leaseDuration, leaseRenew, resyncPeriod, retryDelay, policy, fieldManager, identity, version);
    }

    public AgentSettings withIdentity(String id) {
        return new AgentSettings(leaseNamespace, leaseDuration, leaseRenew, resyncPeriod, retryDelay, drain, fieldManager, id, version);
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "apqn-agent";
        }
    }
}
