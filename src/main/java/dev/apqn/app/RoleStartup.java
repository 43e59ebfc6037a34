package dev.apqn.app;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/**
 * Quarkus startup bean: starts the role {@code apqn.role} names (see {@link RoleLauncher}), its
 * metrics in the application's {@link MeterRegistry} (Micrometer with the Prometheus registry,
 * served at {@code /q/metrics}; docs/metrics.md).
 *
 * <p>A long-running role starts on its own thread, so the HTTP server (health, metrics) answers
 * from the first second: the controller's start waits for its informer caches, which on a busy
 * cluster may take a while, and meanwhile the pod is alive but not ready ({@link #readiness()}). A
 * role that fails to start ends the process with exit code 1. The one-shot {@code uninstall-check}
 * runs here and exits with its verdict's code.
 */
@ApplicationScoped
public class RoleStartup {

    private static final Logger LOG = Logger.getLogger(RoleStartup.class);

    @Inject
    ApqnConfig config;

    @Inject
    KubernetesClient client;

    @Inject
    MeterRegistry registry;

    private final Object lock = new Object();
    private RoleLauncher launched;
    private boolean stopping;
    private Thread starter;

    void onStart(@Observes StartupEvent e) {
        if (config.role().oneShot()) {
            Quarkus.asyncExit(RoleLauncher.runOnce(config, client, System.out));
            return;
        }
        Thread t = new Thread(this::launch, "apqn-role-start");
        t.setDaemon(true); // a start still waiting for caches must not hold up a shutdown
        synchronized (lock) {
            starter = t;
        }
        t.start();
    }

    private void launch() {
        RoleLauncher l;
        try {
            l = RoleLauncher.launch(config, client, RoleLauncher.DEFAULT, registry);
        } catch (RuntimeException ex) {
            synchronized (lock) {
                if (stopping) {
                    return;
                }
            }
            LOG.errorf(ex, "apqn role %s did not start; exiting", config.role());
            Quarkus.asyncExit(1);
            return;
        }
        boolean closeNow;
        synchronized (lock) {
            closeNow = stopping;
            if (!closeNow) {
                launched = l;
            }
        }
        if (closeNow) {
            l.close();
        }
    }

    void onStop(@Observes ShutdownEvent e) {
        RoleLauncher l;
        synchronized (lock) {
            stopping = true;
            l = launched;
        }
        if (l != null) {
            l.close();
        }
    }

    /** What started, or null while the role is still starting (for tests and diagnostics). */
    public RoleLauncher launched() {
        synchronized (lock) {
            return launched;
        }
    }

    /** The role's readiness; not ready while starting or stopping. */
    public RoleLauncher.Health readiness() {
        synchronized (lock) {
            if (stopping) {
                return new RoleLauncher.Health(false, "stopping");
            }
            if (launched == null) {
                return new RoleLauncher.Health(false, starting());
            }
        }
        return launched().readiness();
    }

    /** The role's liveness; alive while its start is still running. */
    public RoleLauncher.Health liveness() {
        RoleLauncher l;
        synchronized (lock) {
            if (config.role().oneShot()) {
                return new RoleLauncher.Health(true, config.role() + " runs once");
            }
            if (launched == null) {
                boolean alive = starter != null && starter.isAlive() || stopping;
                return new RoleLauncher.Health(alive, alive ? starting() : "the role did not start");
            }
            l = launched;
        }
        return l.liveness();
    }

    private String starting() {
        return "apqn role " + config.role() + " starting" + (config.role() == ApqnConfig.Role.controller
                ? " (waiting for the informer caches)" : "");
    }
}
