package dev.apqn.app;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * Quarkus startup bean: starts the role {@code apqn.role} names (see {@link RoleLauncher}), its
 * metrics in the application's {@link MeterRegistry} (Micrometer with the Prometheus registry,
 * served at {@code /q/metrics}; docs/metrics.md).
 */
@ApplicationScoped
public class RoleStartup {

    @Inject
    ApqnConfig config;

    @Inject
    KubernetesClient client;

    @Inject
    MeterRegistry registry;

    private volatile RoleLauncher launched;

    void onStart(@Observes StartupEvent e) {
        launched = RoleLauncher.launch(config, client, RoleLauncher.DEFAULT, registry);
    }

    void onStop(@Observes ShutdownEvent e) {
        RoleLauncher l = launched;
        if (l != null) {
            l.close();
        }
    }

    /** What started (for tests and diagnostics). */
    public RoleLauncher launched() {
        return launched;
    }
}
