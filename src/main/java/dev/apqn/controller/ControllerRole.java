package dev.apqn.controller;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.RegisteredController;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The controller role as it runs in a pod: the {@link ControllerOperator} with leader election whose
 * end is decided by {@link Leadership}, and an orderly stop that gives the Lease back.
 *
 * <p>Every replica, leader or standby, starts the informers and waits for their caches (JOSDK starts
 * event processing only on the leader), so a standby is ready to take over the moment it leads:
 * {@link #cachesSynced()} is its readiness, whatever the leadership.
 */
public final class ControllerRole implements AutoCloseable {

    private final Operator operator;
    private final Leadership leadership;
    private final KubernetesClient client;
    private final ControllerSettings settings;
    private volatile boolean closed;

    private ControllerRole(Operator operator, Leadership leadership, KubernetesClient client, ControllerSettings settings) {
        this.operator = operator;
        this.leadership = leadership;
        this.client = client;
        this.settings = settings;
    }

    /** Registered, not started; losing the leadership while running exits the process. */
    public static ControllerRole create(KubernetesClient client, ControllerSettings settings) {
        return create(client, settings, Leadership.exitProcess());
    }

    /** As {@link #create(KubernetesClient, ControllerSettings)}, with what losing the leadership does. */
    public static ControllerRole create(KubernetesClient client, ControllerSettings settings, Runnable onLostLeadership) {
        Leadership leadership = settings.leaderElection() ? new Leadership(settings.identity(), onLostLeadership) : null;
        return new ControllerRole(ControllerOperator.create(client, settings, leadership), leadership, client, settings);
    }

    /** Starts the informers (waiting for their caches) and, leader-elected, the election. */
    public ControllerRole start() {
        operator.start();
        return this;
    }

    public Operator operator() {
        return operator;
    }

    /** Empty without leader election. */
    public Optional<Leadership> leadership() {
        return Optional.ofNullable(leadership);
    }

    /**
     * The controllers' informers that are not running with a synced cache (empty: ready). JOSDK's
     * informer health is "running and synced", not "watching", so a watch reconnecting during an API
     * server hiccup does not count; an informer that stopped for good does.
     */
    public List<String> unsyncedInformers() {
        List<String> out = new ArrayList<>();
        if (closed || !operator.getRuntimeInfo().isStarted()) {
            out.add("operator not started");
            return out;
        }
        for (RegisteredController<?> rc : operator.getRegisteredControllers()) {
            rc.getControllerHealthInfo().unhealthyEventSources().keySet()
                    .forEach(es -> out.add(rc.getConfiguration().getName() + "/" + es));
        }
        return out;
    }

    public boolean cachesSynced() {
        return unsyncedInformers().isEmpty();
    }

    /** Started and not stopped: the JOSDK runtime (informers, reconcile executor) is up. */
    public boolean running() {
        return !closed && operator.getRuntimeInfo().isStarted()
                && !operator.getConfigurationService().getExecutorServiceManager().reconcileExecutorService().isShutdown();
    }

    /**
     * Stops reconciling and watching, then releases the Lease if this instance holds it (only after
     * the reconcilers stopped, so the next leader never overlaps with us).
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (leadership != null) {
            leadership.shutDown();
        }
        operator.stop();
        if (leadership != null) {
            LeaderLease.release(client, settings.leaderLeaseNamespace(), settings.leaderLeaseName(), settings.identity());
        }
    }
}
