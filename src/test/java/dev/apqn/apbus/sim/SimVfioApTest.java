package dev.apqn.apbus.sim;

import dev.apqn.ap.ApMask;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.Errno;
import dev.apqn.ap.Matrix;
import dev.apqn.apbus.SysfsTimeoutException;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static dev.apqn.apbus.sim.SimBusTest.assertErrno;
import static dev.apqn.apbus.sim.SimFixtures.CREATE;
import static dev.apqn.apbus.sim.SimFixtures.UUID_A;
import static dev.apqn.apbus.sim.SimFixtures.UUID_B;
import static dev.apqn.apbus.sim.SimFixtures.mdevPath;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SimVfioApTest {

    private static final String A = mdevPath(UUID_A);
    private static final String B = mdevPath(UUID_B);

    /** Adapters 5 and 6 off the host; vfio_ap has 05.*, 06.*. */
    private static SimSysfs vfioNode(KernelLevel level) throws Exception {
        SimSysfs s = SimFixtures.node().level(level).sysfs();
        s.write("/sys/bus/ap/apmask", "-5,-6\n");
        return s;
    }

    @Test
    void createValidatesUuidAndCountsInstances() throws Exception {
        SimSysfs s = vfioNode(KernelLevel.DRIVER_OVERRIDE);
        String type = "/sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/";
        assertThat(s.read(type + "available_instances")).isEqualTo("65536\n");
        assertThat(s.read(type + "name")).isEqualTo("VFIO AP Passthrough Device\n");
        assertThat(s.read(type + "device_api")).isEqualTo("vfio-ap\n");
        s.write(CREATE, UUID_A.toUpperCase() + "\n");
        assertThat(s.exists(A)).isTrue();
        assertThat(s.read(type + "available_instances")).isEqualTo("65535\n");
        assertErrno(() -> s.write(CREATE, UUID_A), Errno.EEXIST);
        assertErrno(() -> s.write(CREATE, UUID_A.substring(1)), Errno.EINVAL);
        assertErrno(() -> s.write(CREATE, "g" + UUID_A.substring(1)), Errno.EINVAL);
        assertThat(s.list(type + "devices")).containsExactly(UUID_A);
        assertThat(s.readLink("/sys/bus/mdev/devices/" + UUID_A)).contains("../../../devices/vfio_ap/matrix/" + UUID_A);
        assertThat(s.read("/sys/class/mdev_bus/matrix/" + UUID_A + "/matrix")).isEmpty();
        assertThat(s.readLink(A + "/mdev_type")).contains("../mdev_supported_types/vfio_ap-passthrough");
        s.kernel().limitMdevInstances(1);
        assertErrno(() -> s.write(CREATE, UUID_B), Errno.EUSERS);
        s.write(A + "/remove", "0\n");
        assertThat(s.exists(A)).isTrue();
        assertErrno(() -> s.write(A + "/remove", "yes"), Errno.EINVAL);
        s.write(A + "/remove", "1\n");
        assertThat(s.exists(A)).isFalse();
    }

    @Test
    void matrixLineShapes() throws Exception {
        SimSysfs s = vfioNode(KernelLevel.DRIVER_OVERRIDE);
        s.write(CREATE, UUID_A);
        s.write(A + "/assign_adapter", "5\n");
        s.write(A + "/assign_adapter", "0x6");
        assertThat(s.read(A + "/matrix")).isEqualTo("05.\n06.\n");
        s.write(A + "/unassign_adapter", "5");
        s.write(A + "/unassign_adapter", "6");
        s.write(A + "/assign_domain", "04");
        s.write(A + "/assign_domain", "010"); // octal 8
        assertThat(s.read(A + "/matrix")).isEqualTo(".0004\n.0008\n");
        s.write(A + "/unassign_domain", "8");
        s.write(A + "/assign_adapter", "5");
        s.write(A + "/assign_adapter", "6");
        s.write(A + "/assign_domain", "5");
        assertThat(s.read(A + "/matrix")).isEqualTo("05.0004\n05.0005\n06.0004\n06.0005\n");
        s.write(A + "/assign_control_domain", "0xab");
        s.write(A + "/assign_control_domain", "4");
        assertThat(s.read(A + "/control_domains")).isEqualTo("0004\n00ab\n");
        assertThat(s.read(A + "/ap_config")).isEqualTo(new Matrix(ApMask.of(5, 6), ApMask.of(4, 5), ApMask.of(4, 0xab)).toApConfigText());
        // idempotent
        s.write(A + "/assign_adapter", "5");
        s.write(A + "/unassign_adapter", "9");
        assertThat(s.read(A + "/matrix")).isEqualTo("05.0004\n05.0005\n06.0004\n06.0005\n");
        assertErrno(() -> s.write(A + "/assign_adapter", "256"), Errno.ENODEV);
        assertErrno(() -> s.write(A + "/assign_adapter", "5 "), Errno.EINVAL);
        assertErrno(() -> s.write(A + "/assign_adapter", "99999999999999999999999"), Errno.ERANGE);
        assertErrno(() -> s.read(A + "/assign_adapter"), Errno.EACCES);
    }

    @Test
    void assignmentChecksInKernelOrder() throws Exception {
        SimSysfs s = vfioNode(KernelLevel.DRIVER_OVERRIDE);
        s.write(CREATE, UUID_A);
        s.write(CREATE, UUID_B);
        // host-owned: adapter 7 is default-owned for every domain
        s.write(A + "/assign_adapter", "7"); // empty aqm: empty cross product, accepted
        assertErrno(() -> s.write(A + "/assign_domain", "4"), Errno.EADDRNOTAVAIL);
        s.write(A + "/unassign_adapter", "7");
        s.write(A + "/assign_adapter", "5");
        s.write(A + "/assign_domain", "4");
        s.write(B + "/assign_domain", "4");
        assertErrno(() -> s.write(B + "/assign_adapter", "5"), Errno.EADDRINUSE);
        assertThat(s.read(B + "/matrix")).isEqualTo(".0004\n");
        // sharing an adapter with disjoint domains is fine
        s.write(B + "/unassign_domain", "4");
        s.write(B + "/assign_domain", "5");
        s.write(B + "/assign_adapter", "5");
        assertThat(s.read(B + "/matrix")).isEqualTo("05.0005\n");
        // control domains are shared freely and may be host-owned
        s.write(A + "/assign_control_domain", "7");
        s.write(B + "/assign_control_domain", "7");
        // since 6.0 assignment does not need existing or bound queues
        s.write(A + "/assign_domain", "200");
        assertThat(s.read(A + "/matrix")).isEqualTo("05.0004\n05.00c8\n");
    }

    @Test
    void maskVetoProtectsAssignedApqns() throws Exception {
        SimSysfs s = vfioNode(KernelLevel.DRIVER_OVERRIDE);
        s.write(CREATE, UUID_A);
        s.write(A + "/assign_adapter", "5");
        s.write(A + "/assign_domain", "4");
        assertErrno(() -> s.write("/sys/bus/ap/apmask", "+5"), Errno.EBUSY);
        assertErrno(() -> s.write("/sys/bus/ap/apmask", "0xffff"), Errno.EBUSY);
        assertThat(s.read("/sys/bus/ap/apmask")).isEqualTo(ApMask.all().without(5).without(6).toSysfs());
        s.write("/sys/bus/ap/apmask", "+6"); // not assigned: allowed
        s.write("/sys/bus/ap/aqmask", "-4"); // clearing is never vetoed
        s.write(A + "/unassign_domain", "4");
        s.write("/sys/bus/ap/apmask", "+5");
    }

    @Test
    void guestMatrixFiltersWholeAdapters() throws Exception {
        SimSysfs s = vfioNode(KernelLevel.DRIVER_OVERRIDE);
        SimKernel k = s.kernel();
        s.write(CREATE, UUID_A);
        s.write(A + "/assign_adapter", "5");
        s.write(A + "/assign_adapter", "6");
        s.write(A + "/assign_domain", "4");
        s.write(A + "/assign_domain", "5");
        s.write(A + "/assign_control_domain", "9"); // not a host control domain
        s.write(A + "/assign_control_domain", "4");
        assertThat(s.read(A + "/guest_matrix")).isEqualTo("05.0004\n05.0005\n06.0004\n06.0005\n");
        assertThat(k.mdevShadow(UUID_A).orElseThrow().controlDomains()).isEqualTo(ApMask.of(4));
        k.attachGuest(UUID_A, "vm1");
        assertThat(s.read("/sys/devices/ap/card05/05.0004/status")).isEqualTo("in use\n");
        assertThat(s.read("/sys/devices/ap/card05/05.0006/status")).isEqualTo("unassigned\n");
        // unbinding one queue unplugs its whole adapter, zeroizing the adapter's guest queues
        s.write("/sys/bus/ap/drivers/vfio_ap/unbind", "06.0005");
        assertThat(s.read(A + "/guest_matrix")).isEqualTo("05.0004\n05.0005\n");
        assertThat(s.read(A + "/matrix")).isEqualTo("05.0004\n05.0005\n06.0004\n06.0005\n");
        assertThat(k.guestView("vm1")).contains(new Matrix(ApMask.of(5), ApMask.of(4, 5), ApMask.of(4)));
        assertThat(s.read("/sys/devices/ap/card06/06.0004/status")).isEqualTo("assigned\n");
        assertThat(k.zeroizeLog()).contains(new ZeroizeEvent(Apqn.of(6, 5), ZeroizeEvent.Reason.LEFT_DRIVER),
                new ZeroizeEvent(Apqn.of(6, 4), ZeroizeEvent.Reason.FILTERED_OUT));
        // rebinding brings the adapter back (hot plug)
        s.write("/sys/bus/ap/drivers_probe", "06.0005");
        assertThat(s.read(A + "/guest_matrix")).isEqualTo("05.0004\n05.0005\n06.0004\n06.0005\n");
        // a domain outside the host configuration stays in matrix but not in guest_matrix
        s.write(A + "/assign_domain", "7");
        assertThat(s.read(A + "/guest_matrix")).isEqualTo("05.0004\n05.0005\n06.0004\n06.0005\n");
        k.setHostConfiguration(ApMask.of(5, 6, 7), ApMask.of(4, 5, 6, 7), ApMask.of(4));
        k.scan();
        assertThat(s.read(A + "/guest_matrix")).isEqualTo("05.0004\n05.0005\n05.0007\n06.0004\n06.0005\n06.0007\n");
        // unassign removes from the running guest and zeroizes
        int before = k.zeroizeCount(Apqn.of(6, 7));
        s.write(A + "/unassign_adapter", "6");
        assertThat(k.zeroizeCount(Apqn.of(6, 7))).isEqualTo(before + 1);
        assertThat(k.zeroizeLog()).contains(new ZeroizeEvent(Apqn.of(6, 7), ZeroizeEvent.Reason.UNASSIGNED));
    }

    @Test
    void guestLifecycleZeroizesAndOneMdevPerGuest() throws Exception {
        SimSysfs s = vfioNode(KernelLevel.DRIVER_OVERRIDE);
        SimKernel k = s.kernel();
        s.write(CREATE, UUID_A);
        s.write(CREATE, UUID_B);
        s.write(A + "/assign_adapter", "5");
        s.write(A + "/assign_domain", "4");
        k.attachGuest(UUID_A, "vm1");
        assertThatThrownBy(() -> k.attachGuest(UUID_B, "vm1"))
                .isInstanceOfSatisfying(SimKernelException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EPERM));
        assertThatThrownBy(() -> k.attachGuest(UUID_A, "vm2"))
                .isInstanceOfSatisfying(SimKernelException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EBUSY));
        int z = k.zeroizeCount(Apqn.of(5, 4));
        k.resetGuestDevice("vm1");
        assertThat(k.zeroizeCount(Apqn.of(5, 4))).isEqualTo(z + 1);
        k.detachGuest("vm1");
        assertThat(k.zeroizeCount(Apqn.of(5, 4))).isEqualTo(z + 2);
        assertThat(k.guestView("vm1")).isEmpty();
        assertThat(s.read(A + "/matrix")).isEqualTo("05.0004\n"); // assignments survive
        s.write(A + "/remove", "1");
        assertThat(k.zeroizeCount(Apqn.of(5, 4))).isEqualTo(z + 3);
        assertThat(s.read("/sys/devices/ap/card05/05.0004/status")).isEqualTo("unassigned\n");
    }

    @Test
    void modernRemoveBlocksUntilTheGuestDetaches() throws Exception {
        SimSysfs s = vfioNode(KernelLevel.DRIVER_OVERRIDE).withCallTimeout(Duration.ofMillis(100));
        SimKernel k = s.kernel();
        s.write(CREATE, UUID_A);
        k.attachGuest(UUID_A, "vm1");
        assertThatThrownBy(() -> s.write(A + "/remove", "1\n")).isInstanceOf(SysfsTimeoutException.class);
        assertThat(s.exists(A)).isTrue();
        assertThatThrownBy(() -> s.write(A + "/remove", "1\n")).isInstanceOf(SysfsTimeoutException.class);
        k.detachGuest("vm1"); // the blocked removes land now
        assertThat(s.exists(A)).isFalse();
        // a re-created mdev of the same UUID has no removal pending
        s.write(CREATE, UUID_A);
        k.attachGuest(UUID_A, "vm1");
        k.detachGuest("vm1");
        assertThat(s.exists(A)).isTrue();
        s.write(A + "/remove", "1");
        // a release-request listener that makes QEMU let go: the call returns normally
        s.write(CREATE, UUID_A);
        k.attachGuest(UUID_A, "vm1");
        k.setReleaseRequestListener(e -> new Thread(() -> k.detachGuest(e.guest())).start());
        s.withCallTimeout(Duration.ofSeconds(5)).write(A + "/remove", "1");
        assertThat(s.exists(A)).isFalse();
    }

    @Test
    void apConfigIsAtomicWithRollback() throws Exception {
        SimSysfs s = vfioNode(KernelLevel.AP_CONFIG);
        s.write(CREATE, UUID_A);
        s.write(CREATE, UUID_B);
        s.write(B + "/assign_adapter", "6");
        s.write(B + "/assign_domain", "6");
        Matrix good = new Matrix(ApMask.of(5), ApMask.of(4, 5), ApMask.of(4));
        s.write(A + "/ap_config", good.toApConfigText());
        assertThat(s.read(A + "/ap_config")).isEqualTo(good.toApConfigText());
        assertThat(s.read(A + "/matrix")).isEqualTo("05.0004\n05.0005\n");
        String before = s.read(A + "/ap_config");
        // host-owned adapter 7
        assertErrno(() -> s.write(A + "/ap_config", new Matrix(ApMask.of(5, 7), ApMask.of(4), ApMask.none()).toApConfigText()),
                Errno.EADDRNOTAVAIL);
        // shares 06.0006 with B
        assertErrno(() -> s.write(A + "/ap_config", new Matrix(ApMask.of(6), ApMask.of(6), ApMask.none()).toApConfigText()),
                Errno.EADDRINUSE);
        // both a range error and an ownership error: ownership first
        assertErrno(() -> s.write(A + "/ap_config", new Matrix(ApMask.of(7), ApMask.of(4), ApMask.none()).toApConfigText()
                .replace(",0x" + "0".repeat(64), ",0x" + "0".repeat(63) + "1")), Errno.EADDRNOTAVAIL);
        assertErrno(() -> s.write(A + "/ap_config", "0x04,0x08"), Errno.EINVAL); // strsep finds no third field
        assertErrno(() -> s.write(A + "/ap_config", "0x04,0X08,0x0\n"), Errno.EINVAL);
        assertErrno(() -> s.write(A + "/ap_config", "+5,0x08,0x0\n"), Errno.EINVAL);
        assertThat(s.read(A + "/ap_config")).isEqualTo(before);
        // range is ENODEV on a node without APXA
        SimFixtures.Builder small = SimFixtures.node().level(KernelLevel.AP_CONFIG);
        small.maxA = 63;
        small.maxD = 15;
        SimSysfs t = new SimSysfs(small.boot());
        t.write("/sys/bus/ap/apmask", "-5,-64"); // masks are 256 bits even without APXA
        t.write(CREATE, UUID_A);
        assertErrno(() -> t.write(A + "/ap_config", new Matrix(ApMask.of(5, 64), ApMask.of(4), ApMask.none()).toApConfigText()),
                Errno.ENODEV);
        assertErrno(() -> t.write(A + "/assign_domain", "16"), Errno.ENODEV);
        assertThat(t.read(A + "/ap_config")).isEqualTo(Matrix.EMPTY.toApConfigText());
        // short fields and an empty field are accepted; "a,b\n" has an empty third field (strsep)
        t.write(A + "/ap_config", "0x04,x08,\n");
        assertThat(t.read(A + "/matrix")).isEqualTo("05.0004\n");
        t.write(A + "/ap_config", "0x04,0x0c\n");
        assertThat(t.read(A + "/matrix")).isEqualTo("05.0004\n05.0005\n");
    }

    @Test
    void legacyKernelNeedsBoundQueuesAndRefusesChangesWhileAGuestRuns() throws Exception {
        SimSysfs s = SimFixtures.node().level(KernelLevel.LEGACY).sysfs();
        SimKernel k = s.kernel();
        assertThat(s.exists("/sys/devices/ap/card05/05.0004/status")).isFalse();
        s.write(CREATE, UUID_A);
        assertThat(s.exists(A + "/guest_matrix")).isFalse();
        assertThat(s.exists(A + "/ap_config")).isFalse();
        assertErrno(() -> s.write(A + "/assign_adapter", "5"), Errno.EADDRNOTAVAIL);
        s.write("/sys/bus/ap/apmask", "-5");
        s.write(A + "/assign_adapter", "5");
        assertErrno(() -> s.write(A + "/assign_domain", "9"), Errno.EADDRNOTAVAIL); // no queue 05.0009
        s.write(A + "/assign_domain", "4");
        k.attachGuest(UUID_A, "vm1");
        assertThat(k.guestView("vm1")).contains(Matrix.of(ApMask.of(5), ApMask.of(4)));
        assertErrno(() -> s.write(A + "/assign_domain", "5"), Errno.EBUSY);
        assertErrno(() -> s.write(A + "/unassign_domain", "4"), Errno.EBUSY);
        assertErrno(() -> s.write(A + "/assign_control_domain", "4"), Errno.EBUSY);
        assertErrno(() -> s.write(A + "/remove", "1"), Errno.EBUSY);
        // no in-use veto on the pinned legacy level: the mask write succeeds
        s.write("/sys/bus/ap/apmask", "+5");
        assertThat(s.readLink("/sys/devices/ap/card05/05.0004/driver")).contains("../../../../bus/ap/drivers/cex4queue");
        assertThat(k.guestView("vm1")).contains(Matrix.of(ApMask.of(5), ApMask.of(4))); // no hot unplug
        k.detachGuest("vm1");
        s.write(A + "/remove", "1");
        k.limitMdevInstances(0);
        assertErrno(() -> s.write(CREATE, UUID_B), Errno.EPERM);
    }
}
