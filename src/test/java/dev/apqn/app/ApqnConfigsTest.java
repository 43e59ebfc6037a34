package dev.apqn.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apqn.agent.DrainPolicy;
import dev.apqn.agent.kube.AgentSettings;
import dev.apqn.controller.ControllerSettings;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The settings the roles run with come from {@link ApqnConfig}; its defaults are the production values. */
class ApqnConfigsTest {

    @Test
    void controllerDefaultsAreTheDeclaredOnes() {
        ControllerSettings d = ApqnConfigs.controllerDefaults();
        assertThat(d.agentLeaseNamespace()).isEqualTo("apqn-system");
        assertThat(d.leaderLeaseNamespace()).isEqualTo("apqn-system");
        assertThat(d.agentExpiryFactor()).isEqualTo(3);
        assertThat(d.agentRecheck()).isEqualTo(Duration.ofSeconds(10));
        assertThat(d.nodeStateSelector()).isEqualTo(Map.of("kubernetes.io/arch", "s390x"));
        assertThat(d.resync()).isEqualTo(Duration.ofMinutes(5));
        assertThat(d.leaderElection()).isTrue();
        assertThat(d.leaderLeaseName()).isEqualTo(ControllerSettings.DEFAULT_LEADER_LEASE).isEqualTo("apqn-controller-leader");
        assertThat(d.leaseDuration()).isEqualTo(Duration.ofSeconds(15));
        assertThat(d.renewDeadline()).isEqualTo(Duration.ofSeconds(10));
        assertThat(d.retryPeriod()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void agentDefaultsAreTheDeclaredOnes() {
        AgentSettings d = ApqnConfigs.agentDefaults();
        assertThat(d.leaseNamespace()).isEqualTo("apqn-system");
        assertThat(d.leaseDuration()).isEqualTo(Duration.ofSeconds(40));
        assertThat(d.leaseRenew()).isEqualTo(Duration.ofSeconds(10));
        assertThat(d.resyncPeriod()).isEqualTo(Duration.ofSeconds(60));
        assertThat(d.retryDelay()).isEqualTo(Duration.ofSeconds(2));
        assertThat(d.drain()).isEqualTo(DrainPolicy.waitBounded(Duration.ofSeconds(30)));
        assertThat(d.fieldManager()).isEqualTo(AgentSettings.FIELD_MANAGER);
    }

    @Test
    void theAgentsResyncRetryAndDrainAreConfigurable() {
        AgentSettings s = ApqnConfigs.agentSettings(ApqnConfigs.of(Map.of("apqn.agent.resync", "5m",
                "apqn.agent.retry-delay", "500ms", "apqn.agent.drain-timeout", "2m", "apqn.agent.drain-poll", "1s")));
        assertThat(s.resyncPeriod()).isEqualTo(Duration.ofMinutes(5));
        assertThat(s.retryDelay()).isEqualTo(Duration.ofMillis(500));
        assertThat(s.drain()).isEqualTo(DrainPolicy.waitBounded(Duration.ofMinutes(2)).withPollInterval(Duration.ofSeconds(1)));

        AgentSettings none = ApqnConfigs.agentSettings(ApqnConfigs.of(Map.of("apqn.agent.drain", "none")));
        assertThat(none.drain().mode()).isEqualTo(DrainPolicy.Mode.NONE);
    }

    @Test
    void theNamespaceAndLeaseKeysReachBothRoles() {
        ApqnConfig c = ApqnConfigs.of(Map.of("apqn.namespace", "ops", "apqn.lease.agent-duration", "20s",
                "apqn.lease.agent-renew", "5s", "apqn.controller.node-selector", "zone=a, tier=crypto", "apqn.lease.leader-election", "false"));
        assertThat(ApqnConfigs.agentSettings(c)).satisfies(a -> {
            assertThat(a.leaseNamespace()).isEqualTo("ops");
            assertThat(a.leaseDuration()).isEqualTo(Duration.ofSeconds(20));
            assertThat(a.leaseRenew()).isEqualTo(Duration.ofSeconds(5));
        });
        assertThat(ApqnConfigs.controllerSettings(c)).satisfies(s -> {
            assertThat(s.agentLeaseNamespace()).isEqualTo("ops");
            assertThat(s.leaderLeaseNamespace()).isEqualTo("ops");
            assertThat(s.nodeStateSelector()).isEqualTo(Map.of("zone", "a", "tier", "crypto"));
            assertThat(s.leaderElection()).isFalse();
        });
    }

    @Test
    void aMisspelledKeyIsRejectedNotIgnored() {
        assertThatThrownBy(() -> ApqnConfigs.of(Map.of("apqn.agent.resynch", "1m"))).hasMessageContaining("apqn.agent.resynch");
    }

    @Test
    void aRenewNotShorterThanTheLeaseIsRejected() {
        ApqnConfig c = ApqnConfigs.of(Map.of("apqn.lease.agent-duration", "10s", "apqn.lease.agent-renew", "10s"));
        assertThatThrownBy(() -> ApqnConfigs.agentSettings(c)).hasMessageContaining("leaseRenew");
    }
}
