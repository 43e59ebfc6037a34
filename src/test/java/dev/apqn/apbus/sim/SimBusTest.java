package dev.apqn.apbus.sim;

import dev.apqn.ap.ApMask;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.Errno;
import dev.apqn.apbus.SysfsException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SimBusTest {

    private static final String APMASK = "/sys/bus/ap/apmask";
    private static final String AQMASK = "/sys/bus/ap/aqmask";

    static void assertErrno(ThrowingCall call, Errno errno) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(SysfsException.class,
                e -> assertThat(e.errno()).as(e.getMessage()).isEqualTo(errno));
    }

    @FunctionalInterface
    interface ThrowingCall {
        void run() throws Exception;
    }

    @Test
    void bootStateReadsLikeTheKernel() throws Exception {
        SimSysfs s = SimFixtures.node().sysfs();
        assertThat(s.read(APMASK)).isEqualTo("0x" + "f".repeat(64) + "\n");
        assertThat(s.read("/sys/bus/ap/ap_adapter_mask")).isEqualTo(ApMask.of(5, 6, 7).toSysfs());
        assertThat(s.read("/sys/bus/ap/bindings")).isEqualTo("9/9 (complete)\n");
        assertThat(s.read("/sys/bus/ap/scans")).isEqualTo("1\n");
        assertThat(s.read("/sys/bus/ap/bindings_complete_count")).isEqualTo("1\n");
        assertThat(s.read("/sys/bus/ap/ap_domain")).isEqualTo("4\n");
        assertThat(s.read("/sys/bus/ap/ap_max_domain_id")).isEqualTo("255\n");
        assertThat(s.read("/sys/bus/ap/features")).isEqualTo("APSC APXA QACT RC8A\n");
        assertThat(s.list("/sys/devices/ap/card05")).contains("05.0004", "05.0005", "05.0006", "online", "type", "driver");
        assertThat(s.read("/sys/devices/ap/card05/type")).isEqualTo("CEX8C\n");
        assertThat(s.read("/sys/devices/ap/card07/type")).isEqualTo("CEX7A\n");
        assertThat(s.read("/sys/devices/ap/card05/hwtype")).isEqualTo("14\n");
        assertThat(s.read("/sys/devices/ap/card05/modalias")).isEqualTo("ap:t0E\n");
        assertThat(s.read("/sys/devices/ap/card05/depth")).isEqualTo("9\n"); // 6.19: field + 1
        assertThat(s.read("/sys/devices/ap/card05/ap_functions")).isEqualTo("0xF2800000\n");
        assertThat(s.read("/sys/bus/ap/devices/05.0004/request_count")).isEqualTo("0\n");
        assertThat(s.read("/sys/bus/ap/devices/05.0004/online")).isEqualTo("1\n");
        assertThat(s.read("/sys/bus/ap/devices/05.0004/reset")).isEqualTo("No Reset Timer set.\n");
        assertThat(s.read("/sys/bus/ap/devices/05.0004/driver_override")).isEqualTo("\n");
        assertThat(s.readLink("/sys/bus/ap/devices/05.0004/driver")).contains("../../../../bus/ap/drivers/cex4queue");
        assertThat(s.readLink("/sys/bus/ap/devices/05.0004")).contains("../../../devices/ap/card05/05.0004");
        assertThat(s.list("/sys/bus/ap/drivers/cex4queue")).contains("05.0004", "bind", "unbind");
        assertThat(s.exists("/sys/bus/ap/drivers/vfio_ap")).isTrue();
        assertThat(s.exists("/sys/devices/ap/card05/05.0007")).isFalse();
    }

    @Test
    void goldenRelativeMaskVector() throws Exception {
        SimSysfs s = SimFixtures.node().sysfs();
        s.write(APMASK, "+0-15,+32,-128,-0xFF\n");
        assertThat(s.read(APMASK)).isEqualTo("0x" + "f".repeat(32) + "7" + "f".repeat(30) + "e\n");
        s.write(APMASK, "0x\n");
        s.write(APMASK, "+0-15,+32,-128,-0xFF");
        assertThat(s.read(APMASK)).isEqualTo("0x" + "ffff" + "0000" + "8" + "0".repeat(55) + "\n");
    }

    @Test
    void capitalXIsRejectedAndNothingChanges() throws Exception {
        SimSysfs s = SimFixtures.node().sysfs();
        int before = s.kernel().uevents().size();
        assertErrno(() -> s.write(APMASK, "0X5\n"), Errno.EINVAL);
        assertThat(s.read(APMASK)).isEqualTo("0x" + "f".repeat(64) + "\n");
        assertThat(s.kernel().uevents()).hasSize(before);
    }

    @Test
    void clearingAnAdapterBitMovesItsQueuesToVfioApWithFlushAndZeroize() throws Exception {
        SimSysfs s = SimFixtures.node().sysfs();
        s.write(APMASK, "-5\n");
        for (String q : new String[] {"05.0004", "05.0005", "05.0006"}) {
            assertThat(s.readLink("/sys/bus/ap/devices/" + q + "/driver")).contains("../../../../bus/ap/drivers/vfio_ap");
            assertThat(s.read("/sys/bus/ap/devices/" + q + "/request_count")).isEqualTo("-\n");
            assertThat(s.read("/sys/bus/ap/devices/" + q + "/status")).isEqualTo("unassigned\n");
            assertThat(s.exists("/sys/bus/ap/devices/" + q + "/online")).isFalse();
            assertThat(s.kernel().zeroizeCount(Apqn.parse(q))).isEqualTo(1);
        }
        assertThat(s.kernel().uevents()).anyMatch(u -> u.env().containsKey("APMASK"));
        assertThat(s.read("/sys/bus/ap/bindings")).isEqualTo("9/9 (complete)\n");
        // identical mask: no-op, no uevent, no rebind
        int uevents = s.kernel().uevents().size();
        s.write(APMASK, s.read(APMASK));
        assertThat(s.kernel().uevents()).hasSize(uevents);
        assertThat(s.kernel().zeroizeCount(Apqn.of(5, 4))).isEqualTo(1);
    }

    @Test
    void probeGateRefusesHostOwnedQueueForVfioAp() throws Exception {
        SimSysfs s = SimFixtures.node().sysfs();
        s.write("/sys/bus/ap/drivers/cex4queue/unbind", "05.0004\n");
        assertThat(s.read("/sys/bus/ap/bindings")).isEqualTo("8/9\n");
        assertThat(s.read("/sys/bus/ap/devices/05.0004/request_count")).isEqualTo("-\n");
        assertErrno(() -> s.write("/sys/bus/ap/drivers/vfio_ap/bind", "05.0004\n"), Errno.ENODEV);
        assertErrno(() -> s.write("/sys/bus/ap/drivers/cex4queue/unbind", "05.0004\n"), Errno.ENODEV);
        assertErrno(() -> s.write("/sys/bus/ap/drivers/cex4queue/bind", "05.0099\n"), Errno.ENODEV);
        assertErrno(() -> s.write("/sys/bus/ap/drivers/cex4queue/bind", "card05\n"), Errno.ENODEV);
        assertErrno(() -> s.write("/sys/bus/ap/drivers/cex4queue/bind", "05.0005\n"), Errno.EBUSY);
        s.write("/sys/bus/ap/drivers/cex4queue/bind", "05.0004\n");
        assertThat(s.read("/sys/bus/ap/bindings")).isEqualTo("9/9 (complete)\n");
        // the reverse gate
        s.write(AQMASK, "-6");
        s.write("/sys/bus/ap/drivers/vfio_ap/unbind", "06.0006");
        assertErrno(() -> s.write("/sys/bus/ap/drivers/cex4queue/bind", "06.0006"), Errno.ENODEV);
        s.write("/sys/bus/ap/drivers_probe", "06.0006\n");
        assertThat(s.readLink("/sys/devices/ap/card06/06.0006/driver")).contains("../../../../bus/ap/drivers/vfio_ap");
    }

    @Test
    void bindingsCompleteCountsOnlyAtScans() throws Exception {
        SimSysfs s = SimFixtures.node().sysfs();
        s.write("/sys/bus/ap/drivers/cex4queue/unbind", "05.0004");
        s.write("/sys/bus/ap/drivers/cex4queue/bind", "05.0004");
        assertThat(s.read("/sys/bus/ap/bindings_complete_count")).isEqualTo("1\n");
        s.write("/sys/bus/ap/scans", "1\n");
        assertThat(s.read("/sys/bus/ap/scans")).isEqualTo("2\n");
        assertThat(s.read("/sys/bus/ap/bindings_complete_count")).isEqualTo("2\n");
    }

    @Test
    void readOnlyAndWriteOnlyFilesAreEacces() throws Exception {
        SimSysfs s = SimFixtures.node().sysfs();
        assertErrno(() -> s.write("/sys/bus/ap/bindings", "1"), Errno.EACCES);
        assertErrno(() -> s.read("/sys/bus/ap/drivers/vfio_ap/bind"), Errno.EACCES);
        assertErrno(() -> s.read("/sys/bus/ap/nothing"), Errno.ENOENT);
        assertErrno(() -> s.read("/sys/bus/ap"), Errno.EISDIR);
    }

    @Test
    void zcryptOnlineRules() throws Exception {
        SimSysfs s = SimFixtures.node().sysfs();
        assertErrno(() -> s.write("/sys/devices/ap/card05/online", "2"), Errno.EINVAL);
        s.write("/sys/devices/ap/card05/online", "0\n");
        assertThat(s.read("/sys/devices/ap/card05/05.0004/online")).isEqualTo("0\n");
        assertErrno(() -> s.write("/sys/devices/ap/card05/05.0004/online", "1"), Errno.EINVAL);
        s.write("/sys/devices/ap/card05/online", "1\n");
        s.write("/sys/devices/ap/card05/05.0004/online", "1");
        assertThat(s.kernel().usableQueues()).contains(Apqn.of(5, 4));
        // deconfigure: card at once, queues at the next scan
        s.write("/sys/devices/ap/card05/config", "0\n");
        assertThat(s.read("/sys/devices/ap/card05/online")).isEqualTo("0\n");
        assertThat(s.read("/sys/devices/ap/card05/05.0004/config")).isEqualTo("1\n");
        assertErrno(() -> s.write("/sys/devices/ap/card05/online", "1"), Errno.ENODEV);
        s.write("/sys/bus/ap/scans", "1");
        assertThat(s.read("/sys/devices/ap/card05/05.0004/config")).isEqualTo("0\n");
        assertThat(s.read("/sys/devices/ap/card05/05.0004/online")).isEqualTo("0\n");
        assertErrno(() -> s.write("/sys/devices/ap/card05/05.0004/online", "1"), Errno.ENODEV);
        assertThat(s.kernel().usableQueues()).noneMatch(a -> a.adapter() == 5);
        // checkstop appears at the next scan
        s.kernel().setCheckstop(6, true);
        assertThat(s.read("/sys/devices/ap/card06/chkstop")).isEqualTo("0\n");
        s.kernel().scan();
        assertThat(s.read("/sys/devices/ap/card06/chkstop")).isEqualTo("1\n");
        assertThat(s.read("/sys/devices/ap/card06/06.0004/chkstop")).isEqualTo("1\n");
        assertErrno(() -> s.write("/sys/devices/ap/card06/online", "1"), Errno.ENODEV);
    }

    @Test
    void hostConfigurationChangesTakeEffectAtTheNextScan() throws Exception {
        SimSysfs s = SimFixtures.node().sysfs();
        s.kernel().setHostConfiguration(ApMask.of(5, 6), ApMask.of(4, 5, 9), ApMask.of(4));
        assertThat(s.exists("/sys/devices/ap/card07")).isTrue();
        s.write("/sys/bus/ap/scans", "x");
        assertThat(s.exists("/sys/devices/ap/card07")).isFalse();
        assertThat(s.exists("/sys/devices/ap/card05/05.0006")).isFalse();
        assertThat(s.exists("/sys/devices/ap/card05/05.0009")).isTrue();
        assertThat(s.read("/sys/bus/ap/ap_usage_domain_mask")).isEqualTo(ApMask.of(4, 5, 9).toSysfs());
        assertThat(s.read("/sys/bus/ap/bindings")).isEqualTo("6/6 (complete)\n");
    }

    @Test
    void driverOverrideOnlyWithAllOnesMasks() throws Exception {
        SimSysfs s = SimFixtures.node().sysfs();
        String ov = "/sys/devices/ap/card05/05.0004/driver_override";
        s.write(APMASK, "-7");
        assertErrno(() -> s.write(ov, "vfio_ap\n"), Errno.EINVAL);
        s.write(APMASK, "+7");
        s.write(ov, "vfio_ap\n");
        assertThat(s.read(ov)).isEqualTo("vfio_ap\n");
        assertErrno(() -> s.write(APMASK, "-7"), Errno.EBUSY);
        // the override decides probing regardless of the masks
        assertThat(s.readLink("/sys/devices/ap/card05/05.0004/driver")).contains("../../../../bus/ap/drivers/cex4queue");
        s.write("/sys/bus/ap/drivers/cex4queue/unbind", "05.0004");
        assertErrno(() -> s.write("/sys/bus/ap/drivers/cex4queue/bind", "05.0004"), Errno.ENODEV);
        s.write("/sys/bus/ap/drivers/vfio_ap/bind", "05.0004");
        assertThat(s.read("/sys/devices/ap/card05/05.0004/status")).isEqualTo("unassigned\n");
        s.write(ov, "\n");
        assertThat(s.read(ov)).isEqualTo("\n");
        s.write(APMASK, "-7");
    }

    @Test
    void olderLevelsLackNewerFiles() throws Exception {
        SimSysfs legacy = SimFixtures.node().level(KernelLevel.LEGACY).sysfs();
        assertThat(legacy.exists("/sys/bus/ap/features")).isFalse();
        assertThat(legacy.exists("/sys/bus/ap/bindings_complete_count")).isFalse();
        assertThat(legacy.exists("/sys/devices/ap/card05/05.0004/ap_functions")).isFalse();
        assertThat(legacy.exists("/sys/devices/ap/card05/05.0004/driver_override")).isFalse();
        assertThat(legacy.exists("/sys/devices/vfio_ap/matrix/features")).isFalse();
        assertThat(legacy.read("/sys/devices/ap/card05/depth")).isEqualTo("8\n");
        SimSysfs dyn = SimFixtures.node().level(KernelLevel.DYNAMIC).sysfs();
        assertThat(dyn.exists("/sys/bus/ap/features")).isFalse();
        SimSysfs apc = SimFixtures.node().level(KernelLevel.AP_CONFIG).sysfs();
        assertThat(apc.exists("/sys/bus/ap/features")).isTrue();
        assertThat(apc.exists("/sys/devices/vfio_ap/matrix/features")).isFalse();
        SimSysfs mf = SimFixtures.node().level(KernelLevel.MATRIX_FEATURES).sysfs();
        assertThat(mf.read("/sys/devices/vfio_ap/matrix/features")).isEqualTo("guest_matrix hotplug ap_config\n");
        SimSysfs noVfio = SimFixtures.node().vfio(false).sysfs();
        assertThat(noVfio.exists("/sys/bus/ap/drivers/vfio_ap")).isFalse();
        assertThat(noVfio.exists("/sys/devices/vfio_ap")).isFalse();
        assertThat(noVfio.exists("/sys/class/mdev_bus/matrix")).isFalse();
    }
}
