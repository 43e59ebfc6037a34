package dev.apqn.apbus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apqn.ap.ApDriver;
import dev.apqn.ap.ApMask;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.Matrix;
import dev.apqn.apbus.sim.MachineProfiles;
import dev.apqn.apbus.sim.SimDriver;
import dev.apqn.apbus.sim.SimKernel;
import dev.apqn.apbus.sim.SimSysfs;

import java.time.Duration;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/**
 * {@link ApBus#rereadWritten()}: after the bus's own writes it reads what they changed and nothing
 * else, and what someone else changed meanwhile is still found, by the next refresh or, where no
 * signal shows it, by the periodic full read.
 */
class RereadWrittenTest {

    private static final UUID VM = UUID.fromString("c0ffee00-0000-4000-8000-000000000001");
    private static final int DOMAIN = 5;

    private final SimKernel kernel = SimKernel.boot(MachineProfiles.loadResource("mask-mode-apconfig"), 7);
    private final PathRecordingSysfs files = new PathRecordingSysfs(new SimSysfs(kernel));
    private final AtomicLong nanos = new AtomicLong();
    private final SysfsApBus bus = new SysfsApBus(files, SysfsApBus.Options.defaults().withClock(nanos::get, d -> nanos.addAndGet(d.toNanos())));

    @Test
    void afterATakeAndAnMdevOnlyTheFlippedDomainsQueuesAndThatMdevAreRead() throws Exception {
        bus.inventory();
        Matrix matrix = takeDomainAndAssign();

        files.clear();
        ApInventory inv = bus.rereadWritten();

        assertThat(files.queuesRead()).as("the queues of the flipped aqmask bit, on every card").isEqualTo(queuesOfDomain(DOMAIN));
        assertThat(files.mdevsRead()).containsExactly(VM);
        assertThat(files.cardAttributesRead()).as("no card is read").isEmpty();
        assertThat(files.reads()).as("no driver directory, no mdev listing").noneMatch(p -> p.startsWith(SysfsPaths.BUS + "/drivers")
                || p.equals(SysfsPaths.MATRIX));
        assertThat(bus.lastRefreshStats().kind()).isEqualTo(ApRefreshStats.Kind.WRITTEN);

        assertThat(inv.bus().aqmask().get(DOMAIN)).isFalse();
        assertThat(inv.mdevs().get(VM).matrix()).isEqualTo(matrix);
        for (Apqn q : queuesOfDomain(DOMAIN)) {
            assertThat(inv.queues().get(q).driver()).as("%s", q).isEqualTo(ApDriver.VFIO_AP);
        }
        assertSameObjects(inv, bus.inventory());
    }

    @Test
    void theNextRefreshDoesNotReadTheSameQueuesAgain() throws Exception {
        bus.inventory();
        takeDomainAndAssign();
        bus.rereadWritten();

        files.clear();
        bus.refresh();

        assertThat(files.queuesRead()).as("the driver listings are in step with what the reread saw").isEmpty();
        assertThat(bus.lastRefreshStats().queuesReread()).isZero();
    }

    @Test
    void aBindingChangedByHandMeanwhileIsFoundByTheNextRefresh() throws Exception {
        bus.inventory();
        Apqn other = Apqn.of(4, 9);
        takeDomainAndAssign();
        kernel.unbind(SimDriver.CEX4QUEUE, other.toString());

        ApInventory afterWrites = bus.rereadWritten();
        assertThat(afterWrites.queues().get(other).driver()).as("not what the writes touched: not read").isEqualTo(ApDriver.CEX4QUEUE);

        ApInventory refreshed = bus.refresh();
        assertThat(refreshed.queues().get(other).driver()).isEqualTo(ApDriver.NONE);
        assertThat(bus.lastRefreshStats().kind()).isEqualTo(ApRefreshStats.Kind.INCREMENTAL);
    }

    @Test
    void aChangeNoSignalShowsIsFoundByThePeriodicFullRead() throws Exception {
        bus.inventory();
        Apqn other = Apqn.of(6, 12);
        kernel.writeQueueOnline(other, "0"); // chzcrypt on one APQN: no mask, listing or card flag moves
        takeDomainAndAssign();

        assertThat(bus.rereadWritten().queues().get(other).online()).isEqualTo(Optional.of(true));
        assertThat(bus.refresh().queues().get(other).online()).as("a quiet refresh misses it").isEqualTo(Optional.of(true));

        nanos.addAndGet(SysfsApBus.Options.defaults().fullResyncInterval().plus(Duration.ofSeconds(1)).toNanos());
        assertThat(bus.refresh().queues().get(other).online()).isEqualTo(Optional.of(false));
        assertThat(bus.lastRefreshStats().kind()).isEqualTo(ApRefreshStats.Kind.PERIODIC_FULL);
    }

    @Test
    void rereadsOfWritesDoNotCountAsRefreshesTowardsThePeriodicFullRead() throws Exception {
        SysfsApBus everyThird = new SysfsApBus(files, SysfsApBus.Options.defaults().withFullResync(3, Duration.ofDays(1)));
        everyThird.inventory();
        for (int i = 0; i < 5; i++) {
            everyThird.editAqmask(ApMask.none(), ApMask.of(DOMAIN));
            everyThird.rereadWritten();
            everyThird.editAqmask(ApMask.of(DOMAIN), ApMask.none());
            everyThird.rereadWritten();
            assertThat(everyThird.lastRefreshStats().kind()).isEqualTo(ApRefreshStats.Kind.WRITTEN);
        }
        everyThird.refresh();
        everyThird.refresh();
        assertThat(everyThird.lastRefreshStats().kind()).isEqualTo(ApRefreshStats.Kind.INCREMENTAL);
        everyThird.refresh();
        assertThat(everyThird.lastRefreshStats().kind()).isEqualTo(ApRefreshStats.Kind.PERIODIC_FULL);
    }

    @Test
    void aRemovedMdevIsDroppedWithTheQueuesOfItsMatrixReread() throws Exception {
        bus.inventory();
        takeDomainAndAssign();
        bus.rereadWritten();
        bus.removeMdev(VM);

        files.clear();
        ApInventory inv = bus.rereadWritten();

        assertThat(inv.mdevs()).doesNotContainKey(VM);
        assertThat(files.queuesRead()).containsExactly(Apqn.of(3, DOMAIN), Apqn.of(4, DOMAIN));
        assertSameObjects(inv, bus.inventory());
    }

    /** Clears the domain's aqmask bit, creates the mdev and assigns two adapters × the domain. */
    private Matrix takeDomainAndAssign() throws SysfsException {
        bus.editAqmask(ApMask.none(), ApMask.of(DOMAIN));
        bus.createMdev(VM);
        Matrix m = new Matrix(ApMask.of(3, 4), ApMask.of(DOMAIN), ApMask.of(DOMAIN));
        bus.writeApConfig(VM, m);
        return m;
    }

    /** The objects as a full read sees them (capabilities aside: a full read forgets evidence from mdevs that are gone). */
    private static void assertSameObjects(ApInventory inv, ApInventory full) {
        assertThat(inv.bus()).isEqualTo(full.bus());
        assertThat(inv.cards()).isEqualTo(full.cards());
        assertThat(inv.queues()).isEqualTo(full.queues());
        assertThat(inv.mdevs()).isEqualTo(full.mdevs());
    }

    private SortedSet<Apqn> queuesOfDomain(int domain) {
        SortedSet<Apqn> out = new TreeSet<>();
        kernel.queueDevices().stream().filter(q -> q.domain() == domain).forEach(out::add);
        return out;
    }
}
