package dev.apqn.apbus.sim;

import dev.apqn.ap.Errno;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static dev.apqn.apbus.sim.ConformanceCase.ALL;
import static dev.apqn.apbus.sim.ConformanceCase.AP_CONFIG_UP;
import static dev.apqn.apbus.sim.ConformanceCase.DYNAMIC_UP;
import static dev.apqn.apbus.sim.ConformanceCase.LEGACY;
import static dev.apqn.apbus.sim.ConformanceCase.of;
import static dev.apqn.apbus.sim.ConformanceNode.ALL_ONES;
import static dev.apqn.apbus.sim.ConformanceNode.UUID1;
import static dev.apqn.apbus.sim.ConformanceNode.allBut;
import static dev.apqn.apbus.sim.ConformanceNode.bits;
import static dev.apqn.apbus.sim.ConformanceNode.bus;
import static dev.apqn.apbus.sim.ConformanceNode.ints;
import static dev.apqn.apbus.sim.ConformanceNode.mask;
import static dev.apqn.apbus.sim.ConformanceNode.queue;
import static dev.apqn.apbus.sim.ConformanceNode.queueName;
import static org.assertj.core.api.Assertions.assertThat;

/** ap-bus.md §1.2: every {@code /sys/bus/ap/} attribute, exact read formats and errnos, per kernel level. */
class ConformanceBusAttributesTest {

    private static final String S = "§1.2";
    private static final java.util.Set<KernelLevel> BELOW_AP_CONFIG = java.util.EnumSet.of(KernelLevel.LEGACY, KernelLevel.DYNAMIC);
    private static final java.util.Set<KernelLevel> BELOW_OVERRIDE = java.util.EnumSet.range(KernelLevel.LEGACY, KernelLevel.MATRIX_FEATURES);

