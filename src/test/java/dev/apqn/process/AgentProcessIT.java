package dev.apqn.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apqn.agent.kube.AgentLease;
import dev.apqn.api.v1alpha1.APNodeState;
import dev.apqn.controller.NodeStateManager;
import dev.apqn.testing.LocalControlPlane;
import dev.apqn.testing.WithKubeApiServer;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One node's agent as the DaemonSet runs it: the packaged application, {@code APQN_ROLE=agent}, a simulated
 * mask-mode node, under the agent's service account. It is alive from the start but ready only once it has
 * read the node's inventory and written its APNodeState's status, which needs the APNodeState the controller
 * creates; SIGTERM ends it.
 */
@WithKubeApiServer(crds = "crds")
class AgentProcessIT {

    static final Duration START = Duration.ofSeconds(120);
    static LocalControlPlane cp;
    static KubernetesClient admin;
    static String system;
    static ProcessAccounts accounts;

    @BeforeAll
    static void accounts(LocalControlPlane plane) {
        cp = plane;
        admin = cp.adminClient();
        system = cp.createNamespace("apqn-proc-agt");
        accounts = ProcessAccounts.create(cp, system);
    }

    static RoleProcess agent(String node) throws Exception {
        return RoleProcess.start("agent-" + node, Map.of(
                "APQN_ROLE", "agent",
                "APQN_NAMESPACE", system,
                "APQN_NODE_NAME", node,
                "POD_NAME", "apqn-agent-" + node,
                "APQN_AGENT_BACKEND", "simulated",
                "APQN_AGENT_PROFILE", "mask-mode-apconfig",
                "APQN_AGENT_LEDGER_DIR", Files.createTempDirectory("apqn-proc-ledger").resolve("ledger").toString(),
                "KUBECONFIG", accounts.kubeconfig(ProcessAccounts.AGENT).toString()));
    }

    @Test
    void theAgentIsReadyOnlyOnceItHasWrittenItsNodeStatus() throws Exception {
        String node = "proc-z16-" + system.substring(system.length() - 4);
        try (RoleProcess agent = agent(node)) {
            long t0 = System.nanoTime();
            // running: alive, and its Lease (created before any APNodeState exists) is there
            await().atMost(START).pollInterval(Duration.ofMillis(100)).until(() -> agent.live().code() == 200
                    && admin.resources(Lease.class).inNamespace(system).withName(AgentLease.name(node)).get() != null);
            System.out.printf("AgentProcessIT: agent live with its Lease %d ms after its start%n", ms(t0));
            // started (no longer "starting"), and without an APNodeState it has no status to write: not ready
            await().atMost(START).pollInterval(Duration.ofMillis(100)).until(() -> !agent.ready().body().contains("starting"));
            assertThat(admin.resources(APNodeState.class).withName(node).get()).isNull();
            RoleProcess.Answer notReady = agent.ready();
            assertThat(notReady.code()).as("no APNodeState, no status: not ready").isEqualTo(503);
            assertThat(notReady.body()).contains("not written yet");

            long created = System.nanoTime();
            NodeStateManager.ensure(admin, node); // what the controller does for a selected node
            await().atMost(START).pollInterval(Duration.ofMillis(100)).until(() -> agent.ready().code() == 200);
            APNodeState state = admin.resources(APNodeState.class).withName(node).get();
            System.out.printf("AgentProcessIT: agent ready %d ms after its APNodeState was created (%d ms after its start)%n",
                    ms(created), ms(t0));
            assertThat(state.getStatus()).as("ready means the status is on the server").isNotNull();
            assertThat(state.getStatus().getInventoryGeneration()).isNotNull();
            assertThat(agent.ready().body()).contains("status written");

            long term = System.nanoTime();
            agent.terminate();
            Integer code = agent.awaitExit(Duration.ofSeconds(15));
            assertThat(code).as("the agent exits on SIGTERM (output: %s)", agent.log()).isNotNull();
            System.out.printf("AgentProcessIT: agent exited %d ms after SIGTERM, exit code %d%n", ms(term), code);
        }
    }

    static long ms(long since) {
        return Duration.ofNanos(System.nanoTime() - since).toMillis();
    }
}
