package dev.apqn.gitops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apqn.ap.ApMask;
import dev.apqn.ap.Errno;
import dev.apqn.api.v1alpha1.APNodeState;
import dev.apqn.api.v1alpha1.APQNReservation;
import dev.apqn.gitops.ArgoHealthScript.Health;
import dev.apqn.status.Conditions;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What Argo CD shows for a node's APNodeState through our health check
 * (deploy/argocd/resource_customizations/apqn.dev/APNodeState/health.lua), for statuses the agent's
 * own code writes over the demo's simulated demo-z16 (see {@link SimulatedNode}).
 */
class NodeStateHealthTest {

    static ArgoHealthScript health;

    @TempDir
    Path dir;

    @BeforeAll
    static void load() throws Exception {
        health = ArgoHealthScript.of("apqn.dev", "APNodeState");
    }

    SimulatedNode z16() throws Exception {
        return new SimulatedNode("demo-z16", "mask-mode-apconfig", dir);
    }

    @Test
    void aNodeStateTheAgentHasNotReportedYetIsProgressing() throws Exception {
        assertThat(health.assess(z16().state)).isEqualTo(new Health("Progressing", "Waiting for the node agent's first report"));
    }

    @Test
    void aReportedNodeWithoutReservationsIsHealthy() throws Exception {
        APNodeState s = z16().agentPass();
        assertThat(Conditions.find(s.getStatus().getConditions(), Conditions.READY).orElseThrow().getStatus())
                .as("the agent reports Ready Unknown until the controller plans the node").isEqualTo("Unknown");
        assertThat(health.assess(s)).isEqualTo(new Health("Healthy",
                "spec has no host edits yet: the controller has not planned this node"));
    }

    @Test
    void aNewPlanIsProgressingUntilTheAgentHasAppliedIt() throws Exception {
        var node = z16();
        node.agentPass();
        APQNReservation r = SimulatedNode.sample("reservation-explicit.yaml");
        node.plan(r);
        assertThat(node.state.getMetadata().getGeneration()).isEqualTo(2L);
        assertThat(health.assess(node.state)).isEqualTo(new Health("Progressing",
                "Waiting for the node agent to act on generation 2 (the status is for generation 1)"));

        node.agentPass();
        assertThat(health.assess(node.state)).isEqualTo(new Health("Healthy", "The node matches its plan"));
    }

    @Test
    void aNodeWhoseInventoryChangedUnderItsPlanIsProgressingUntilReplanned() throws Exception {
        var node = z16();
        node.agentPass();
        APQNReservation r = SimulatedNode.sample("reservation-explicit.yaml");
        node.plan(r);
        node.agentPass();
        // the LPAR loses adapter 5 (its host configuration changes): the plan was made for another inventory
        node.kernel.setHostConfiguration(ApMask.fromRange(0, 4).or(ApMask.of(6)), ApMask.fromRange(0, 15),
                ApMask.fromRange(0, 15));
        node.kernel.scan();
        node.agentPass();
        Health stale = health.assess(node.state);
        assertThat(Conditions.find(node.state.getStatus().getConditions(), Conditions.PLAN_STALE).orElseThrow().getStatus())
                .isEqualTo("True");
        assertThat(stale.status()).isEqualTo("Progressing");
        assertThat(stale.message()).isEqualTo(
                Conditions.find(node.state.getStatus().getConditions(), Conditions.READY).orElseThrow().getMessage());
    }

    @Test
    void aHostWriteTheKernelRefusesIsDegradedWithTheErrno() throws Exception {
        var node = z16();
        node.agentPass();
        node.plan(SimulatedNode.sample("reservation-explicit.yaml"));
        node.sysfs.faults().failNextWrite("/sys/bus/ap/aqmask", Errno.EBUSY);
        node.agentPass();
        Health refused = health.assess(node.state);
        assertThat(refused.status()).isEqualTo("Degraded");
        assertThat(refused.message()).startsWith("host edits: ").contains("EBUSY");
    }
}
