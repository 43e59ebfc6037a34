package dev.apqn.apbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apqn.ap.ApCard;
import dev.apqn.ap.ApDriver;
import dev.apqn.ap.ApMask;
import dev.apqn.ap.ApMdev;
import dev.apqn.ap.ApQueue;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.Errno;
import dev.apqn.ap.Matrix;
import dev.apqn.apbus.NodeCapabilities.Evidence;
import dev.apqn.apbus.NodeCapabilities.Ownership;
import dev.apqn.apbus.sim.KernelLevel;
import dev.apqn.apbus.sim.MachineProfile;
import dev.apqn.apbus.sim.MachineProfiles;
import dev.apqn.apbus.sim.SimKernel;
import dev.apqn.apbus.sim.SimSysfs;

import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link SysfsApBus} against the simulated kernel's sysfs: the production code path over the
 * model's rules and errnos.
 */
class SysfsApBusSimTest {

    private static final UUID VM1 = UUID.fromString("a1b2c3d4-0000-4000-8000-000000000001");
    private static final UUID VM2 = UUID.fromString("a1b2c3d4-0000-4000-8000-000000000002");

    private static SysfsApBus busOn(SimKernel k) {
        return new SysfsApBus(new SimSysfs(k));
    }

    private static MachineProfile atLevel(MachineProfile p, KernelLevel level) {
        return new MachineProfile(p.name() + "@" + level.yamlName(), p.description(), level, p.maxAdapterId(),
                p.maxDomainId(), p.cards(), p.hostConfig(), p.initial());
    }

    private static void assertErrno(ThrowingRunnable r, Errno errno) {
        assertThatThrownBy(r::run).isInstanceOfSatisfying(SysfsException.class,
                e -> assertThat(e.errno()).as(e.getMessage()).isEqualTo(errno));
    }

