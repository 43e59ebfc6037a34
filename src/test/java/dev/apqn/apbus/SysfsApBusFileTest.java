package dev.apqn.apbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apqn.ap.ApCard;
import dev.apqn.ap.ApDriver;
import dev.apqn.ap.ApMask;
import dev.apqn.ap.ApMdev;
import dev.apqn.ap.ApQueue;
import dev.apqn.ap.ApSyntaxException;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.Errno;
import dev.apqn.ap.Matrix;
import dev.apqn.apbus.NodeCapabilities.Evidence;
import dev.apqn.apbus.NodeCapabilities.Ownership;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SysfsApBus} over {@link FileSysfs} on a fake tree of regular files: the exact bytes
 * written to each file, exactly one write() per value, and the order of composite operations.
 */
class SysfsApBusFileTest {

    private static final String ONES = "f".repeat(64);
    private static final UUID MDEV = UUID.fromString("6e3c5f8a-0b3e-4a57-9d0c-1f2e3d4c5b6a");
    private static final Apqn Q = Apqn.of(5, 4);

    @TempDir
    Path tmp;

    private ApFakeSysfsTree tree;
    private FileSysfs files;
    private Recording recording;
    private SysfsApBus bus;

    /** Records every write() in order (path and value) in front of the real files. */
    static class Recording implements Sysfs {
        final Sysfs delegate;
        final List<String> writes = new ArrayList<>();

        Recording(Sysfs delegate) {
            this.delegate = delegate;
        }

        @Override
        public String read(String path) throws SysfsException {
            return delegate.read(path);
        }

        @Override
        public void write(String path, String value) throws SysfsException {
            writes.add(path + " <- " + value.replace("\n", "\\n"));
            delegate.write(path, value);
        }

        @Override
        public List<String> list(String path) throws SysfsException {
            return delegate.list(path);
        }

        @Override
        public boolean exists(String path) throws SysfsException {
            return delegate.exists(path);
        }

        @Override
        public Optional<String> readLink(String path) throws SysfsException {
            return delegate.readLink(path);
        }
    }

    @BeforeEach
    void setUp() {
        tree = new ApFakeSysfsTree(tmp).bus(255, 84).matrixFeatures("guest_matrix hotplug ap_config")
                .card(5, "CEX8C").queue(Q, "cex4queue", false).queue(Apqn.of(5, 6), "cex4queue", false)
                .card(6, "CEX8C").queue(Apqn.of(6, 4), "cex4queue", false)
                .mdev(MDEV, true, true);
        tree.file("/sys/bus/ap/bindings", "3/3 (complete)\n");
        files = new FileSysfs(tmp);
        recording = new Recording(files);
        bus = new SysfsApBus(recording);
    }

    @AfterEach
    void tearDown() {
        files.close();
    }

    private long writesTo(String path) {
        return bus.counting().writesTo(path);
    }

    @Test
    void writeApmaskWritesTheAbsoluteMaskOnceWithOneNewline() throws Exception {
        ApMask mask = ApMask.all().without(5).without(6);
        ApMask back = bus.writeApmask(mask);

        assertThat(tree.content("/sys/bus/ap/apmask")).isEqualTo("0xf9" + "f".repeat(62) + "\n");
        assertThat(tree.content("/sys/bus/ap/apmask")).hasSize(2 + 64 + 1);
        assertThat(writesTo("/sys/bus/ap/apmask")).isEqualTo(1);
        assertThat(back).isEqualTo(mask);
        assertThat(bus.counting().counts().writes()).isEqualTo(1);
    }

    @Test
    void editMaskComputesTheAbsoluteValueFromAFreshReadAndSkipsANoOp() throws Exception {
        tree.file("/sys/bus/ap/aqmask", "0x" + "0".repeat(64) + "\n"); // changed behind our back
        ApMask result = bus.editAqmask(ApMask.of(4, 255), ApMask.none());
        assertThat(tree.content("/sys/bus/ap/aqmask")).isEqualTo("0x08" + "0".repeat(61) + "1\n");
        assertThat(result).isEqualTo(ApMask.of(4, 255));

        bus.editAqmask(ApMask.of(4), ApMask.none()); // already set: nothing to write
        assertThat(writesTo("/sys/bus/ap/aqmask")).isEqualTo(1);

        ApMask cleared = bus.editApmask(ApMask.none(), ApMask.of(0));
        assertThat(tree.content("/sys/bus/ap/apmask")).isEqualTo("0x7" + "f".repeat(63) + "\n");
        assertThat(cleared.get(0)).isFalse();
        assertThat(writesTo("/sys/bus/ap/apmask")).isEqualTo(1);
    }

