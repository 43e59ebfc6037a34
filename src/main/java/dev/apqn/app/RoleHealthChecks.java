package dev.apqn.app;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

/**
 * The role's health at {@code /q/health/ready} and {@code /q/health/live} (SmallRye Health): what
 * {@link RoleStartup#readiness()} and {@link RoleStartup#liveness()} say, named {@code apqn-<role>}.
 * The operator extension's own readiness check is excluded (application.properties): it asks the
 * extension's operator, which never starts here, so it would report DOWN forever.
 */
@ApplicationScoped
public class RoleHealthChecks {

    @Inject
    RoleStartup startup;

    @Inject
    ApqnConfig config;

    @Produces
    @Readiness
    @ApplicationScoped
    HealthCheck readiness() {
        return () -> response(startup.readiness());
    }

    @Produces
    @Liveness
    @ApplicationScoped
    HealthCheck liveness() {
        return () -> response(startup.liveness());
    }

    private HealthCheckResponse response(RoleLauncher.Health h) {
        return HealthCheckResponse.named("apqn-" + config.role().name().replace('_', '-'))
                .status(h.up()).withData("detail", h.detail()).build();
    }
}
