package dev.apqn.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apqn.agent.kube.AgentSettings;
import dev.apqn.agent.kube.NodeAgent;
import dev.apqn.controller.ControllerRole;
import dev.apqn.controller.ControllerSettings;
import dev.apqn.controller.ReservationReconciler;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

/** The role switch without Quarkus: the agent role never builds the controller's operator, and vice versa. */
class RoleLauncherTest {

    /** A simulated agent's configuration (or the controller's), the rest at the declared defaults. */
    static ApqnConfig config(ApqnConfig.Role role, String node) {
        Map<String, String> p = new HashMap<>(Map.of("apqn.role", role.name().replace('_', '-'),
                "apqn.agent.backend", "simulated", "apqn.agent.profile", "mask-mode-apconfig",
                "apqn.agent.ledger-dir", "/tmp/ledger"));
        if (node != null) {
            p.put("apqn.node-name", node);
        }
        return ApqnConfigs.of(p);
    }

    /** Records which role was started; builds (never starts) the real controller operator. */
    static final class Recording implements RoleLauncher.Starters {
        final List<String> started = new ArrayList<>();
        Operator operator;

        @Override
        public ControllerRole controller(KubernetesClient client, ControllerSettings settings) {
            started.add("controller");
            ControllerRole role = ControllerRole.create(client, settings);
            operator = role.operator();
            return role;
        }

        @Override
        public NodeAgent agent(KubernetesClient client, String node, ApqnConfig.Agent agent, AgentSettings settings) {
            started.add("agent:" + node + ":" + agent.backend() + ":" + settings.leaseNamespace());
            return null;
        }
    }

    static KubernetesClient offlineClient() {
        return new KubernetesClientBuilder().withConfig(new ConfigBuilder().withMasterUrl("https://127.0.0.1:1").build()).build();
    }

    @Test
    void agentRoleStartsTheAgentAndNoReconciler() {
        var rec = new Recording();
        try (KubernetesClient c = offlineClient()) {
            var launched = RoleLauncher.launch(config(ApqnConfig.Role.agent, "z16-a"), c, rec);
            assertThat(rec.started).containsExactly("agent:z16-a:simulated:apqn-system");
            assertThat(rec.operator).isNull();
            assertThat(launched.operator()).isEmpty();
        }
    }

    @Test
    void controllerRoleRegistersTheReconcilersWithLeaderElection() {
        var rec = new Recording();
        try (KubernetesClient c = offlineClient()) {
            RoleLauncher.launch(config(ApqnConfig.Role.controller, null), c, rec);
            assertThat(rec.started).containsExactly("controller");
            assertThat(rec.operator.getRegisteredController(ReservationReconciler.NAME)).isPresent();
            var le = rec.operator.getConfigurationService().getLeaderElectionConfiguration().orElseThrow();
            assertThat(le.getLeaseName()).isEqualTo("apqn-controller-leader");
            assertThat(le.getLeaseNamespace()).contains("apqn-system");
        }
    }

    @Test
    void agentRoleWithoutNodeNameFailsWithTheFix() {
        try (KubernetesClient c = offlineClient()) {
            assertThatThrownBy(() -> RoleLauncher.launch(config(ApqnConfig.Role.agent, null), c, new Recording()))
                    .hasMessageContaining("apqn.node-name");
        }
    }

    @Test
    void nodeSelectorTextParses() {
        assertThat(ApqnConfigs.labels("a=b, c=d")).containsEntry("a", "b").containsEntry("c", "d");
        assertThat(ApqnConfigs.labels("")).isEmpty();
    }

    @Test
    void uninstallCheckIsTheHyphenatedRoleThatRunsOnceAndIsNeverLaunched() {
        var c = new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(Map.of("apqn.role", "uninstall-check"), "test", 100)).build();
        assertThat(c.getValue("apqn.role", ApqnConfig.Role.class)).isEqualTo(ApqnConfig.Role.uninstall_check);
        assertThat(ApqnConfig.Role.uninstall_check.oneShot()).isTrue();
        assertThat(ApqnConfig.Role.controller.oneShot()).isFalse();
        var rec = new Recording();
        try (KubernetesClient k = offlineClient()) {
            assertThatThrownBy(() -> RoleLauncher.launch(config(ApqnConfig.Role.uninstall_check, null), k, rec))
                    .hasMessageContaining("runs once");
            assertThatThrownBy(() -> RoleLauncher.runOnce(config(ApqnConfig.Role.agent, "n"), k, System.out))
                    .hasMessageContaining("not a one-shot role");
        }
        assertThat(rec.started).isEmpty();
    }

    @Test
    void aControllerNotStartedIsNeitherReadyNorLive() {
        try (KubernetesClient c = offlineClient()) {
            var launched = RoleLauncher.launch(config(ApqnConfig.Role.controller, null), c, new Recording());
            assertThat(launched.readiness().up()).isFalse();
            assertThat(launched.readiness().detail()).contains("operator not started");
            assertThat(launched.liveness().up()).isFalse();
        }
    }
}