    static List<ConformanceCase> cases() {
        return List.of(
                // ---------------------------------------------------------------- apmask
                of(S, "apmask", "reads all ones at boot: 0x + 64 hex + \\n", ALL, n -> {
                    assertThat(n.read(bus("apmask"))).isEqualTo(ALL_ONES);
                }),
                of(S, "apmask", "relative -5 clears bit 5 and re-probes adapter 5's queues to vfio_ap", ALL, n -> {
                    n.write(bus("apmask"), "-5\n");
                    assertThat(n.read(bus("apmask"))).isEqualTo(mask(allBut(5)));
                    assertThat(n.driverOf(5, 0)).contains("vfio_ap");
                    assertThat(n.driverOf(5, 12)).contains("vfio_ap");
                    assertThat(n.driverOf(4, 0)).contains("cex4queue");
                    assertThat(n.read(queue(5, 0) + "/request_count")).isEqualTo("-\n");
                }),
                of(S, "apmask", "syntax error is EINVAL and changes nothing", ALL, n -> {
                    n.expectErrno(Errno.EINVAL, bus("apmask"), "0X5\n");
                    assertThat(n.read(bus("apmask"))).isEqualTo(ALL_ONES);
                }),
                of(S, "apmask", "EBUSY when a newly set bit would take an assigned APQN (in-use veto)", DYNAMIC_UP, n -> {
                    n.freeForVfio(ints(5), ints());
                    n.mdevWith(UUID1, ints(5), ints(1));
                    n.expectErrno(Errno.EBUSY, bus("apmask"), "+5\n");
                    assertThat(n.read(bus("apmask"))).isEqualTo(mask(allBut(5)));
                    // clearing bits is never vetoed
                    n.write(bus("apmask"), "-6\n");
                    assertThat(n.read(bus("apmask"))).isEqualTo(mask(allBut(5, 6)));
                }),
                of(S, "apmask", "legacy (≈5.12): no in-use veto, the assigned APQN goes back to the host", LEGACY, n -> {
                    n.freeForVfio(ints(5), ints());
                    n.mdevWith(UUID1, ints(5), ints(1));
                    n.write(bus("apmask"), "+5\n");
                    assertThat(n.read(bus("apmask"))).isEqualTo(ALL_ONES);
                    assertThat(n.driverOf(5, 1)).contains("cex4queue");
                }),
                of(S, "apmask", "6.19: refused while a driver_override is set (errno unverified; mask unchanged)",
                        java.util.EnumSet.of(KernelLevel.DRIVER_OVERRIDE), n -> {
                    n.write(queue(5, 1) + "/driver_override", "vfio_ap\n");
                    assertThat(n.tryWrite(bus("apmask"), "-5\n")).isPresent();
                    assertThat(n.read(bus("apmask"))).isEqualTo(ALL_ONES);
                }),
                // ---------------------------------------------------------------- aqmask
                of(S, "aqmask", "reads all ones at boot", ALL, n -> assertThat(n.read(bus("aqmask"))).isEqualTo(ALL_ONES)),
                of(S, "aqmask", "-0x0c clears domain 12 on every adapter", ALL, n -> {
                    n.write(bus("aqmask"), "-0x0c\n");
                    assertThat(n.read(bus("aqmask"))).isEqualTo(mask(allBut(12)));
                    for (int a : ints(3, 4, 5, 6)) {
                        assertThat(n.driverOf(a, 12)).contains("vfio_ap");
                        assertThat(n.driverOf(a, 0)).contains("cex4queue");
                    }
                }),
                of(S, "aqmask", "EBUSY when a newly set domain bit would take an assigned APQN", DYNAMIC_UP, n -> {
                    n.freeForVfio(ints(), ints(1));
                    n.mdevWith(UUID1, ints(5), ints(1));
                    n.expectErrno(Errno.EBUSY, bus("aqmask"), "+1\n");
                    assertThat(n.read(bus("aqmask"))).isEqualTo(mask(allBut(1)));
                }),
                // ---------------------------------------------------------------- QCI masks
                of(S, "ap_adapter_mask", "host config apm: 0x + 64 hex + \\n; read-only", ALL, n -> {
                    assertThat(n.read(bus("ap_adapter_mask"))).isEqualTo(mask(bits(3, 4, 5, 6, 8)));
                    n.expectErrno(Errno.EACCES, bus("ap_adapter_mask"), "0x\n");
                }),
                of(S, "ap_adapter_mask", "follows a host configuration change at the next scan", ALL, n -> {
                    n.kernel.setHostConfiguration(dev.apqn.ap.ApMask.of(3, 4, 5), dev.apqn.ap.ApMask.of(0, 1, 2),
                            dev.apqn.ap.ApMask.of(0, 1, 2, 3));
                    assertThat(n.read(bus("ap_adapter_mask"))).isEqualTo(mask(bits(3, 4, 5, 6, 8)));
                    n.write(bus("scans"), "1\n");
                    assertThat(n.read(bus("ap_adapter_mask"))).isEqualTo(mask(bits(3, 4, 5)));
                    assertThat(n.read(bus("ap_usage_domain_mask"))).isEqualTo(mask(bits(0, 1, 2)));
                    assertThat(n.read(bus("ap_control_domain_mask"))).isEqualTo(mask(bits(0, 1, 2, 3)));
                    assertThat(n.exists("/sys/devices/ap/card06")).isFalse();
                    assertThat(n.exists(queue(5, 12))).isFalse();
                }),
                of(S, "ap_usage_domain_mask", "host config aqm", ALL, n -> {
                    String expected = n.level == KernelLevel.LEGACY ? mask(bits(0, 1, 2, 3, 4, 5, 12)) : mask(bits(0, 1, 2, 3, 4, 5, 12, 84));
                    assertThat(n.read(bus("ap_usage_domain_mask"))).isEqualTo(expected);
                    n.expectErrno(Errno.EACCES, bus("ap_usage_domain_mask"), "0x\n");
                }),
                of(S, "ap_control_domain_mask", "host config adm", ALL, n -> {
                    assertThat(n.read(bus("ap_control_domain_mask"))).isEqualTo(mask(bits(0, 1, 2, 3, 4, 5, 12, 14)));
                }),
                // ---------------------------------------------------------------- ap_domain
                of(S, "ap_domain", "%d\\n, a domain of aqmask after the first scan", ALL, n -> {
                    String t = n.read(bus("ap_domain"));
                    assertThat(t).matches("-?\\d+\n");
                    int d = Integer.parseInt(t.strip());
                    assertThat(d).isBetween(-1, n.maxDomain());
                }),
                of(S, "ap_domain", "accepts %i numbers of domains set in aqmask", ALL, n -> {
                    n.write(bus("ap_domain"), "3\n");
                    assertThat(n.read(bus("ap_domain"))).isEqualTo("3\n");
                    n.write(bus("ap_domain"), "0x4");
                    assertThat(n.read(bus("ap_domain"))).isEqualTo("4\n");
                    n.write(bus("ap_domain"), "010\n");
                    assertThat(n.read(bus("ap_domain"))).isEqualTo("8\n");
                }),
                of(S, "ap_domain", "EINVAL: not a number, negative, above max, or aqmask bit clear", ALL, n -> {
                    n.write(bus("ap_domain"), "3\n");
                    n.expectErrno(Errno.EINVAL, bus("ap_domain"), "abc\n");
                    n.expectErrno(Errno.EINVAL, bus("ap_domain"), "-1\n");
                    n.expectErrno(Errno.EINVAL, bus("ap_domain"), (n.maxDomain() + 1) + "\n");
                    n.write(bus("aqmask"), "-2\n");
                    n.expectErrno(Errno.EINVAL, bus("ap_domain"), "2\n");
                    assertThat(n.read(bus("ap_domain"))).isEqualTo("3\n");
                }),
                // ---------------------------------------------------------------- maxima, interrupts
                of(S, "ap_max_adapter_id", "63 without APXA, Na with APXA", ALL, n -> {
                    assertThat(n.read(bus("ap_max_adapter_id"))).isEqualTo(n.level == KernelLevel.LEGACY ? "63\n" : "255\n");
                    n.expectErrno(Errno.EACCES, bus("ap_max_adapter_id"), "1\n");
                }),
                of(S, "ap_max_domain_id", "15 without APXA, Nd with APXA", ALL, n -> {
                    assertThat(n.read(bus("ap_max_domain_id"))).isEqualTo(n.level == KernelLevel.LEGACY ? "15\n" : "84\n");
                }),
                of(S, "ap_interrupts", "1\\n or 0\\n", ALL, n -> assertThat(n.read(bus("ap_interrupts"))).matches("[01]\n")),
                // ---------------------------------------------------------------- config_time
                of(S, "config_time", "default 30, accepts 5..120, EINVAL otherwise", ALL, n -> {
                    assertThat(n.read(bus("config_time"))).isEqualTo("30\n");
                    n.write(bus("config_time"), "5\n");
                    assertThat(n.read(bus("config_time"))).isEqualTo("5\n");
                    n.write(bus("config_time"), "120");
                    assertThat(n.read(bus("config_time"))).isEqualTo("120\n");
                    n.expectErrno(Errno.EINVAL, bus("config_time"), "4\n");
                    n.expectErrno(Errno.EINVAL, bus("config_time"), "121\n");
                    n.expectErrno(Errno.EINVAL, bus("config_time"), "abc\n");
                    assertThat(n.read(bus("config_time"))).isEqualTo("120\n");
                }),
                // ---------------------------------------------------------------- poll_thread / poll_timeout
                of(S, "poll_thread", "reads 0/1; kstrtobool values accepted, others EINVAL", ALL, n -> {
                    assertThat(n.read(bus("poll_thread"))).matches("[01]\n");
                    for (String v : List.of("1\n", "y", "Y\n", "on\n", "0", "n\n", "off")) {
                        n.write(bus("poll_thread"), v);
                    }
                    n.expectErrno(Errno.EINVAL, bus("poll_thread"), "2\n");
                    n.expectErrno(Errno.EINVAL, bus("poll_thread"), "x\n");
                    assertThat(n.read(bus("poll_thread"))).isEqualTo("0\n");
                }),
                of(S, "poll_timeout", "default 250000 ns; base-0 unsigned; EINVAL above 120 s; ERANGE on overflow", ALL, n -> {
                    assertThat(n.read(bus("poll_timeout"))).isEqualTo("250000\n");
                    n.write(bus("poll_timeout"), "1000\n");
                    assertThat(n.read(bus("poll_timeout"))).isEqualTo("1000\n");
                    n.write(bus("poll_timeout"), "0x10\n");
                    assertThat(n.read(bus("poll_timeout"))).isEqualTo("16\n");
                    n.write(bus("poll_timeout"), "120000000000\n");
                    n.expectErrno(Errno.EINVAL, bus("poll_timeout"), "120000000001\n");
                    n.expectErrno(Errno.EINVAL, bus("poll_timeout"), "abc\n");
                    n.expectErrno(Errno.ERANGE, bus("poll_timeout"), "99999999999999999999999\n");
                    assertThat(n.read(bus("poll_timeout"))).isEqualTo("120000000000\n");
                }),
                // ---------------------------------------------------------------- scans / bindings
                of(S, "scans", "%llu\\n; any write forces one synchronous scan", ALL, n -> {
                    String t = n.read(bus("scans"));
                    assertThat(t).matches("\\d+\n");
                    long before = Long.parseLong(t.strip());
                    assertThat(before).isGreaterThanOrEqualTo(1);
                    n.write(bus("scans"), "anything\n");
                    assertThat(n.read(bus("scans"))).isEqualTo((before + 1) + "\n");
                }),
                of(S, "bindings", "n/m (complete) counted over queue devices only", ALL, n -> {
                    int queues = n.level == KernelLevel.LEGACY ? 4 * 7 : 4 * 8;
                    assertThat(n.read(bus("bindings"))).isEqualTo(queues + "/" + queues + " (complete)\n");
                    n.write(bus("drivers/cex4queue/unbind"), queueName(3, 0) + "\n");
                    assertThat(n.read(bus("bindings"))).isEqualTo((queues - 1) + "/" + queues + "\n");
                    n.write(bus("drivers/cex4card/unbind"), "card04\n");
                    assertThat(n.read(bus("bindings"))).isEqualTo((queues - 1) + "/" + queues + "\n");
                    n.write(bus("drivers_probe"), queueName(3, 0) + "\n");
                    assertThat(n.read(bus("bindings"))).isEqualTo(queues + "/" + queues + " (complete)\n");
                }),
                // ---------------------------------------------------------------- features
                of(S, "features", "6.4+: space separated subset of APSC APXA QACT RC8A APSB, in order", AP_CONFIG_UP, n -> {
                    String t = n.read(bus("features"));
                    assertThat(t).endsWith("\n").matches("(APSC ?)?(APXA ?)?(QACT ?)?(RC8A ?)?(APSB)?\n").doesNotEndWith(" \n");
                    assertThat(t).contains("APXA");
                    n.expectErrno(Errno.EACCES, bus("features"), "x\n");
                }),
                of(S, "features", "absent before 6.4", BELOW_AP_CONFIG, n -> assertThat(n.exists(bus("features"))).isFalse()),
                // ---------------------------------------------------------------- bindings_complete_count
                of(S, "bindings_complete_count", "6.19: counter, +1 each time bindings become complete again",
                        java.util.EnumSet.of(KernelLevel.DRIVER_OVERRIDE), n -> {
                    String t = n.read(bus("bindings_complete_count"));
                    assertThat(t).matches("\\d+\n");
                    long c = Long.parseLong(t.strip());
                    assertThat(c).isGreaterThanOrEqualTo(1);
                    n.write(bus("drivers/cex4queue/unbind"), queueName(3, 0) + "\n");
                    n.write(bus("drivers_probe"), queueName(3, 0) + "\n");
                    n.write(bus("scans"), "1\n");
                    assertThat(n.read(bus("bindings_complete_count"))).isEqualTo((c + 1) + "\n");
                }),
                of(S, "bindings_complete_count", "absent before 6.19", BELOW_OVERRIDE,
                        n -> assertThat(n.exists(bus("bindings_complete_count"))).isFalse()),
                // ---------------------------------------------------------------- drivers_probe / autoprobe
                of(S, "drivers_probe", "binds an unbound queue through the probe gate; ENODEV for no such device", ALL, n -> {
                    n.write(bus("drivers/cex4queue/unbind"), queueName(5, 1) + "\n");
                    assertThat(n.driverOf(5, 1)).isEmpty();
                    n.write(bus("drivers_probe"), queueName(5, 1) + "\n");
                    assertThat(n.driverOf(5, 1)).contains("cex4queue");
                    n.write(bus("drivers/cex4queue/unbind"), queueName(5, 2) + "\n");
                    n.expectErrno(Errno.ENODEV, bus("drivers/vfio_ap/bind"), queueName(5, 2) + "\n");
                    n.write(bus("drivers_probe"), queueName(5, 2) + "\n");
                    assertThat(n.driverOf(5, 2)).contains("cex4queue");
                    n.expectErrno(Errno.ENODEV, bus("drivers_probe"), "3f.000f\n");
                }),
                of(S, "drivers_autoprobe", "reads 1; 0 stops binding of devices a scan creates", ALL, n -> {
                    assertThat(n.read(bus("drivers_autoprobe"))).isEqualTo("1\n");
                    n.write(bus("drivers_autoprobe"), "0\n");
                    assertThat(n.read(bus("drivers_autoprobe"))).isEqualTo("0\n");
                    n.kernel.setHostConfiguration(dev.apqn.ap.ApMask.of(3, 4, 5, 6), dev.apqn.ap.ApMask.of(0, 1, 2, 3, 4, 5, 7, 12),
                            dev.apqn.ap.ApMask.of(0));
                    n.write(bus("scans"), "1\n");
                    assertThat(n.exists(queue(3, 7))).isTrue();
                    assertThat(n.driverOf(3, 7)).isEmpty();
                    assertThat(n.read(bus("bindings"))).doesNotContain("complete");
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
