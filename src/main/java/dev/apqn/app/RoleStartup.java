package dev.apqn.app;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/** Quarkus startup bean: starts the role {@code apqn.role} names (see {@link RoleLauncher}). */
@ApplicationScoped
public class RoleStartup {

    @Inject
    ApqnConfig config;

    @Inject
    KubernetesClient client;

    private volatile RoleLauncher launched;

    void onStart(@Observes StartupEvent e) {
        launched = RoleLauncher.launch(config, client, RoleLauncher.DEFAULT);
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
