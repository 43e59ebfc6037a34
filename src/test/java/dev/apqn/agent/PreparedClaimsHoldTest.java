package dev.apqn.agent;

import static dev.apqn.agent.AgentHarness.OWNER1;
import static dev.apqn.agent.AgentHarness.VM1;
import static dev.apqn.agent.AgentHarness.mdev;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apqn.plan.HostTarget;
import dev.apqn.plan.MdevTarget;

import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kubelet plugin's hook into the converger ({@link PreparedClaims}): an mdev handed to a pod by a prepared
 * ResourceClaim is not removed when its reservation is released (InUse, naming the claim), even though no guest
 * has opened it yet; once the claim is unprepared the release goes through.
 */
class PreparedClaimsHoldTest {

    @TempDir
    Path tmp;

    private static final MdevTarget VM1_3x45 = mdev(VM1, OWNER1, new int[] {3}, new int[] {4, 5});

    @Test
    void aPreparedClaimHoldsItsMdevUntilItIsUnprepared() throws Exception {
        AgentHarness h = new AgentHarness("mask-mode-apconfig", tmp);
        HostConverger agent = h.converger();
        AtomicReference<String> prepared = new AtomicReference<>("ResourceClaim team-a/vm1-apqn of pod team-a/virt-launcher-vm1-x");
        agent.preparedClaims(mdev -> mdev.equals(VM1) ? Optional.ofNullable(prepared.get()) : Optional.empty());
        HostTarget target = h.plan(agent.inventoryGeneration(), VM1_3x45);
        agent.converge(target, DrainPolicy.none());

        ConvergeReport held = agent.converge(h.empty(target.inventoryGeneration()), DrainPolicy.none());

        assertThat(held.mdev(VM1).state()).isEqualTo(SyncState.IN_USE);
        assertThat(held.mdev(VM1).reason()).contains("ResourceClaim team-a/vm1-apqn of pod team-a/virt-launcher-vm1-x")
                .contains("unprepares");
        assertThat(h.kernel.mdevUuids()).as("the mdev stays while the claim is prepared").contains(VM1.toString());

        prepared.set(null);
        h.assertReleased(agent.converge(h.empty(target.inventoryGeneration()), DrainPolicy.none()));
        assertThat(h.kernel.mdevUuids()).doesNotContain(VM1.toString());
    }

    @Test
    void aClaimOnAnotherMdevDoesNotHoldThisOne() throws Exception {
        AgentHarness h = new AgentHarness("mask-mode-apconfig", tmp);
        HostConverger agent = h.converger();
        UUID other = UUID.fromString("a1b2c3d4-0000-4000-8000-0000000000ff");
        agent.preparedClaims(mdev -> mdev.equals(other) ? Optional.of("ResourceClaim team-b/other") : Optional.empty());
        HostTarget target = h.plan(agent.inventoryGeneration(), VM1_3x45);
        agent.converge(target, DrainPolicy.none());

        h.assertReleased(agent.converge(h.empty(target.inventoryGeneration()), DrainPolicy.none()));
    }
}
