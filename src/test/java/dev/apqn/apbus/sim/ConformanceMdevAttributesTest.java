package dev.apqn.apbus.sim;

import dev.apqn.ap.Errno;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static dev.apqn.apbus.sim.ConformanceCase.ALL;
import static dev.apqn.apbus.sim.ConformanceCase.AP_CONFIG_UP;
import static dev.apqn.apbus.sim.ConformanceCase.DYNAMIC_UP;
import static dev.apqn.apbus.sim.ConformanceCase.LEGACY;
import static dev.apqn.apbus.sim.ConformanceCase.of;
import static dev.apqn.apbus.sim.ConformanceNode.MATRIX_DEV;
import static dev.apqn.apbus.sim.ConformanceNode.TYPE_DIR;
import static dev.apqn.apbus.sim.ConformanceNode.UUID1;
import static dev.apqn.apbus.sim.ConformanceNode.UUID2;
import static dev.apqn.apbus.sim.ConformanceNode.bits;
import static dev.apqn.apbus.sim.ConformanceNode.bus;
import static dev.apqn.apbus.sim.ConformanceNode.ints;
import static dev.apqn.apbus.sim.ConformanceNode.mask;
import static dev.apqn.apbus.sim.ConformanceNode.mdev;
import static dev.apqn.apbus.sim.ConformanceNode.queueName;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * ap-bus.md §1.7 (matrix device and mdev type), §1.8 (mdev attributes) and §1.9 (matrix output
 * shapes): exact read formats and errnos in the documented check order, per kernel level.
 */
class ConformanceMdevAttributesTest {

    private static final Set<KernelLevel> BELOW_AP_CONFIG = EnumSet.of(KernelLevel.LEGACY, KernelLevel.DYNAMIC);
    private static final Set<KernelLevel> MATRIX_FEATURES_UP = EnumSet.range(KernelLevel.MATRIX_FEATURES, KernelLevel.DRIVER_OVERRIDE);
    private static final Set<KernelLevel> BELOW_MATRIX_FEATURES = EnumSet.range(KernelLevel.LEGACY, KernelLevel.AP_CONFIG);

    /** Frees adapters 5, 6 (apmask) so their queues bind to vfio_ap; all levels can then assign them. */
    private static ConformanceNode withVfioAdapters(ConformanceNode n) {
        n.freeForVfio(ints(5, 6), ints());
        return n;
    }

