package dev.apqn.agent.kube;

import dev.apqn.api.v1alpha1.APNodeState;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Objects;

/**
 * The node agent's liveness: a {@code coordination.k8s.io/v1} Lease named
 * {@code apqn-agent-<node>} in the agent namespace, created by the agent and renewed every
 * {@link AgentSettings#leaseRenew()}. Not a leader election: a node has one agent, so a new agent
 * instance (a restarted pod) takes the Lease over at once, setting {@code acquireTime} and counting
 * {@code leaseTransitions}. Needs only {@code create}, {@code get} and {@code update} on leases.
 */
public final class AgentLease {

    public static final String NODE_LABEL = "apqn.dev/node";

    private final KubernetesClient client;
    private final String namespace;
    private final String node;
    private final String holder;
    private final int durationSeconds;
    private volatile ZonedDateTime acquireTime;

    AgentLease(KubernetesClient client, String namespace, String node, String holder, Duration duration) {
        this.client = Objects.requireNonNull(client, "client");
        this.namespace = Objects.requireNonNull(namespace, "namespace");
        this.node = Objects.requireNonNull(node, "node");
        this.holder = Objects.requireNonNull(holder, "holder");
        this.durationSeconds = (int) Math.max(1, duration.toSeconds());
    }

    /** The Lease's name for a node: {@code apqn-agent-<node>}. */
    public static String name(String node) {
        return APNodeState.leaseName(node);
    }

    public String namespace() {
        return namespace;
    }

    public String holder() {
        return holder;
    }

    /** When this agent instance took the Lease (null before the first successful renew). */
    public ZonedDateTime acquireTime() {
        return acquireTime;
    }

    /**
     * Creates the Lease or renews it (taking it over if another instance held it). Returns the Lease
     * as written. Conflicts (someone else updated it in between) are retried once.
     */
    public Lease renew() {
        for (int attempt = 0; ; attempt++) {
            try {
                return renewOnce();
            } catch (KubernetesClientException e) {
                if ((e.getCode() != 409 && e.getCode() != 404) || attempt >= 2) {
                    throw e;
                }
            }
        }
    }

    private Lease renewOnce() {
        var leases = client.resources(Lease.class).inNamespace(namespace);
        ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
        Lease current = leases.withName(name(node)).get();
        if (current == null) {
            var spec = new LeaseSpec();
            spec.setHolderIdentity(holder);
            spec.setLeaseDurationSeconds(durationSeconds);
            spec.setAcquireTime(now);
            spec.setRenewTime(now);
            spec.setLeaseTransitions(0);
            Lease lease = new Lease();
            lease.setMetadata(new ObjectMetaBuilder().withName(name(node)).withNamespace(namespace)
                    .withLabels(Map.of(NODE_LABEL, node, "app.kubernetes.io/name", "apqn-agent")).build());
            lease.setSpec(spec);
            Lease created = leases.resource(lease).create();
            acquireTime = now;
            return created;
        }
        LeaseSpec spec = current.getSpec() == null ? new LeaseSpec() : current.getSpec();
        if (!holder.equals(spec.getHolderIdentity())) {
            spec.setHolderIdentity(holder);
            spec.setAcquireTime(now);
            spec.setLeaseTransitions(spec.getLeaseTransitions() == null ? 1 : spec.getLeaseTransitions() + 1);
        }
        spec.setLeaseDurationSeconds(durationSeconds);
        spec.setRenewTime(now);
        current.setSpec(spec);
        Lease updated = leases.resource(current).update(); // optimistic: carries the resourceVersion read
        if (acquireTime == null) {
            acquireTime = spec.getAcquireTime();
        }
        return updated;
    }
}
