package dev.apqn.gitops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apqn.ap.Errno;
import dev.apqn.api.v1alpha1.APQNReservation;
import dev.apqn.api.v1alpha1.ReservationSync;
import dev.apqn.controller.AgentLiveness;
import dev.apqn.controller.ReservationStatusBuilder;
import dev.apqn.gitops.ArgoHealthScript.Health;
import dev.apqn.status.Reason;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What Argo CD shows for an APQNReservation kept in Git, through our health check
 * (deploy/argocd/resource_customizations/apqn.dev/APQNReservation/health.lua), for reservations and
 * statuses built by the operator's own code on the demo's simulated nodes (see {@link SimulatedNode}).
 */
class ReservationHealthTest {

    static ArgoHealthScript health;

    @TempDir
    Path dir;

    @BeforeAll
    static void load() throws Exception {
        health = ArgoHealthScript.of("apqn.dev", "APQNReservation");
    }

    /** demo-z16 of the demo (z16, Linux 6.10, mask mode), its agent's first report written. */
    SimulatedNode z16() throws Exception {
        var node = new SimulatedNode("demo-z16", "mask-mode-apconfig", dir.resolve("z16"));
        node.agentPass();
        return node;
    }

    @Test
    void aReservationJustSyncedFromGitIsProgressingUntilTheControllerWritesItsStatus() throws Exception {
        APQNReservation r = SimulatedNode.sample("reservation-explicit.yaml");
        assertThat(health.assess(r)).isEqualTo(new Health("Progressing",
                "Waiting for the apqn-operator controller to plan the reservation"));
    }

    @Test
    void aPlannedReservationIsProgressingUntilTheAgentReportsItsMdevThenHealthy() throws Exception {
        var node = z16();
        APQNReservation r = SimulatedNode.sample("reservation-explicit.yaml");
        node.plan(r);
        Health applying = health.assess(node.writeStatus(r));
        assertThat(applying.status()).isEqualTo("Progressing");
        assertThat(applying.message()).isEqualTo(r.getStatus().getMessage()).contains("is applying the plan");

        node.agentPass();
        Health ready = health.assess(node.writeStatus(r));
        assertThat(r.getStatus().getPhase()).hasToString("Ready");
        assertThat(ready.status()).isEqualTo("Healthy");
        assertThat(ready.message()).startsWith("mdev " + r.getStatus().getMdevUuid() + " on node demo-z16 holds 05.0004,05.0006");
    }

    @Test
    void aSpecChangedInGitIsProgressingUntilTheControllerHasSeenIt() throws Exception {
        var node = z16();
        APQNReservation r = SimulatedNode.sample("reservation-explicit.yaml");
        node.plan(r);
        node.agentPass();
        node.writeStatus(r);
        assertThat(health.assess(r).status()).isEqualTo("Healthy");

        r.getSpec().setDomains(java.util.List.of(4, 6, 7)); // the API server raises the generation
        r.getMetadata().setGeneration(2L);
        assertThat(health.assess(r)).isEqualTo(new Health("Progressing",
                "Waiting for the controller to observe generation 2 (the status is for generation 1)"));
    }

    @Test
    void aPlanWaitingForManualApprovalIsSuspendedAndSaysHowToApprove() throws Exception {
        var node = new SimulatedNode("demo-z15", "legacy", dir.resolve("z15"));
        node.agentPass();
        APQNReservation r = SimulatedNode.sample("reservation-manual-approval.yaml");
        node.plan(r);
        Health waiting = health.assess(node.writeStatus(r));
        String hash = r.getStatus().getPlan().getHash();
        assertThat(waiting.status()).isEqualTo("Suspended");
        assertThat(waiting.message()).contains("plan " + hash + " waits for approval")
                .contains("kubectl -n payroll patch apqnreservation batch-signing --type merge -p '{\"spec\":{\"approvedPlan\":\""
                        + hash + "\"}}'");

        // an approval that no longer matches the plan waits for a person as well
        r.getSpec().setApprovedPlan("0000000000000000");
        r.getMetadata().setGeneration(2L);
        node.plan(r);
        Health mismatch = health.assess(node.writeStatus(r));
        assertThat(mismatch.status()).isEqualTo("Suspended");
        assertThat(mismatch.message()).contains("spec.approvedPlan 0000000000000000 is not the current plan " + hash);

        // the approval committed to Git: applied, then Ready
        r.getSpec().setApprovedPlan(hash);
        r.getMetadata().setGeneration(3L);
        node.plan(r);
        assertThat(health.assess(node.writeStatus(r)).status()).isEqualTo("Progressing");
        node.agentPass();
        assertThat(health.assess(node.writeStatus(r)).status()).isEqualTo("Healthy");
    }