    static List<ConformanceCase> cases() {
        return List.of(
                // ================================================================ §1.7
                of("§1.7", "matrix/features", "6.12+: guest_matrix hotplug ap_config", MATRIX_FEATURES_UP, n -> {
                    assertThat(n.read(MATRIX_DEV + "features")).isEqualTo("guest_matrix hotplug ap_config\n");
                    assertThat(n.read("/sys/bus/matrix/devices/matrix/features")).isEqualTo("guest_matrix hotplug ap_config\n");
                }),
                of("§1.7", "matrix/features", "absent before 6.12", BELOW_MATRIX_FEATURES,
                        n -> assertThat(n.exists(MATRIX_DEV + "features")).isFalse()),
                of("§1.7", "name", "VFIO AP Passthrough Device", ALL,
                        n -> assertThat(n.read(TYPE_DIR + "name")).isEqualTo("VFIO AP Passthrough Device\n")),
                of("§1.7", "device_api", "vfio-ap", ALL, n -> assertThat(n.read(TYPE_DIR + "device_api")).isEqualTo("vfio-ap\n")),
                of("§1.7", "available_instances", "65536 − number of mdevs", ALL, n -> {
                    assertThat(n.read(TYPE_DIR + "available_instances")).isEqualTo("65536\n");
                    n.createMdev(UUID1);
                    n.createMdev(UUID2);
                    assertThat(n.read(TYPE_DIR + "available_instances")).isEqualTo("65534\n");
                    n.write(mdev(UUID1, "remove"), "1\n");
                    assertThat(n.read(TYPE_DIR + "available_instances")).isEqualTo("65535\n");
                }),
                of("§1.7", "create", "36/37-char UUID; directory lower-case; EINVAL bad UUID; EEXIST case-insensitive", ALL, n -> {
                    n.write(TYPE_DIR + "create", "AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE\n");
                    assertThat(n.exists(mdev("aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"))).isTrue();
                    assertThat(n.list(MATRIX_DEV)).contains("aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee")
                            .doesNotContain("AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE");
                    n.expectErrno(Errno.EEXIST, TYPE_DIR + "create", "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee");
                    n.write(TYPE_DIR + "create", UUID1);
                    n.expectErrno(Errno.EINVAL, TYPE_DIR + "create", "11111111-2222-4333-8444-55555555555\n");
                    n.expectErrno(Errno.EINVAL, TYPE_DIR + "create", "not-a-uuid\n");
                    n.expectErrno(Errno.EINVAL, TYPE_DIR + "create", "1111111g-2222-4333-8444-555555555555\n");
                    n.expectErrno(Errno.EINVAL, TYPE_DIR + "create", UUID2 + "\n\n");
                    n.expectErrno(Errno.EACCES, TYPE_DIR + "available_instances", "1\n");
                }),
                of("§1.7", "create", "no instances left: EUSERS (6.1+ mdev core)", DYNAMIC_UP, n -> {
                    n.kernel.limitMdevInstances(1);
                    n.createMdev(UUID1);
                    n.expectErrno(Errno.EUSERS, TYPE_DIR + "create", UUID2 + "\n");
                }),
                of("§1.7", "create", "no instances left: EPERM (old vfio_ap counter)", LEGACY, n -> {
                    n.kernel.limitMdevInstances(1);
                    n.createMdev(UUID1);
                    n.expectErrno(Errno.EPERM, TYPE_DIR + "create", UUID2 + "\n");
                }),
                of("§1.7", "devices/", "links to the mdevs of the type; /sys/bus/mdev/devices too", ALL, n -> {
                    n.createMdev(UUID2);
                    n.createMdev(UUID1);
                    assertThat(n.list(TYPE_DIR + "devices")).containsExactly(UUID1, UUID2);
                    assertThat(n.list("/sys/bus/mdev/devices")).containsExactly(UUID1, UUID2);
                    assertThat(n.exists(TYPE_DIR + "devices/" + UUID1 + "/matrix")).isTrue();
                }),
                // ================================================================ §1.8 assign_adapter
                of("§1.8", "assign_adapter", "kstrtoul base 0; repeated assign is a no-op; read-protected (wo)", ALL, n -> {
                    withVfioAdapters(n).createMdev(UUID1);
                    n.write(mdev(UUID1, "assign_adapter"), "5\n");
                    n.write(mdev(UUID1, "assign_adapter"), "0x5");
                    n.write(mdev(UUID1, "assign_adapter"), "06");
                    assertThat(n.read(mdev(UUID1, "matrix"))).isEqualTo("05.\n06.\n");
                    assertThatThrownBy(() -> n.fs.read(mdev(UUID1, "assign_adapter")))
                            .isInstanceOfSatisfying(dev.apqn.apbus.SysfsException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EACCES));
                }),
                of("§1.8", "assign_adapter", "errors in check order: EINVAL, ERANGE, ENODEV above apm_max", ALL, n -> {
                    withVfioAdapters(n).createMdev(UUID1);
                    n.expectErrno(Errno.EINVAL, mdev(UUID1, "assign_adapter"), "five\n");
                    n.expectErrno(Errno.ERANGE, mdev(UUID1, "assign_adapter"), "99999999999999999999999\n");
                    n.expectErrno(Errno.ENODEV, mdev(UUID1, "assign_adapter"), (n.maxAdapter() + 1) + "\n");
                    assertThat(n.read(mdev(UUID1, "matrix"))).isEmpty();
                }),
                of("§1.8", "assign_adapter", "EADDRNOTAVAIL when an APQN of apm × aqm is host-owned", DYNAMIC_UP, n -> {
                    n.freeForVfio(ints(5), ints());
                    n.createMdev(UUID1);
                    n.assign(UUID1, "domain", 1);
                    n.assign(UUID1, "adapter", 5);
                    n.expectErrno(Errno.EADDRNOTAVAIL, mdev(UUID1, "assign_adapter"), "4\n");
                    assertThat(n.read(mdev(UUID1, "matrix"))).isEqualTo("05.0001\n");
                    // 6.0+: adapters without a device (0x20: no card) can be assigned if not host-owned
                    n.write(bus("apmask"), "-0x20\n");
                    n.assign(UUID1, "adapter", 0x20);
                    assertThat(n.read(mdev(UUID1, "matrix"))).isEqualTo("05.0001\n20.0001\n");
                }),
                of("§1.8", "assign_adapter", "EADDRINUSE when two mdevs would share adapter and domain", ALL, n -> {
                    withVfioAdapters(n);
                    n.mdevWith(UUID1, ints(5), ints(1));
                    n.createMdev(UUID2);
                    n.assign(UUID2, "domain", 1);
                    n.expectErrno(Errno.EADDRINUSE, mdev(UUID2, "assign_adapter"), "5\n");
                    n.assign(UUID2, "adapter", 6); // disjoint adapters may share the domain
                    assertThat(n.read(mdev(UUID2, "matrix"))).isEqualTo("06.0001\n");
                }),
                of("§1.8", "assign_adapter", "pre-6.0: EADDRNOTAVAIL unless the resulting queues are bound to vfio_ap", LEGACY, n -> {
                    n.freeForVfio(ints(5), ints());
                    n.createMdev(UUID1);
                    n.expectErrno(Errno.EADDRNOTAVAIL, mdev(UUID1, "assign_adapter"), "0x20\n");
                    n.assign(UUID1, "adapter", 5);
                    n.assign(UUID1, "domain", 1);
                    n.write(bus("drivers/vfio_ap/unbind"), queueName(5, 2) + "\n");
                    n.expectErrno(Errno.EADDRNOTAVAIL, mdev(UUID1, "assign_domain"), "2\n");
                }),
                of("§1.8", "assign_adapter", "pre-6.0: EBUSY while a guest is attached", LEGACY, n -> {
                    withVfioAdapters(n).mdevWith(UUID1, ints(5), ints(1));
                    n.kernel.attachGuest(UUID1, "vm1");
                    n.expectErrno(Errno.EBUSY, mdev(UUID1, "assign_adapter"), "6\n");
                    n.expectErrno(Errno.EBUSY, mdev(UUID1, "assign_domain"), "2\n");
                    n.expectErrno(Errno.EBUSY, mdev(UUID1, "assign_control_domain"), "2\n");
                    n.kernel.detachGuest("vm1");
                    n.assign(UUID1, "adapter", 6);
                }),
                of("§1.8", "assign_adapter", "6.0+: hot plug into a running guest", DYNAMIC_UP, n -> {
                    withVfioAdapters(n).mdevWith(UUID1, ints(5), ints(1));
                    n.kernel.attachGuest(UUID1, "vm1");
                    n.assign(UUID1, "adapter", 6);
                    assertThat(n.read(mdev(UUID1, "guest_matrix"))).isEqualTo("05.0001\n06.0001\n");
                    assertThat(n.read(ConformanceNode.queue(6, 1) + "/status")).isEqualTo("in use\n");
                }),
                // ---------------------------------------------------------------- unassign_adapter
                of("§1.8", "unassign_adapter", "removes; not assigned = no-op; EINVAL; ENODEV", ALL, n -> {
                    withVfioAdapters(n).mdevWith(UUID1, ints(5, 6), ints(1));
                    n.write(mdev(UUID1, "unassign_adapter"), "6\n");
                    n.write(mdev(UUID1, "unassign_adapter"), "6\n");
                    n.write(mdev(UUID1, "unassign_adapter"), "0x20\n");
                    assertThat(n.read(mdev(UUID1, "matrix"))).isEqualTo("05.0001\n");
                    n.expectErrno(Errno.EINVAL, mdev(UUID1, "unassign_adapter"), "6,7\n");
                    n.expectErrno(Errno.ENODEV, mdev(UUID1, "unassign_adapter"), (n.maxAdapter() + 1) + "\n");
                }),
                of("§1.8", "unassign_adapter", "pre-6.0: EBUSY while a guest is attached", LEGACY, n -> {
                    withVfioAdapters(n).mdevWith(UUID1, ints(5, 6), ints(1));
                    n.kernel.attachGuest(UUID1, "vm1");
                    n.expectErrno(Errno.EBUSY, mdev(UUID1, "unassign_adapter"), "6\n");
                    n.expectErrno(Errno.EBUSY, mdev(UUID1, "unassign_domain"), "1\n");
                    n.expectErrno(Errno.EBUSY, mdev(UUID1, "unassign_control_domain"), "1\n");
                }),
                of("§1.8", "unassign_adapter", "6.0+: hot unplug from a running guest, queues zeroized", DYNAMIC_UP, n -> {
                    withVfioAdapters(n).mdevWith(UUID1, ints(5, 6), ints(1));
                    n.kernel.attachGuest(UUID1, "vm1");
                    int before = n.kernel.zeroizeCount(dev.apqn.ap.Apqn.of(6, 1));
                    n.write(mdev(UUID1, "unassign_adapter"), "6\n");
                    assertThat(n.read(mdev(UUID1, "guest_matrix"))).isEqualTo("05.0001\n");
                    assertThat(n.read(ConformanceNode.queue(6, 1) + "/status")).isEqualTo("unassigned\n");
                    assertThat(n.kernel.zeroizeCount(dev.apqn.ap.Apqn.of(6, 1))).isEqualTo(before + 1);
                }),
                // ---------------------------------------------------------------- domains
                of("§1.8", "assign_domain", "octal/hex/decimal; ENODEV above aqm_max; EADDRNOTAVAIL host-owned", ALL, n -> {
                    n.freeForVfio(ints(5), ints());
                    n.createMdev(UUID1);
                    n.assign(UUID1, "adapter", 5);
                    n.write(mdev(UUID1, "assign_domain"), "01\n");
                    n.write(mdev(UUID1, "assign_domain"), "0x2\n");
                    n.write(mdev(UUID1, "assign_domain"), "3");
                    assertThat(n.read(mdev(UUID1, "matrix"))).isEqualTo("05.0001\n05.0002\n05.0003\n");
                    n.expectErrno(Errno.ENODEV, mdev(UUID1, "assign_domain"), (n.maxDomain() + 1) + "\n");
                    n.expectErrno(Errno.EINVAL, mdev(UUID1, "assign_domain"), "08\n");
                    n.write(bus("aqmask"), "-4\n");
                    n.createMdev(UUID2);
                    n.assign(UUID2, "domain", 4);
                    n.assign(UUID2, "adapter", 3);
                    n.expectErrno(Errno.EADDRNOTAVAIL, mdev(UUID2, "assign_domain"), "0\n"); // 03.0000 host-owned
                    assertThat(n.read(mdev(UUID2, "matrix"))).isEqualTo("03.0004\n");
                }),
                of("§1.8", "assign_domain", "EADDRINUSE: the domain would make two mdevs overlap", ALL, n -> {
                    withVfioAdapters(n).mdevWith(UUID1, ints(5), ints(1));
                    n.createMdev(UUID2);
                    n.assign(UUID2, "adapter", 5);
                    n.expectErrno(Errno.EADDRINUSE, mdev(UUID2, "assign_domain"), "1\n");
                    n.assign(UUID2, "domain", 2);
                    assertThat(n.read(mdev(UUID2, "matrix"))).isEqualTo("05.0002\n");
                }),
                of("§1.8", "unassign_domain", "removes; not assigned = no-op; ENODEV above aqm_max", ALL, n -> {
                    withVfioAdapters(n).mdevWith(UUID1, ints(5), ints(1, 2));
                    n.write(mdev(UUID1, "unassign_domain"), "2\n");
                    n.write(mdev(UUID1, "unassign_domain"), "2\n");
                    assertThat(n.read(mdev(UUID1, "matrix"))).isEqualTo("05.0001\n");
                    n.expectErrno(Errno.ENODEV, mdev(UUID1, "unassign_domain"), (n.maxDomain() + 1) + "\n");
                    n.expectErrno(Errno.EINVAL, mdev(UUID1, "unassign_domain"), "\n");
                }),
                // ---------------------------------------------------------------- control domains
                of("§1.8", "assign_control_domain", "no ownership or sharing check; ENODEV above adm_max", ALL, n -> {
                    n.createMdev(UUID1);
                    n.createMdev(UUID2);
                    n.write(mdev(UUID1, "assign_control_domain"), "0\n"); // host-owned everywhere: still allowed
                    n.write(mdev(UUID2, "assign_control_domain"), "0\n"); // shared: allowed
                    n.write(mdev(UUID1, "assign_control_domain"), "0xc\n");
                    assertThat(n.read(mdev(UUID1, "control_domains"))).isEqualTo("0000\n000c\n");
                    assertThat(n.read(mdev(UUID2, "control_domains"))).isEqualTo("0000\n");
                    n.expectErrno(Errno.ENODEV, mdev(UUID1, "assign_control_domain"), (n.maxDomain() + 1) + "\n");
                    n.expectErrno(Errno.EINVAL, mdev(UUID1, "assign_control_domain"), "c\n");
                    assertThat(n.read(mdev(UUID1, "matrix"))).isEmpty();
                }),
                of("§1.8", "unassign_control_domain", "removes; no-op when absent; ENODEV above adm_max", ALL, n -> {
                    n.createMdev(UUID1);
                    n.write(mdev(UUID1, "assign_control_domain"), "3\n");
                    n.write(mdev(UUID1, "assign_control_domain"), "12\n");
                    n.write(mdev(UUID1, "unassign_control_domain"), "3\n");
                    n.write(mdev(UUID1, "unassign_control_domain"), "3\n");
                    assertThat(n.read(mdev(UUID1, "control_domains"))).isEqualTo("000c\n");
                    n.expectErrno(Errno.ENODEV, mdev(UUID1, "unassign_control_domain"), (n.maxDomain() + 1) + "\n");
                }),
                of("§1.8", "control_domains", "%04lx lines ascending, empty when none; read-only", ALL, n -> {
                    n.createMdev(UUID1);
                    assertThat(n.read(mdev(UUID1, "control_domains"))).isEmpty();
                    n.write(mdev(UUID1, "assign_control_domain"), "14\n");
                    n.write(mdev(UUID1, "assign_control_domain"), "2\n");
                    assertThat(n.read(mdev(UUID1, "control_domains"))).isEqualTo("0002\n000e\n");
                    n.expectErrno(Errno.EACCES, mdev(UUID1, "control_domains"), "1\n");
                }),
                of("§1.8", "matrix", "reads per §1.9, survives queue unbind/rebind and guest restart", ALL, n -> {
                    withVfioAdapters(n).mdevWith(UUID1, ints(5), ints(1, 2));
                    n.write(bus("drivers/vfio_ap/unbind"), queueName(5, 2) + "\n");
                    assertThat(n.read(mdev(UUID1, "matrix"))).isEqualTo("05.0001\n05.0002\n");
                    n.write(bus("drivers/vfio_ap/bind"), queueName(5, 2) + "\n");
                    n.kernel.attachGuest(UUID1, "vm1");
                    n.kernel.detachGuest("vm1");
                    assertThat(n.read(mdev(UUID1, "matrix"))).isEqualTo("05.0001\n05.0002\n");
                }),
                of("§1.8", "guest_matrix", "6.0+: matrix ∩ host config minus whole adapters with an unbound queue", DYNAMIC_UP, n -> {
                    n.freeForVfio(ints(5, 6, 7), ints());
                    n.mdevWith(UUID1, ints(5, 6, 7), ints(1, 2, 7));  // adapter 7 and domain 7 not in the host config
                    assertThat(n.read(mdev(UUID1, "matrix"))).hasLineCount(9);
                    assertThat(n.read(mdev(UUID1, "guest_matrix"))).isEqualTo("05.0001\n05.0002\n06.0001\n06.0002\n");
                    n.write(bus("drivers/vfio_ap/unbind"), queueName(6, 2) + "\n");
                    assertThat(n.read(mdev(UUID1, "guest_matrix"))).isEqualTo("05.0001\n05.0002\n");
                    n.write(bus("drivers/vfio_ap/bind"), queueName(6, 2) + "\n");
                    assertThat(n.read(mdev(UUID1, "guest_matrix"))).isEqualTo("05.0001\n05.0002\n06.0001\n06.0002\n");
                    n.expectErrno(Errno.EACCES, mdev(UUID1, "guest_matrix"), "x\n");
                }),
                of("§1.8", "guest_matrix", "absent before 6.0", LEGACY, n -> {
                    n.createMdev(UUID1);
                    assertThat(n.exists(mdev(UUID1, "guest_matrix"))).isFalse();
                    assertThat(n.exists(mdev(UUID1, "ap_config"))).isFalse();
                }),
                // ---------------------------------------------------------------- ap_config
                of("§1.8", "ap_config", "6.10+: reads apm,aqm,adm as three 0x+64-hex masks + \\n", AP_CONFIG_UP, n -> {
                    n.createMdev(UUID1);
                    String zero = "0x" + "0".repeat(64);
                    assertThat(n.read(mdev(UUID1, "ap_config"))).isEqualTo(zero + "," + zero + "," + zero + "\n");
                    withVfioAdapters(n).assign(UUID1, "adapter", 5);
                    n.assign(UUID1, "domain", 1);
                    n.assign(UUID1, "control_domain", 12);
                    assertThat(n.read(mdev(UUID1, "ap_config"))).isEqualTo(
                            mask(bits(5)).strip() + "," + mask(bits(1)).strip() + "," + mask(bits(12)));
                }),
                of("§1.8", "ap_config", "write replaces all three masks atomically", AP_CONFIG_UP, n -> {
                    withVfioAdapters(n).mdevWith(UUID1, ints(5), ints(1));
                    String v = mask(bits(6)).strip() + "," + mask(bits(2, 3)).strip() + "," + mask(bits(0)).strip() + "\n";
                    n.write(mdev(UUID1, "ap_config"), v);
                    assertThat(n.read(mdev(UUID1, "ap_config"))).isEqualTo(v);
                    assertThat(n.read(mdev(UUID1, "matrix"))).isEqualTo("06.0002\n06.0003\n");
                    assertThat(n.read(mdev(UUID1, "control_domains"))).isEqualTo("0000\n");
                }),
                of("§1.8", "ap_config", "errors EINVAL / EADDRNOTAVAIL / EADDRINUSE / ENODEV (range last), full rollback", AP_CONFIG_UP, n -> {
                    withVfioAdapters(n).mdevWith(UUID1, ints(5), ints(1));
                    n.mdevWith(UUID2, ints(6), ints(1));
                    String before = n.read(mdev(UUID2, "ap_config"));
                    n.expectErrno(Errno.EINVAL, mdev(UUID2, "ap_config"), "0x02,0x40");
                    n.expectErrno(Errno.EADDRNOTAVAIL, mdev(UUID2, "ap_config"), "0x08,0x40,0x\n");    // 04.0001 host-owned
                    n.expectErrno(Errno.EADDRINUSE, mdev(UUID2, "ap_config"), "0x06,0x40,0x\n");      // 05.0001 in UUID1
                    String overMax = mask(bits(n.maxDomain() + 1)).strip();
                    n.expectErrno(Errno.ENODEV, mdev(UUID2, "ap_config"), "0x02," + overMax + ",0x\n");
                    // ownership is checked before range: host-owned 04.0001 plus an out-of-range domain
                    n.expectErrno(Errno.EADDRNOTAVAIL, mdev(UUID2, "ap_config"),
                            "0x08," + mask(bits(1, n.maxDomain() + 1)).strip() + ",0x\n");
                    assertThat(n.read(mdev(UUID2, "ap_config"))).isEqualTo(before);
                }),
                of("§1.8", "ap_config", "absent before 6.10", BELOW_AP_CONFIG, n -> {
                    n.createMdev(UUID1);
                    assertThat(n.exists(mdev(UUID1, "ap_config"))).isFalse();
                }),
                // ---------------------------------------------------------------- remove, mdev_type
                of("§1.8", "remove", "non-zero removes, 0 does nothing, EINVAL otherwise", ALL, n -> {
                    withVfioAdapters(n).mdevWith(UUID1, ints(5), ints(1));
                    n.write(mdev(UUID1, "remove"), "0\n");
                    assertThat(n.exists(mdev(UUID1))).isTrue();
                    n.expectErrno(Errno.EINVAL, mdev(UUID1, "remove"), "yes\n");
                    n.write(mdev(UUID1, "remove"), "1\n");
                    assertThat(n.exists(mdev(UUID1))).isFalse();
                    if (n.caps().queueStatus()) {
                        assertThat(n.read(ConformanceNode.queue(5, 1) + "/status")).isEqualTo("unassigned\n");
                    }
                    assertThat(n.driverOf(5, 1)).contains("vfio_ap");
                }),
                of("§1.8", "remove", "legacy (<5.13): EBUSY while a guest is attached", LEGACY, n -> {
                    withVfioAdapters(n).mdevWith(UUID1, ints(5), ints(1));
                    n.kernel.attachGuest(UUID1, "vm1");
                    n.expectErrno(Errno.EBUSY, mdev(UUID1, "remove"), "1\n");
                    assertThat(n.exists(mdev(UUID1))).isTrue();
                }),
                of("§1.8", "remove", "modern: blocks while a guest holds the device, completes on detach", DYNAMIC_UP, n -> {
                    withVfioAdapters(n).mdevWith(UUID1, ints(5), ints(1));
                    n.kernel.attachGuest(UUID1, "vm1");
                    // the model gives up after its call timeout: in memory a SysfsTimeoutException,
                    // through files the writer's write() failing with ETIMEDOUT; both carry ETIMEDOUT
                    n.model.withCallTimeout(Duration.ofMillis(50));
                    n.expectErrno(Errno.ETIMEDOUT, mdev(UUID1, "remove"), "1\n");
                    n.model.withCallTimeout(Duration.ofSeconds(10));
                    assertThat(n.exists(mdev(UUID1))).isTrue();
                    CompletableFuture<Void> f = CompletableFuture.runAsync(() -> n.write(mdev(UUID1, "remove"), "1\n"));
                    Thread.sleep(50);
                    assertThat(f).isNotDone();
                    n.kernel.detachGuest("vm1");
                    f.get(5, TimeUnit.SECONDS);
                    assertThat(n.exists(mdev(UUID1))).isFalse();
                }),
                of("§1.8", "mdev_type", "symlink to mdev_supported_types/vfio_ap-passthrough", ALL, n -> {
                    n.createMdev(UUID1);
                    assertThat(n.readLink(mdev(UUID1, "mdev_type"))).hasValueSatisfying(
                            t -> assertThat(t).endsWith("mdev_supported_types/vfio_ap-passthrough"));
                    assertThat(n.read(mdev(UUID1, "mdev_type") + "/name")).isEqualTo("VFIO AP Passthrough Device\n");
                }),
                // ================================================================ §1.9
                of("§1.9", "both non-empty", "one %02x.%04x line per APQN, APID-major", ALL, n -> {
                    withVfioAdapters(n).mdevWith(UUID1, ints(6, 5), ints(12, 1));
                    assertThat(n.read(mdev(UUID1, "matrix"))).isEqualTo("05.0001\n05.000c\n06.0001\n06.000c\n");
                }),
                of("§1.9", "adapters only", "%02x. lines", ALL, n -> {
                    withVfioAdapters(n).mdevWith(UUID1, ints(6, 5), ints());
                    assertThat(n.read(mdev(UUID1, "matrix"))).isEqualTo("05.\n06.\n");
                }),
                of("§1.9", "domains only", ".%04x lines", DYNAMIC_UP, n -> {
                    n.mdevWith(UUID1, ints(), ints(0x54, 12));
                    assertThat(n.read(mdev(UUID1, "matrix"))).isEqualTo(".000c\n.0054\n");
                    assertThat(n.read(mdev(UUID1, "guest_matrix"))).isEqualTo(".000c\n.0054\n");
                }),
                of("§1.9", "domains only", ".%04x lines (legacy: domain needs a vfio-bound queue)", LEGACY, n -> {
                    n.freeForVfio(ints(), ints(12, 1));
                    n.mdevWith(UUID1, ints(), ints(12, 1));
                    assertThat(n.read(mdev(UUID1, "matrix"))).isEqualTo(".0001\n.000c\n");
                }),
                of("§1.9", "both empty", "empty file", ALL, n -> {
                    n.createMdev(UUID1);
                    n.write(mdev(UUID1, "assign_control_domain"), "1\n");
                    assertThat(n.read(mdev(UUID1, "matrix"))).isEqualTo("");
                }));
    }

    static Stream<Arguments> rows() {
        return ConformanceCase.expand(cases());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void conforms(ConformanceCase c, KernelLevel level) throws Exception {
        c.runOn(level);
    }
}