    @Test
    void assignmentsAreDecimalWithoutNewlineOneWriteEach() throws Exception {
        bus.assignAdapter(MDEV, 5);
        bus.assignDomain(MDEV, 71);
        bus.assignControlDomain(MDEV, 8);
        String dir = SysfsApBus.mdevDir(MDEV);
        assertThat(tree.content(dir + "/assign_adapter")).isEqualTo("5");
        assertThat(tree.content(dir + "/assign_domain")).isEqualTo("71");
        assertThat(tree.content(dir + "/assign_control_domain")).isEqualTo("8");
        bus.unassignDomain(MDEV, 10);
        bus.unassignAdapter(MDEV, 255);
        bus.unassignControlDomain(MDEV, 0);
        assertThat(tree.content(dir + "/unassign_domain")).isEqualTo("10"); // never "010" (octal to kstrtoul)
        assertThat(tree.content(dir + "/unassign_adapter")).isEqualTo("255");
        assertThat(tree.content(dir + "/unassign_control_domain")).isEqualTo("0");
        assertThat(bus.counting().writesPerPath()).hasSize(6).allSatisfy((p, n) -> assertThat(n).isEqualTo(1));
        assertThatThrownBy(() -> bus.assignAdapter(MDEV, 256)).isInstanceOf(ApSyntaxException.class);
    }

    @Test
    void apConfigIsOneAtomicWriteOfThreeMasksAndIsReadBack() throws Exception {
        Matrix m = new Matrix(ApMask.of(5, 6), ApMask.of(4), ApMask.of(4, 8));
        Matrix back = bus.writeApConfig(MDEV, m);

        String expected = "0x06" + "0".repeat(62) + ",0x08" + "0".repeat(62) + ",0x0880" + "0".repeat(60) + "\n";
        assertThat(tree.content(SysfsApBus.mdevDir(MDEV) + "/ap_config")).isEqualTo(expected);
        assertThat(writesTo(SysfsApBus.mdevDir(MDEV) + "/ap_config")).isEqualTo(1);
        assertThat(back).isEqualTo(m);
    }

    @Test
    void mdevCreateAndRemoveWriteTheUuidAndOne() throws Exception {
        ApMdev created = bus.createMdev(MDEV);
        assertThat(tree.content(SysfsApBus.MDEV_TYPE + "/create")).isEqualTo("6e3c5f8a-0b3e-4a57-9d0c-1f2e3d4c5b6a");
        assertThat(created.uuid()).isEqualTo(MDEV);
        assertThat(created.matrix()).isEqualTo(Matrix.EMPTY);
        bus.removeMdev(MDEV);
        assertThat(tree.content(SysfsApBus.mdevDir(MDEV) + "/remove")).isEqualTo("1");
        assertThat(recording.writes).containsExactly(
                SysfsApBus.MDEV_TYPE + "/create <- 6e3c5f8a-0b3e-4a57-9d0c-1f2e3d4c5b6a",
                SysfsApBus.mdevDir(MDEV) + "/remove <- 1");
    }