    @FunctionalInterface
    interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void inventoryMatchesTheProfile() throws Exception {
        MachineProfile p = MachineProfiles.loadResource("mask-mode-apconfig");
        ApInventory inv = busOn(SimKernel.boot(p, 1)).inventory();

        assertThat(inv.bus().maxAdapterId()).isEqualTo(p.maxAdapterId());
        assertThat(inv.bus().maxDomainId()).isEqualTo(p.maxDomainId());
        assertThat(inv.bus().apmask().isFull()).isTrue();
        assertThat(inv.bus().hostAdapters()).contains(p.hostConfig().adapters());
        assertThat(inv.bus().hostUsageDomains()).contains(p.hostConfig().usageDomains());
        assertThat(inv.bus().bindings()).hasValueSatisfying(b -> assertThat(b.complete()).isTrue());
        assertThat(inv.cards().keySet()).containsExactly(3, 4, 5, 6);
        for (MachineProfile.Card c : p.cards()) {
            ApCard card = inv.cards().get(c.id());
            assertThat(card.hwtype()).isEqualTo(c.generation().hwtype());
            assertThat(card.type()).contains(c.generation().name() + c.mode().typeSuffix());
            assertThat(card.mode().name()).isEqualTo(c.mode().name());
            assertThat(card.config()).isTrue();
            assertThat(card.online()).contains(true);
        }
        int domains = p.hostConfig().usageDomains().cardinality();
        assertThat(inv.queues()).hasSize(4 * domains);
        assertThat(inv.queues().values()).allSatisfy(q -> {
            assertThat(q.driver()).isEqualTo(ApDriver.CEX4QUEUE);
            assertThat(q.online()).contains(true);
            assertThat(q.inFlight()).isZero();
        });
        assertThat(inv.mdevs()).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(KernelLevel.class)
    void capabilitiesPerKernelLevelComeFromFilesOnly(KernelLevel level) throws Exception {
        SimKernel k = SimKernel.boot(atLevel(MachineProfiles.loadResource("mask-mode-apconfig"), level), 7);
        SysfsApBus bus = busOn(k);
        NodeCapabilities before = bus.inventory().capabilities();
        assertThat(before.ownership()).isEqualTo(level.atLeast(KernelLevel.DRIVER_OVERRIDE) ? Ownership.DRIVER_OVERRIDE : Ownership.MASKS);
        assertThat(before.busFeaturesFile()).isEqualTo(level.atLeast(KernelLevel.AP_CONFIG));
        assertThat(before.matrixFeaturesFile()).isEqualTo(level.atLeast(KernelLevel.MATRIX_FEATURES));
        assertThat(before.vfioAp()).isTrue();
        assertThat(before.scansAndBindings()).isTrue();
        assertThat(before.queueStatus()).isEqualTo(Evidence.UNKNOWN); // nothing bound to vfio_ap yet
        if (!level.atLeast(KernelLevel.MATRIX_FEATURES)) {
            assertThat(before.apConfig()).isEqualTo(Evidence.UNKNOWN); // no mdev to look at
        }

        bus.editApmask(ApMask.none(), ApMask.of(5));
        bus.createMdev(VM1);
        NodeCapabilities after = bus.refresh().capabilities();
        assertThat(after.guestMatrix()).isEqualTo(level.atLeast(KernelLevel.DYNAMIC) ? Evidence.PRESENT : Evidence.ABSENT);
        assertThat(after.legacyVfioAp()).isEqualTo(level == KernelLevel.LEGACY);
        assertThat(after.apConfig()).isEqualTo(level.atLeast(KernelLevel.AP_CONFIG) ? Evidence.PRESENT : Evidence.ABSENT);
        assertThat(after.queueStatus()).isEqualTo(level.atLeast(KernelLevel.DYNAMIC) ? Evidence.PRESENT : Evidence.ABSENT);
        if (level.atLeast(KernelLevel.MATRIX_FEATURES)) {
            assertThat(after.matrixFeatures()).contains("ap_config", "guest_matrix");
        }
        assertThat(bus.inventory().capabilities()).isEqualTo(after);
    }

    @Test
    void seedProcedureInMaskModeEndToEnd() throws Exception {
        SimKernel k = SimKernel.boot(MachineProfiles.loadResource("mask-mode-apconfig"), 3);
        SysfsApBus bus = busOn(k);
        bus.inventory();
        Apqn q = Apqn.of(5, 4);

        // take adapter 5 from the host: the kernel rebinds its queues to vfio_ap during the write
        ApMask apmask = bus.editApmask(ApMask.none(), ApMask.of(5));
        assertThat(apmask.get(5)).isFalse();
        assertThat(bus.driverOf(q)).isEqualTo(ApDriver.VFIO_AP);
        assertThat(bus.awaitBindingsComplete(Duration.ofSeconds(1)).complete()).isTrue();

        ApMdev created = bus.createMdev(VM1);
        assertThat(created.matrix()).isEqualTo(Matrix.EMPTY);
        bus.assignAdapter(VM1, 5);
        bus.assignDomain(VM1, 4);
        bus.assignControlDomain(VM1, 4);

        ApInventory inv = bus.refresh();
        ApMdev m = inv.mdevs().get(VM1);
        assertThat(m.matrix()).isEqualTo(new Matrix(ApMask.of(5), ApMask.of(4), ApMask.of(4)));
        assertThat(m.guestMatrix()).hasValueSatisfying(g -> assertThat(g.apqns()).containsExactly(q));
        assertThat(inv.queues().get(q).vfioStatus()).contains(ApQueue.VfioStatus.ASSIGNED);
        assertThat(inv.queues().get(Apqn.of(5, 5)).vfioStatus()).contains(ApQueue.VfioStatus.UNASSIGNED);
        assertThat(inv.queues().get(Apqn.of(4, 4)).driver()).isEqualTo(ApDriver.CEX4QUEUE);
        assertThat(bus.lastRefreshStats().kind()).isEqualTo(ApRefreshStats.Kind.INCREMENTAL);

        // ap_config replaces everything at once
        Matrix wider = new Matrix(ApMask.of(5), ApMask.of(4, 5), ApMask.of(4));
        assertThat(bus.writeApConfig(VM1, wider)).isEqualTo(wider);
        assertThat(bus.refresh().mdevs().get(VM1).guestMatrix())
                .hasValueSatisfying(g -> assertThat(g.apqns()).containsExactly(q, Apqn.of(5, 5)));

        // release in the safe order: unassign, remove, then give the adapter back
        bus.writeApConfig(VM1, Matrix.EMPTY);
        bus.removeMdev(VM1);
        assertThat(bus.editApmask(ApMask.of(5), ApMask.none()).isFull()).isTrue();
        ApInventory back = bus.refresh();
        assertThat(back.mdevs()).isEmpty();
        assertThat(back.queuesOf(5)).allSatisfy(x -> assertThat(x.driver()).isEqualTo(ApDriver.CEX4QUEUE));
    }

    @Test
    void kernelErrnosSurfaceUnchanged() throws Exception {
        SimKernel k = SimKernel.boot(MachineProfiles.loadResource("mask-mode-apconfig"), 5);
        SysfsApBus bus = busOn(k);
        bus.editApmask(ApMask.none(), ApMask.of(5));
        bus.createMdev(VM1);
        bus.assignAdapter(VM1, 5);
        bus.assignDomain(VM1, 4);

        // a bound queue cannot be bound again; once unbound, the probe gate refuses vfio_ap for a host-owned queue
        assertErrno(() -> bus.bind(Apqn.of(4, 4), ApDriver.VFIO_AP), Errno.EBUSY);
        bus.unbind(Apqn.of(4, 4), ApDriver.CEX4QUEUE);
        assertErrno(() -> bus.bind(Apqn.of(4, 4), ApDriver.VFIO_AP), Errno.ENODEV);
        bus.bind(Apqn.of(4, 4), ApDriver.CEX4QUEUE);
        assertThat(bus.driverOf(Apqn.of(4, 4))).isEqualTo(ApDriver.CEX4QUEUE);
        // unbind from a driver the queue is not bound to
        assertErrno(() -> bus.unbind(Apqn.of(4, 4), ApDriver.VFIO_AP), Errno.ENODEV);
        // duplicate UUID
        assertErrno(() -> bus.createMdev(VM1), Errno.EEXIST);
        // a second mdev cannot share an APQN
        bus.createMdev(VM2);
        bus.assignDomain(VM2, 4);
        assertErrno(() -> bus.assignAdapter(VM2, 5), Errno.EADDRINUSE);
        // host-owned APQN (adapter 4 is still host-owned)
        assertErrno(() -> bus.assignAdapter(VM2, 4), Errno.EADDRNOTAVAIL);
        // above ap_max_domain_id (84)
        assertErrno(() -> bus.assignDomain(VM2, 100), Errno.ENODEV);
        // giving adapter 5 back while an mdev has it assigned: the in-use veto
        assertErrno(() -> bus.editApmask(ApMask.of(5), ApMask.none()), Errno.EBUSY);
        assertThat(bus.readApmask().get(5)).isFalse();
        // the refusal names the file and the meaning
        assertThatThrownBy(() -> bus.editApmask(ApMask.of(5), ApMask.none()))
                .hasMessageContaining("/sys/bus/ap/apmask").hasMessageContaining("EBUSY");
    }

    @Test
    void seedProcedureInDriverOverrideMode() throws Exception {
        SimKernel k = SimKernel.boot(MachineProfiles.loadResource("override-mode"), 11);
        SysfsApBus bus = busOn(k);
        assertThat(bus.inventory().capabilities().ownership()).isEqualTo(Ownership.DRIVER_OVERRIDE);
        Apqn q = Apqn.of(7, 2);

        ApQueue moved = bus.moveToVfio(q);
        assertThat(moved.driver()).isEqualTo(ApDriver.VFIO_AP);
        assertThat(moved.driverOverride()).contains("vfio_ap");
        // masks and overrides exclude each other
        assertErrno(() -> bus.editApmask(ApMask.none(), ApMask.of(3)), Errno.EBUSY);

        bus.createMdev(VM1);
        bus.assignAdapter(VM1, 7);
        bus.assignDomain(VM1, 2);
        ApInventory inv = bus.refresh();
        assertThat(inv.mdevs().get(VM1).guestMatrix()).hasValueSatisfying(g -> assertThat(g.apqns()).containsExactly(q));
        assertThat(inv.queues().get(q).vfioStatus()).contains(ApQueue.VfioStatus.ASSIGNED);
        assertThat(inv.queues().get(q).driverOverride()).contains("vfio_ap");

        bus.unassignDomain(VM1, 2);
        bus.unassignAdapter(VM1, 7);
        ApQueue back = bus.returnToHost(q);
        assertThat(back.driver()).isEqualTo(ApDriver.CEX4QUEUE);
        assertThat(back.driverOverride()).isEmpty();
    }

    @Test
    void legacyKernelSeedNeedsBoundQueuesAndHasNoGuestMatrix() throws Exception {
        SimKernel k = SimKernel.boot(MachineProfiles.loadResource("legacy"), 13);
        SysfsApBus bus = busOn(k);
        bus.inventory();
        bus.createMdev(VM1);
        assertErrno(() -> { bus.assignAdapter(VM1, 3); bus.assignDomain(VM1, 1); }, Errno.EADDRNOTAVAIL);
        bus.unassignAdapter(VM1, 3);
        bus.editAqmask(ApMask.none(), ApMask.of(1));
        bus.assignAdapter(VM1, 3);
        bus.assignDomain(VM1, 1);
        ApInventory inv = bus.refresh();
        assertThat(inv.capabilities().legacyVfioAp()).isTrue();
        assertThat(inv.mdevs().get(VM1).guestMatrix()).isEmpty();
        assertThat(inv.mdevs().get(VM1).matrix().apqns()).containsExactly(Apqn.of(3, 1));
        assertThat(inv.queues().get(Apqn.of(3, 1)).driver()).isEqualTo(ApDriver.VFIO_AP);
        assertThat(inv.queues().get(Apqn.of(3, 1)).vfioStatus()).isEmpty();
    }

    @Test
    void stressProfileReadsPerRefresh() throws Exception {
        SimKernel k = SimKernel.boot(MachineProfiles.loadResource("stress-256"), 17);
        SysfsApBus bus = busOn(k);

        long t0 = System.nanoTime();
        ApInventory inv = bus.inventory();
        long fullMs = (System.nanoTime() - t0) / 1_000_000;
        ApRefreshStats full = bus.lastRefreshStats();
        assertThat(inv.cards()).hasSize(256);
        assertThat(inv.queues()).hasSize(256 * 85);

        t0 = System.nanoTime();
        bus.refresh();
        long quietMs = (System.nanoTime() - t0) / 1_000_000;
        ApRefreshStats quiet = bus.lastRefreshStats();

        bus.editApmask(ApMask.none(), ApMask.of(7)); // adapter 7's 85 queues move to vfio_ap
        ApInventory afterApmask = bus.refresh();
        ApRefreshStats apChange = bus.lastRefreshStats();

        bus.editAqmask(ApMask.none(), ApMask.of(9)); // domain 9 on all 256 adapters
        ApInventory afterAqmask = bus.refresh();
        ApRefreshStats aqChange = bus.lastRefreshStats();

        bus.createMdev(VM1);
        bus.assignAdapter(VM1, 7);
        bus.assignDomain(VM1, 9);
        bus.refresh();
        ApRefreshStats mdevChange = bus.lastRefreshStats();

        k.scan();
        bus.refresh();
        ApRefreshStats scanMoved = bus.lastRefreshStats();

        System.out.printf("stress-256 (256 x 85 = 21760 queues) sysfs read calls:%n"
                        + "  full inventory          %7d  (%d ms against the simulator)%n  quiet refresh           %7d  (%d ms)%n"
                        + "  after apmask change     %7d  (queues reread: %d)%n"
                        + "  after aqmask change     %7d  (queues reread: %d)%n"
                        + "  after mdev create+assign%7d  (queues reread: %d)%n"
                        + "  after a bus scan        %7d  (queues reread: %d)%n",
                full.reads(), fullMs, quiet.reads(), quietMs, apChange.reads(), apChange.queuesReread(), aqChange.reads(),
                aqChange.queuesReread(), mdevChange.reads(), mdevChange.queuesReread(), scanMoved.reads(),
                scanMoved.queuesReread());

        assertThat(quiet.kind()).isEqualTo(ApRefreshStats.Kind.INCREMENTAL);
        assertThat(quiet.reasons()).isEmpty();
        assertThat(quiet.queuesReread()).isZero();
        assertThat(quiet.reads() * 50).isLessThan(full.reads());
        assertThat(apChange.queuesReread()).isEqualTo(85);
        assertThat(apChange.reads()).isLessThan(full.reads() / 10);
        assertThat(aqChange.queuesReread()).isEqualTo(256);
        assertThat(scanMoved.queuesReread()).isZero();
        assertThat(afterApmask.queuesOf(7)).allSatisfy(q -> assertThat(q.driver()).isEqualTo(ApDriver.VFIO_AP));
        assertThat(afterAqmask.queues().get(Apqn.of(200, 9)).driver()).isEqualTo(ApDriver.VFIO_AP);
        assertThat(afterAqmask.queues().get(Apqn.of(200, 10)).driver()).isEqualTo(ApDriver.CEX4QUEUE);
    }
}
