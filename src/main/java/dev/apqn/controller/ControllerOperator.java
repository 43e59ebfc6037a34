package dev.apqn.controller;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.Cloner;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;

/**
 * The controller role as a plain JOSDK {@link Operator}: the reservation and node reconcilers over
 * one shared {@link ControllerView}, the node-state manager and collector, and (optionally) leader election with a Lease in the operator namespace.
 * Used by {@link ControllerRole} (the Quarkus startup bean's {@code apqn.role=controller}) and by the
 * API-server tests.
 */
public final class ControllerOperator {

    private ControllerOperator() {
    }

    /** A registered, not yet started operator. */
    public static Operator create(KubernetesClient client, ControllerSettings settings) {
        return create(client, settings, true);
    }

    /**
     * As {@link #create(KubernetesClient, ControllerSettings)}; {@code exitOnLostLeadership} is JOSDK's
     * own exit (it blocks when the leadership ends inside the JVM's shutdown, so the application runs
     * {@link ControllerRole} instead); false in tests that stop the operator themselves.
     */
    public static Operator create(KubernetesClient client, ControllerSettings settings, boolean exitOnLostLeadership) {
        return build(client, settings, exitOnLostLeadership, null);
    }

    /**
     * As {@link #create(KubernetesClient, ControllerSettings)}, the end of the leadership decided by
     * {@code leadership} (JOSDK's own exit is off: it would block inside the JVM's shutdown, see
     * {@link Leadership}); null only without leader election.
     */
    static Operator create(KubernetesClient client, ControllerSettings settings, Leadership leadership) {
        return build(client, settings, false, leadership == null ? null : leadership.callbacks());
    }

    private static Operator build(KubernetesClient client, ControllerSettings settings, boolean exitOnLostLeadership,
                                  LeaderCallbacks callbacks) {
        Operator operator = new Operator(o -> {
            o.withKubernetesClient(client).withCloseClientOnStop(false)
                    // no copy of the primary per reconcile (a Jackson round trip of every APNodeState and
                    // reservation, ~8 % of the controller's CPU in a burst): our reconcilers only read
                    // the cached objects, as they already do with each other's caches (ControllerView)
                    .withResourceCloner(new Cloner() {
                        @Override
                        public <R extends HasMetadata> R clone(R r) {
                            return r;
                        }
                    });
            if (settings.leaderElection()) {
                o.withLeaderElectionConfiguration(leaderElection(settings, exitOnLostLeadership, callbacks));
            }
        });
        ControllerView view = new ControllerView(settings, client);
        operator.register(new ReservationReconciler(view));
        operator.register(new NodeReconciler(view));
        operator.register(new NodeStateManager(settings));
        return operator;
    }

    public static LeaderElectionConfiguration leaderElection(ControllerSettings s) {
        return leaderElection(s, true);
    }

    static LeaderElectionConfiguration leaderElection(ControllerSettings s, boolean exitOnLostLeadership) {
        return leaderElection(s, exitOnLostLeadership, null);
    }

    private static LeaderElectionConfiguration leaderElection(ControllerSettings s, boolean exitOnLostLeadership,
                                                              LeaderCallbacks callbacks) {
        return new LeaderElectionConfiguration(s.leaderLeaseName(), s.leaderLeaseNamespace(), s.leaseDuration(),
                s.renewDeadline(), s.retryPeriod(), s.identity(), callbacks, exitOnLostLeadership);
    }
}
