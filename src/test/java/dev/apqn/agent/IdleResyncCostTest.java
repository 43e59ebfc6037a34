package dev.apqn.agent;

import static dev.apqn.agent.AgentHarness.OWNER1;
import static dev.apqn.agent.AgentHarness.VM1;
import static dev.apqn.agent.AgentHarness.mdev;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apqn.apbus.ApRefreshStats;
import dev.apqn.apbus.CountingSysfs;
import dev.apqn.apbus.SysfsApBus;
import dev.apqn.plan.HostTarget;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an idle resync costs on the largest node (stress-256: 256 adapters x 85 domains): the
 * converge reads the node with the bus's signal-driven refresh, not a full inventory, once the
 * agent has read everything at start. Times are printed, never asserted; the structure is.
 */
class IdleResyncCostTest {

    @TempDir
    Path tmp;

    @Test
    void anIdleResyncOnStress256ReadsFarLessThanAFullInventory() throws Exception {
        AgentHarness h = new AgentHarness("stress-256", tmp);
        SysfsApBus bus = new SysfsApBus(h.sysfs);
        CountingSysfs counting = bus.counting();
        HostConverger agent = new HostConverger(bus, h.lock, h.ledgerDir, () -> "boot-" + h.kernel.boots(), h.clock);

        CountingSysfs.Counts c0 = counting.counts();
        bus.inventory();
        long fullReads = counting.counts().minus(c0).readCalls();

        HostTarget target = h.plan(agent.inventoryGeneration(), mdev(VM1, OWNER1, new int[] {0, 1, 2, 3}, new int[] {0, 1}));
        long t0 = System.nanoTime();
        ConvergeReport first = agent.converge(target, DrainPolicy.none());
        long firstMs = (System.nanoTime() - t0) / 1_000_000;
        assertThat(first.converged()).as("%s", first).isTrue();

        long maxIdle = 0;
        long idleMs = 0;
        for (int i = 0; i < 3; i++) {
            CountingSysfs.Counts before = counting.counts();
            long t = System.nanoTime();
            ConvergeReport idle = agent.converge(target, DrainPolicy.none());
            idleMs = Math.max(idleMs, (System.nanoTime() - t) / 1_000_000);
            CountingSysfs.Counts cost = counting.counts().minus(before);
            assertThat(idle.converged()).isTrue();
            assertThat(cost.writes()).as("an idle resync writes nothing").isZero();
            maxIdle = Math.max(maxIdle, cost.readCalls());
        }
        ApRefreshStats last = bus.lastRefreshStats();
        System.out.printf("stress-256: full inventory %d sysfs reads; first converge %d ms; idle resync %d sysfs reads, %d ms"
                + " (last read: %s, %d reads, reasons %s)%n", fullReads, firstMs, maxIdle, idleMs, last.kind(), last.reads(), last.reasons());
        assertThat(maxIdle).as("an idle resync reads signals, not every queue").isLessThan(fullReads / 20);
        assertThat(last.kind()).isEqualTo(ApRefreshStats.Kind.INCREMENTAL);

        // a fresh agent (restart, crash) starts with a full read
        HostConverger fresh = new HostConverger(bus, h.lock, h.ledgerDir, () -> "boot-" + h.kernel.boots(), h.clock);
        CountingSysfs.Counts before = counting.counts();
        assertThat(fresh.converge(target, DrainPolicy.none()).converged()).isTrue();
        long freshReads = counting.counts().minus(before).readCalls();
        System.out.printf("stress-256: first converge of a fresh agent %d sysfs reads%n", freshReads);
        assertThat(freshReads).isGreaterThanOrEqualTo(fullReads);
    }
}
