package dev.apqn.controller;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;

/**
 * The controller role as a plain JOSDK {@link Operator}: the reservation reconciler, the node-state
 * manager and collector, and (optionally) leader election with a Lease in the operator namespace.
 * Used by the Quarkus startup bean for {@code apqn.role=controller} and by the API-server tests.
 */
public final class ControllerOperator {

    private ControllerOperator() {
    }

    /** A registered, not yet started operator. */
    public static Operator create(KubernetesClient client, ControllerSettings settings) {
        Operator operator = new Operator(o -> {
            o.withKubernetesClient(client).withCloseClientOnStop(false);
            if (settings.leaderElection()) {
                o.withLeaderElectionConfiguration(leaderElection(settings));
            }
        });
        operator.register(new ReservationReconciler(settings));
        operator.register(new NodeStateManager(settings));
        operator.register(new NodeStateCollector());
        return operator;
    }

    public static LeaderElectionConfiguration leaderElection(ControllerSettings s) {
        return new LeaderElectionConfiguration(s.leaderLeaseName(), s.leaderLeaseNamespace(), s.leaseDuration(),
                s.renewDeadline(), s.retryPeriod(), s.identity(), null, true);
    }
}