    @Test
    void aHostWriteTheKernelRefusesIsDegradedWithTheKernelsSentence() throws Exception {
        var node = z16();
        APQNReservation r = SimulatedNode.sample("reservation-explicit.yaml");
        node.plan(r);
        // mask mode: the plan takes domains 4 and 6 from the host through aqmask; the kernel refuses that
        node.sysfs.faults().failNextWrite("/sys/bus/ap/aqmask", Errno.EBUSY);
        node.agentPass();
        Health refused = health.assess(node.writeStatus(r));
        assertThat(refused.status()).isEqualTo("Degraded");
        assertThat(refused.message()).contains("could not apply the plan (DriverBindFailed)").contains("EBUSY");
        assertThat(refused.message()).isEqualTo(condition(r, "Stalled").getMessage());

        node.agentPass(); // the agent retries on its next pass; the write goes through
        assertThat(health.assess(node.writeStatus(r)).status()).isEqualTo("Healthy");
    }

    @Test
    void aConflictIsDegradedAndNamesTheHolder() throws Exception {
        var node = z16();
        APQNReservation holder = SimulatedNode.sample("reservation-explicit.yaml");
        APQNReservation loser = SimulatedNode.sample("errors/conflict-same-apqns.yaml");
        loser.getMetadata().setCreationTimestamp("2026-12-04T09:55:00Z");
        node.plan(holder, loser);
        Health conflict = health.assess(node.writeStatus(loser));
        assertThat(loser.getStatus().getPhase()).hasToString("Conflict");
        assertThat(conflict.status()).isEqualTo("Degraded");
        assertThat(conflict.message()).startsWith("held by payroll/payroll-crypto: ");
    }

    @Test
    void aReservationWhoseAgentStoppedIsDegraded() throws Exception {
        APQNReservation r = SimulatedNode.sample("reservation-explicit.yaml");
        String why = AgentLiveness.check("demo-z16", "apqn-system", Optional.empty(), Instant.parse(SimulatedNode.NOW), 3,
                Duration.ofSeconds(10)).message();
        r.setStatus(ReservationStatusBuilder.agentUnavailable(r, "demo-z16", why, SimulatedNode.NOW));
        assertThat(health.assess(r)).isEqualTo(new Health("Degraded", why));
    }

    @Test
    void anMdevWhoseMatrixTheKernelFiltersIsDegraded() throws Exception {
        var node = z16();
        APQNReservation r = SimulatedNode.sample("reservation-explicit.yaml");
        node.plan(r);
        node.agentPass();
        // the agent's entry for an mdev whose guest_matrix lacks an APQN (HostConverger's Degraded verdict)
        ReservationSync sync = node.state.getStatus().getReservations().get(0);
        sync.setState(ReservationSync.State.Degraded);
        sync.setReason(Reason.FilteredByKernel);
        sync.setMessage("05.0006 is assigned but filtered out of guest_matrix");
        Health filtered = health.assess(node.writeStatus(r));
        assertThat(r.getStatus().getPhase()).hasToString("Degraded");
        assertThat(filtered.status()).isEqualTo("Degraded");
        assertThat(filtered.message()).isEqualTo(condition(r, "Degraded").getMessage())
                .contains("keeps part of the matrix from the guest: 05.0006 is assigned but filtered out of guest_matrix");
    }

    static io.fabric8.kubernetes.api.model.Condition condition(APQNReservation r, String type) {
        return dev.apqn.status.Conditions.find(r.getStatus().getConditions(), type).orElseThrow();
    }
}
