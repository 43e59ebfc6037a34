package dev.apqn.agent;

import static dev.apqn.agent.AgentHarness.OWNER1;
import static dev.apqn.agent.AgentHarness.VM1;
import static dev.apqn.agent.AgentHarness.mdev;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apqn.ap.Apqn;
import dev.apqn.apbus.ApRefreshStats;
import dev.apqn.apbus.PathRecordingSysfs;
import dev.apqn.apbus.SysfsApBus;
import dev.apqn.plan.HostTarget;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which objects a normal converge reads: once the agent has read the node at start, a pass that
 * creates or releases one reservation reads the queues and the mdev its writes change and the
 * cheap signals of its first refresh, never every queue; its verification reads only what the
 * writes touched. And what it does not read is not lost: the periodic full read finds it.
 */
class ConvergeReadsTest {

    private static final int DOMAIN = 7;
    /** The refresh's per-card signals; a full card read would add hwtype, type, ap_functions. */
    private static final Set<String> CARD_SIGNALS = Set.of("config", "chkstop", "online");

    @TempDir
    Path tmp;

    @Test
    void creatingAndReleasingAReservationOnStress256ReadsOnlyTheQueuesAndTheMdevItChanges() throws Exception {
        AgentHarness h = new AgentHarness("stress-256", tmp);
        PathRecordingSysfs files = new PathRecordingSysfs(h.sysfs);
        SysfsApBus bus = new SysfsApBus(files);
        HostConverger agent = new HostConverger(bus, h.lock, h.ledgerDir, () -> "boot-" + h.kernel.boots(), h.clock);
        long gen = agent.inventoryGeneration(); // the agent's first read: everything
        HostTarget target = h.plan(gen, mdev(VM1, OWNER1, new int[] {0, 1}, new int[] {DOMAIN}));
        SortedSet<Apqn> flipped = queuesOfDomain(h, DOMAIN); // the aqmask bit's queues on all 256 cards

        files.clear();
        ConvergeReport created = agent.converge(target, DrainPolicy.none());
        h.assertHolds(target, created);
        assertThat(files.queuesRead()).as("queues read by the create").isSubsetOf(flipped);
        assertThat(files.mdevsRead()).containsExactly(VM1);
        assertThat(files.cardAttributesRead()).as("no card read in full").isSubsetOf(CARD_SIGNALS);
        assertVerifiedFromTheWritesOnly(bus, flipped.size());

        files.clear();
        ConvergeReport released = agent.converge(h.empty(gen), DrainPolicy.none());
        h.assertReleased(released);
        assertThat(files.queuesRead()).as("queues read by the release").isSubsetOf(flipped);
        assertThat(files.mdevsRead()).containsExactly(VM1);
        assertThat(files.cardAttributesRead()).isSubsetOf(CARD_SIGNALS);
        assertVerifiedFromTheWritesOnly(bus, flipped.size());

        files.clear();
        assertThat(agent.converge(h.empty(gen), DrainPolicy.none()).converged()).isTrue();
        assertThat(files.queuesRead()).as("an idle pass reads no queue").isEmpty();
        assertThat(bus.lastRefreshStats().kind()).isEqualTo(ApRefreshStats.Kind.INCREMENTAL);
    }

    @Test
    void aChangeOutsideWhatTheConvergesTouchIsFoundByThePeriodicFullRead() throws Exception {
        AgentHarness h = new AgentHarness("mask-mode-apconfig", tmp);
        AtomicLong nanos = new AtomicLong();
        SysfsApBus bus = new SysfsApBus(h.sysfs, SysfsApBus.Options.defaults().withClock(nanos::get, d -> nanos.addAndGet(d.toNanos())));
        HostConverger agent = new HostConverger(bus, h.lock, h.ledgerDir, () -> "boot-" + h.kernel.boots(), h.clock);
        long gen = agent.inventoryGeneration();
        HostTarget target = h.plan(gen, mdev(VM1, OWNER1, new int[] {3, 4}, new int[] {DOMAIN}));
        Apqn untouched = Apqn.of(6, 12);

        h.assertHolds(target, agent.converge(target, DrainPolicy.none()));
        h.kernel.writeQueueOnline(untouched, "0"); // chzcrypt on one host APQN: no signal moves
        h.assertReleased(agent.converge(h.empty(gen), DrainPolicy.none()));
        assertThat(agent.lastInventory().queues().get(untouched).online()).as("not read by the release").contains(true);
        agent.converge(h.empty(gen), DrainPolicy.none());
        assertThat(agent.lastInventory().queues().get(untouched).online()).as("not shown by the signals").contains(true);

        nanos.addAndGet(SysfsApBus.Options.defaults().fullResyncInterval().plus(Duration.ofSeconds(1)).toNanos());
        agent.converge(h.empty(gen), DrainPolicy.none());
        assertThat(bus.lastRefreshStats().kind()).isEqualTo(ApRefreshStats.Kind.PERIODIC_FULL);
        assertThat(agent.lastInventory().queues().get(untouched).online()).isEqualTo(Optional.of(false));
    }

    private static void assertVerifiedFromTheWritesOnly(SysfsApBus bus, int flippedQueues) {
        ApRefreshStats verification = bus.lastRefreshStats();
        assertThat(verification.kind()).as("%s", verification).isEqualTo(ApRefreshStats.Kind.WRITTEN);
        assertThat(verification.cardsReread()).isZero();
        assertThat(verification.queuesReread()).as("%s", verification).isEqualTo(flippedQueues);
    }

    private static SortedSet<Apqn> queuesOfDomain(AgentHarness h, int domain) {
        SortedSet<Apqn> out = new TreeSet<>();
        h.kernel.queueDevices().stream().filter(q -> q.domain() == domain).forEach(out::add);
        return out;
    }
}