    @Test
    void bindUnbindProbeAndOverridesWriteTheDeviceName() throws Exception {
        tree.file(SysfsApBus.queueDir(Q) + "/driver_override", "\n"); // a 6.19 queue
        bus.unbind(Q, ApDriver.CEX4QUEUE);
        bus.bind(Q, ApDriver.VFIO_AP);
        bus.probe(Q);
        bus.setDriverOverride(Q, ApDriver.VFIO_AP);
        assertThat(tree.content("/sys/bus/ap/drivers/cex4queue/unbind")).isEqualTo("05.0004");
        assertThat(tree.content("/sys/bus/ap/drivers/vfio_ap/bind")).isEqualTo("05.0004");
        assertThat(tree.content("/sys/bus/ap/drivers_probe")).isEqualTo("05.0004");
        assertThat(tree.content(SysfsApBus.queueDir(Q) + "/driver_override")).isEqualTo("vfio_ap");
        bus.clearDriverOverride(Q);
        assertThat(tree.content(SysfsApBus.queueDir(Q) + "/driver_override")).isEqualTo("\n");
        assertThat(recording.writes).hasSize(5);
        assertThatThrownBy(() -> bus.bind(Q, ApDriver.NONE)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void moveToVfioWritesTheOverrideBeforeUnbindAndProbe() throws Exception {
        tree.file(SysfsApBus.queueDir(Q) + "/driver_override", "\n"); // a 6.19 queue
        bus.moveToVfio(Q);
        assertThat(recording.writes).containsExactly(
                SysfsApBus.queueDir(Q) + "/driver_override <- vfio_ap",
                "/sys/bus/ap/drivers/cex4queue/unbind <- 05.0004",
                "/sys/bus/ap/drivers_probe <- 05.0004");
    }

    @Test
    void returnToHostClearsTheOverrideBeforeUnbindingFromVfio() throws Exception {
        tree.file(SysfsApBus.queueDir(Q) + "/driver_override", "\n"); // a 6.19 queue
        tree.bindLink(Q, "vfio_ap");
        ApQueue q = bus.returnToHost(Q);
        assertThat(recording.writes).containsExactly(
                SysfsApBus.queueDir(Q) + "/driver_override <- \\n",
                "/sys/bus/ap/drivers/vfio_ap/unbind <- 05.0004",
                "/sys/bus/ap/drivers_probe <- 05.0004");
        assertThat(q.driver()).isEqualTo(ApDriver.VFIO_AP); // plain files: no kernel rebinds it
    }

    @Test
    void scanWritesOnceAndBindingsArePolledWithABoundedWait() throws Exception {
        assertThat(bus.triggerScan()).isEqualTo(1);
        assertThat(tree.content("/sys/bus/ap/scans")).isEqualTo("1");

        AtomicLong now = new AtomicLong();
        List<Duration> sleeps = new ArrayList<>();
        SysfsApBus.Options opts = SysfsApBus.Options.defaults()
                .withClock(now::get, d -> { sleeps.add(d); now.addAndGet(d.toNanos()); });
        SysfsApBus polling = new SysfsApBus(files, opts);

        tree.file("/sys/bus/ap/bindings", "2/3\n");
        assertThatThrownBy(() -> polling.awaitBindingsComplete(Duration.ofMillis(200)))
                .isInstanceOfSatisfying(SysfsException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.ETIMEDOUT);
                    assertThat(e.getMessage()).contains("2/3");
                });
        assertThat(sleeps).hasSize(4).allSatisfy(d -> assertThat(d).isEqualTo(Duration.ofMillis(50)));

        // becomes complete after two polls
        sleeps.clear();
        SysfsApBus flipping = new SysfsApBus(new Recording(files) {
            int reads;

            @Override
            public String read(String path) throws SysfsException {
                if (path.endsWith("/bindings") && ++reads == 3) {
                    tree.file("/sys/bus/ap/bindings", "3/3 (complete)\n");
                }
                return super.read(path);
            }
        }, opts);
        assertThat(flipping.awaitBindingsComplete(Duration.ofSeconds(5))).isEqualTo(new ApBindings(3, 3, true));
        assertThat(sleeps).hasSize(2);
    }

