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
        return create(client, settings, true);
    }

    /**
     * As {@link #create(KubernetesClient, ControllerSettings)}; {@code exitOnLostLeadership} false only
     * in tests (a controller that lost its lease must not keep reconciling, so production exits).
     */
    public static Operator create(KubernetesClient client, ControllerSettings settings, boolean exitOnLostLeadership) {
        Operator operator = new Operator(o -> {
            o.withKubernetesClient(client).withCloseClientOnStop(false);
            if (settings.leaderElection()) {
                o.withLeaderElectionConfiguration(leaderElection(settings, exitOnLostLeadership));
            }
        });
        operator.register(new ReservationReconciler(settings));
        operator.register(new NodeStateManager(settings));
        operator.register(new NodeStateCollector());
        return operator;
    }

    public static LeaderElectionConfiguration leaderElection(ControllerSettings s) {
        return leaderElection(s, true);
    }

    static LeaderElectionConfiguration leaderElection(ControllerSettings s, boolean exitOnLostLeadership) {
        return new LeaderElectionConfiguration(s.leaderLeaseName(), s.leaderLeaseNamespace(), s.leaseDuration(),
                s.renewDeadline(), s.retryPeriod(), s.identity(), null, exitOnLostLeadership);
    }
}
