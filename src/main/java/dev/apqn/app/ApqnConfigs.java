package dev.apqn.app;

import dev.apqn.agent.DrainPolicy;
import dev.apqn.agent.kube.AgentSettings;
import dev.apqn.controller.ControllerSettings;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@link ApqnConfig} outside Quarkus, and what the roles make of it. {@link #agentDefaults()} and
 * {@link #controllerDefaults()} (tests, demo, benchmark) are {@link #defaults() the declared defaults} mapped like the running
 * application's configuration, so a default is written once, in {@link ApqnConfig}.
 */
public final class ApqnConfigs {

    private ApqnConfigs() {
    }

    /** Every key at its declared default. */
    public static ApqnConfig defaults() {
        return Defaults.CONFIG;
    }

    /**
     * The configuration from these {@code apqn.*} properties, the rest at their defaults; values are
     * converted as the application converts them ({@code 10s}, {@code wait-bounded}) and an unknown
     * {@code apqn.*} key is rejected as at startup.
     */
    public static ApqnConfig of(Map<String, String> properties) {
        return new SmallRyeConfigBuilder()
                .withMapping(ApqnConfig.class)
                // Quarkus' own: the short forms (10s, 5m, 100ms) besides ISO-8601
                .withConverter(Duration.class, 100, new DurationConverter())
                .withSources(new PropertiesConfigSource(properties, "apqn", 100))
                .build()
                .getConfigMapping(ApqnConfig.class);
    }

    /** The controller role's settings; its identity is the pod's ({@code POD_NAME}, else the host name). */
    public static ControllerSettings controllerSettings(ApqnConfig c) {
        return new ControllerSettings(c.namespace(), c.controller().agentExpiryFactor(), c.controller().agentRecheck(),
                labels(c.controller().nodeSelector()), c.controller().resync(), c.lease().leaderElection(),
                c.lease().leaderName(), c.namespace(), c.lease().duration(), c.lease().renewDeadline(),
                c.lease().retryPeriod(), ControllerSettings.hostname(), c.controller().statusSettle(),
                c.controller().nodeBatchWindow());
    }

    /** The agent role's settings; its identity is the pod's ({@code POD_NAME}, else the host name). */
    public static AgentSettings agentSettings(ApqnConfig c) {
        ApqnConfig.Agent a = c.agent();
        return AgentSettings.of(c.namespace(), c.lease().agentDuration(), c.lease().agentRenew(), a.resync(),
                a.retryDelay(), new DrainPolicy(a.drain(), a.drainTimeout(), a.drainPoll()));
    }

    /**
     * The controller's production defaults: the ones {@link ApqnConfig} declares (docs/operator.md,
     * Configuration), identity {@link ControllerSettings#hostname()}. Here rather than on the settings class,
     * so the dependency points from app to the roles and not back.
     */
    public static ControllerSettings controllerDefaults() {
        return controllerSettings(defaults());
    }

    /** The agent's production defaults, as {@link #controllerDefaults()}; identity as in {@link AgentSettings#of}. */
    public static AgentSettings agentDefaults() {
        return agentSettings(defaults());
    }

    /** "k=v,k2=v2" → map; blank → empty (every node). */
    static Map<String, String> labels(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        if (text == null || text.isBlank()) {
            return out;
        }
        for (String kv : text.split(",")) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("apqn.controller.node-selector: \"" + kv + "\" is not key=value");
            }
            out.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
        }
        return out;
    }

    /** Built once, on first use. */
    private static final class Defaults {
        static final ApqnConfig CONFIG = of(Map.of());
    }
}