    @Test
    void kernelRefusalsSurfaceWithErrnoAndAreNotRetried() throws Exception {
        UUID missing = UUID.fromString("00000000-0000-4000-8000-000000000001");
        assertThatThrownBy(() -> bus.assignAdapter(missing, 5))
                .isInstanceOfSatisfying(SysfsException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.ENOENT);
                    assertThat(e.path()).endsWith("/assign_adapter");
                });
        assertThat(bus.counting().counts().writes()).isEqualTo(1);
        tree.file("/sys/bus/ap/apmask", "garbage\n");
        assertThatThrownBy(() -> bus.readApmask()).isInstanceOfSatisfying(SysfsException.class,
                e -> assertThat(e.errno()).isEqualTo(Errno.EIO));
    }

    @Test
    void inventoryReadsTheTreeAndDetectsCapabilitiesFromFiles() throws Exception {
        tree.file(SysfsApBus.queueDir(Q) + "/requestq_count", "2\n");
        tree.file(SysfsApBus.queueDir(Q) + "/pendingq_count", "3\n");
        tree.bindLink(Apqn.of(6, 4), "vfio_ap");
        tree.file(SysfsApBus.mdevDir(MDEV) + "/ap_config", new Matrix(ApMask.of(6), ApMask.of(4), ApMask.of(4)).toApConfigText());
        tree.file(SysfsApBus.mdevDir(MDEV) + "/guest_matrix", "06.0004\n");

        ApInventory inv = bus.inventory();

        assertThat(inv.bus().maxDomainId()).isEqualTo(84);
        assertThat(inv.bus().apDomain()).isEqualTo(4);
        assertThat(inv.bus().bindings()).contains(new ApBindings(3, 3, true));
        assertThat(inv.bus().features()).containsExactlyInAnyOrder("APSC", "APXA", "QACT");
        assertThat(inv.cards()).containsOnlyKeys(5, 6);
        assertThat(inv.cards().get(5).type()).contains("CEX8C");
        assertThat(inv.cards().get(5).mode()).isEqualTo(ApCard.Mode.CCA);
        assertThat(inv.queues()).containsOnlyKeys(Q, Apqn.of(5, 6), Apqn.of(6, 4));
        assertThat(inv.queues().get(Q).driver()).isEqualTo(ApDriver.CEX4QUEUE);
        assertThat(inv.queues().get(Q).online()).contains(true);
        assertThat(inv.queues().get(Q).inFlight()).isEqualTo(5);
        assertThat(bus.inFlight(Q)).isEqualTo(5);
        assertThat(inv.queues().get(Apqn.of(6, 4)).vfioStatus()).contains(ApQueue.VfioStatus.UNASSIGNED);
        assertThat(inv.mdevs().get(MDEV).matrix()).isEqualTo(new Matrix(ApMask.of(6), ApMask.of(4), ApMask.of(4)));
        assertThat(inv.mdevs().get(MDEV).guestMatrix()).contains(Matrix.of(ApMask.of(6), ApMask.of(4)));
        NodeCapabilities caps = inv.capabilities();
        assertThat(caps.ownership()).isEqualTo(Ownership.MASKS);
        assertThat(caps.apConfig()).isEqualTo(Evidence.PRESENT);
        assertThat(caps.guestMatrix()).isEqualTo(Evidence.PRESENT);
        assertThat(caps.queueStatus()).isEqualTo(Evidence.PRESENT);
        assertThat(caps.matrixFeatures()).contains("ap_config", "guest_matrix", "hotplug");
        assertThat(bus.counting().counts().writes()).isZero();
    }

    @Test
    void legacyAndDriverOverrideTreesAreRecognisedByTheirFiles() throws Exception {
        Path legacyRoot = tmp.resolve("legacy");
        ApFakeSysfsTree legacy = new ApFakeSysfsTree(legacyRoot).bus(63, 15).card(1, "CEX7C")
                .queue(Apqn.of(1, 2), "vfio_ap", false).mdev(MDEV, false, false);
        legacy.file("/sys/bus/ap/features", "-\n");
        java.nio.file.Files.delete(legacy.path(SysfsApBus.queueDir(Apqn.of(1, 2)) + "/status"));
        try (FileSysfs fs = new FileSysfs(legacyRoot)) {
            NodeCapabilities caps = new SysfsApBus(fs).inventory().capabilities();
            assertThat(caps.legacyVfioAp()).isTrue();
            assertThat(caps.apConfig()).isEqualTo(Evidence.ABSENT);
            assertThat(caps.queueStatus()).isEqualTo(Evidence.ABSENT);
            assertThat(caps.ownership()).isEqualTo(Ownership.MASKS);
            assertThat(caps.busFeatures()).isEmpty();
            assertThat(caps.matrixFeaturesFile()).isFalse();
        }

        Path newRoot = tmp.resolve("619");
        new ApFakeSysfsTree(newRoot).bus(255, 255).matrixFeatures("guest_matrix hotplug ap_config")
                .card(1, "CEX8P").queue(Apqn.of(1, 2), "cex4queue", true);
        try (FileSysfs fs = new FileSysfs(newRoot)) {
            ApInventory inv = new SysfsApBus(fs).inventory();
            assertThat(inv.capabilities().ownership()).isEqualTo(Ownership.DRIVER_OVERRIDE);
            assertThat(inv.capabilities().apConfig()).isEqualTo(Evidence.PRESENT); // from features, no mdev needed
            assertThat(inv.capabilities().queueStatus()).isEqualTo(Evidence.UNKNOWN); // no vfio queue to look at
            assertThat(inv.queues().get(Apqn.of(1, 2)).driverOverride()).isEmpty();
        }
    }

    @Test
    void quietRefreshReadsOnlySignalsAndAMaskChangeRereadsOnlyItsCard() throws Exception {
        bus.inventory();
        long full = bus.lastRefreshStats().reads();

        bus.refresh();
        ApRefreshStats quiet = bus.lastRefreshStats();
        assertThat(quiet.kind()).isEqualTo(ApRefreshStats.Kind.INCREMENTAL);
        assertThat(quiet.reasons()).isEmpty();
        assertThat(quiet.queuesReread()).isZero();

        tree.file("/sys/bus/ap/apmask", ApMask.all().without(6).toSysfs());
        tree.bindLink(Apqn.of(6, 4), "vfio_ap");
        ApInventory inv = bus.refresh();
        ApRefreshStats after = bus.lastRefreshStats();
        assertThat(after.reasons()).anyMatch(r -> r.startsWith("apmask changed at adapters 6"));
        assertThat(after.queuesReread()).isEqualTo(1);
        assertThat(inv.queues().get(Apqn.of(6, 4)).driver()).isEqualTo(ApDriver.VFIO_AP);
        assertThat(inv.queues().get(Q).driver()).isEqualTo(ApDriver.CEX4QUEUE);
        System.out.printf("fake tree (2 cards, 3 queues): full %d reads, quiet refresh %d, after apmask change %d%n",
                full, quiet.reads(), after.reads());
    }

    @Test
    void periodicResyncIsAFullReadAndCatchesWhatSignalsMiss() throws Exception {
        SysfsApBus periodic = new SysfsApBus(files, SysfsApBus.Options.defaults().withFullResync(3, Duration.ofDays(1)));
        periodic.refresh();
        assertThat(periodic.lastRefreshStats().kind()).isEqualTo(ApRefreshStats.Kind.FULL);
        // a queue-level online flip (chzcrypt on one APQN) is not a signal ...
        tree.file(SysfsApBus.queueDir(Q) + "/online", "0\n");
        assertThat(periodic.refresh().queues().get(Q).online()).contains(true);
        assertThat(periodic.lastRefreshStats().kind()).isEqualTo(ApRefreshStats.Kind.INCREMENTAL);
        assertThat(periodic.refresh().queues().get(Q).online()).contains(true);
        // ... the periodic resync (every 3rd refresh here) is what catches it
        assertThat(periodic.refresh().queues().get(Q).online()).contains(false);
        assertThat(periodic.lastRefreshStats().kind()).isEqualTo(ApRefreshStats.Kind.PERIODIC_FULL);
    }

    @Test
    void periodicResyncAlsoByTime() throws Exception {
        AtomicLong now = new AtomicLong();
        SysfsApBus timed = new SysfsApBus(files, SysfsApBus.Options.defaults().withFullResync(1000, Duration.ofMinutes(5))
                .withClock(now::get, d -> now.addAndGet(d.toNanos())));
        timed.refresh();
        timed.refresh();
        assertThat(timed.lastRefreshStats().kind()).isEqualTo(ApRefreshStats.Kind.INCREMENTAL);
        now.addAndGet(Duration.ofMinutes(5).toNanos());
        timed.refresh();
        assertThat(timed.lastRefreshStats().kind()).isEqualTo(ApRefreshStats.Kind.PERIODIC_FULL);
    }
}
