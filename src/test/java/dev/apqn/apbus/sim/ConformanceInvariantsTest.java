package dev.apqn.apbus.sim;

import dev.apqn.ap.ApMask;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.Errno;
import dev.apqn.apbus.sim.ZcryptRequest.Kind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static dev.apqn.apbus.sim.ConformanceCase.ALL;
import static dev.apqn.apbus.sim.ConformanceCase.AP_CONFIG_UP;
import static dev.apqn.apbus.sim.ConformanceCase.DYNAMIC_UP;
import static dev.apqn.apbus.sim.ConformanceCase.of;
import static dev.apqn.apbus.sim.ConformanceNode.ALL_ONES;
import static dev.apqn.apbus.sim.ConformanceNode.TYPE_DIR;
import static dev.apqn.apbus.sim.ConformanceNode.UUID1;
import static dev.apqn.apbus.sim.ConformanceNode.UUID2;
import static dev.apqn.apbus.sim.ConformanceNode.bus;
import static dev.apqn.apbus.sim.ConformanceNode.card;
import static dev.apqn.apbus.sim.ConformanceNode.ints;
import static dev.apqn.apbus.sim.ConformanceNode.mdev;
import static dev.apqn.apbus.sim.ConformanceNode.queue;
import static dev.apqn.apbus.sim.ConformanceNode.queueName;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * ap-bus.md §10: the 20 invariants, each driven into its interesting corner by a scenario and
 * then checked through sysfs reads ({@link InvariantChecker}) plus the scenario's own assertions.
 * Zeroize and request fate are not visible in sysfs; for those (invariants 7 and 15) the test
 * observes the kernel's zeroize log and the zcrypt traffic model's no-loss check.
 */
class ConformanceInvariantsTest {

    private static final String S = "§10";

    private static void holds(ConformanceNode n, Map<String, String> attached) {
        List<String> v = new InvariantChecker(n.fs, n.kernel.profile(), n.caps()).check(attached);
        assertThat(v).as("§10 invariants on " + n.level).isEmpty();
        assertThat(n.kernel.traffic().checkNoRequestLost()).as("no request lost").isEmpty();
    }

    private static void holds(ConformanceNode n) {
        holds(n, Map.of());
    }

    static List<ConformanceCase> cases() {
        List<ConformanceCase> out = new ArrayList<>();
        out.add(of(S, "1 mask shape", "masks read 0x + 64 lower-case hex + \\n after any write form", ALL, n -> {
            for (String v : List.of("0xABCDEF\n", "+0-255", "-0-255", "x1", "-1,-3,-5")) {
                n.write(bus("apmask"), v);
                assertThat(n.read(bus("apmask"))).matches("0x[0-9a-f]{64}\n");
                holds(n);
            }
        }));
        out.add(of(S, "2 ownership", "default-owned(a,q) ⇔ apmask[a] ∧ aqmask[q]", ALL, n -> {
            n.write(bus("apmask"), "-5");
            n.write(bus("aqmask"), "-1");
            assertThat(n.driverOf(4, 2)).contains("cex4queue");
            assertThat(n.driverOf(5, 2)).contains("vfio_ap");
            assertThat(n.driverOf(4, 1)).contains("vfio_ap");
            assertThat(n.driverOf(5, 1)).contains("vfio_ap");
            holds(n);
        }));
        out.add(of(S, "2 ownership", "6.19: an override decides, and overrides exclude non-default masks",
                java.util.EnumSet.of(KernelLevel.DRIVER_OVERRIDE), n -> {
            n.write(queue(4, 2) + "/driver_override", "vfio_ap\n");
            assertThat(n.read(queue(4, 2) + "/driver_override")).isEqualTo("vfio_ap\n");
            assertThat(n.read(queue(4, 3) + "/driver_override")).isEqualTo("\n");
            n.write(bus("drivers/cex4queue/unbind"), queueName(4, 2));
            n.write(bus("drivers_probe"), queueName(4, 2));
            assertThat(n.driverOf(4, 2)).contains("vfio_ap");
            n.expectErrno(Errno.EBUSY, bus("drivers/cex4queue/bind"), queueName(4, 2)); // already bound (§11.3 choice)
            n.write(bus("drivers/vfio_ap/unbind"), queueName(4, 2));
            n.expectErrno(Errno.ENODEV, bus("drivers/cex4queue/bind"), queueName(4, 2)); // override says vfio_ap
            n.write(bus("drivers/vfio_ap/bind"), queueName(4, 2));
            holds(n);
            n.write(queue(4, 2) + "/driver_override", "\n");
            n.write(bus("apmask"), "-6");
            n.expectErrno(Errno.EINVAL, queue(4, 3) + "/driver_override", "vfio_ap\n");
            holds(n);
        }));
        out.add(of(S, "3 binding gate", "ENODEV binding a host-owned queue to vfio_ap (and vice versa); unbind always works", ALL, n -> {
            n.write(bus("drivers/cex4queue/unbind"), queueName(3, 1) + "\n");
            n.expectErrno(Errno.ENODEV, bus("drivers/vfio_ap/bind"), queueName(3, 1) + "\n");
            assertThat(n.driverOf(3, 1)).isEmpty();
            n.write(bus("apmask"), "-5");
            n.write(bus("drivers/vfio_ap/unbind"), queueName(5, 1) + "\n");
            n.expectErrno(Errno.ENODEV, bus("drivers/cex4queue/bind"), queueName(5, 1) + "\n");
            n.write(bus("drivers/vfio_ap/bind"), queueName(5, 1) + "\n");
            n.expectErrno(Errno.ENODEV, bus("drivers/vfio_ap/unbind"), queueName(3, 2) + "\n");
            n.expectErrno(Errno.ENODEV, bus("drivers/vfio_ap/bind"), "card05\n");
            assertThat(n.readLink(card(5) + "/driver")).hasValueSatisfying(t -> assertThat(t).endsWith("/cex4card"));
            holds(n);
        }));
        out.add(of(S, "4 mask writes atomic and synchronous", "all re-binds done when write() returns; errors change nothing", ALL, n -> {
            n.write(bus("apmask"), "-3-6");
            for (int a : ints(3, 4, 5, 6)) {
                for (int d : ints(0, 1, 2, 3, 4, 5, 12)) {
                    assertThat(n.driverOf(a, d)).contains("vfio_ap");
                }
            }
            holds(n);
            n.write(bus("apmask"), "+4");
            assertThat(n.driverOf(4, 12)).contains("cex4queue");
            n.expectErrno(Errno.EINVAL, bus("apmask"), "+5,+6,bogus");
            assertThat(n.driverOf(5, 12)).contains("vfio_ap");
            holds(n);
        }));
        out.add(of(S, "5 mask veto", "EBUSY setting a bit of an assigned APQN, bound or not, guest or not; clearing never vetoed", DYNAMIC_UP, n -> {
            n.freeForVfio(ints(5), ints());
            n.write(bus("apmask"), "-0x20");
            n.mdevWith(UUID1, ints(5, 0x20), ints(1));  // 20.0001 has no device at all
            n.expectErrno(Errno.EBUSY, bus("apmask"), "+0x20");
            n.expectErrno(Errno.EBUSY, bus("apmask"), "0x" + "f".repeat(64));
            n.write(bus("apmask"), "+7");                // 7 is not assigned: fine
            n.write(bus("aqmask"), "-0-3");
            holds(n);
        }));
        out.add(of(S, "6 device existence", "devices = installed ∩ host config; changes only at a scan", ALL, n -> {
            assertThat(n.list("/sys/devices/ap")).contains("card03", "card04", "card05", "card06").doesNotContain("card01", "card08");
            n.kernel.setHostConfiguration(ApMask.of(1, 3, 4, 5), ApMask.of(0, 1, 2, 12), ApMask.of(0));
            assertThat(n.exists(card(6))).isTrue();
            holds(n);
            n.write(bus("scans"), "1");
            assertThat(n.list("/sys/devices/ap")).contains("card01", "card03").doesNotContain("card06");
            assertThat(n.exists(queue(3, 5))).isFalse();
            assertThat(n.exists(queue(1, 2))).isTrue();
            holds(n);
        }));
        out.add(of(S, "7 leaving a driver = flush + zeroize", "requests retried elsewhere or EIO; counters read - afterwards", ALL, n -> {
            ZcryptTraffic t = n.kernel.traffic();
            for (int i = 0; i < 40; i++) {
                t.submit(i % 5 == 0 ? Kind.ADMIN : Kind.NORMAL);
            }
            t.sendAll();
            int before = n.kernel.zeroizeCount(Apqn.of(3, 0));
            n.write(bus("apmask"), "-3");
            assertThat(n.kernel.zeroizeCount(Apqn.of(3, 0))).isEqualTo(before + 1);
            assertThat(n.read(queue(3, 0) + "/request_count")).isEqualTo("-\n");
            assertThat(n.read(queue(3, 0) + "/pendingq_count")).isEqualTo("0\n");
            assertThat(t.outstanding().keySet()).noneMatch(a -> a.adapter() == 3);
            holds(n);
            t.drain();
            assertThat(t.stats().completed() + t.stats().failedEioAdmin() + t.stats().failedEioExhausted() + t.stats().failedEnodev())
                    .isEqualTo(t.stats().submitted());
        }));
        out.add(of(S, "8 exclusive assignment", "EADDRINUSE for two mdevs sharing adapter and domain; control domains may be shared", ALL, n -> {
            n.freeForVfio(ints(5, 6), ints());
            n.mdevWith(UUID1, ints(5), ints(1, 2));
            n.createMdev(UUID2);
            n.assign(UUID2, "adapter", 5);
            n.expectErrno(Errno.EADDRINUSE, mdev(UUID2, "assign_domain"), "2\n");
            n.assign(UUID2, "domain", 3);
            n.assign(UUID1, "control_domain", 3);
            n.assign(UUID2, "control_domain", 3);
            holds(n);
        }));
        out.add(of(S, "9 no host-owned assignment", "EADDRNOTAVAIL; the veto keeps it true afterwards", ALL, n -> {
            n.freeForVfio(ints(5), ints());
            n.mdevWith(UUID1, ints(5), ints(1));
            n.expectErrno(Errno.EADDRNOTAVAIL, mdev(UUID1, "assign_adapter"), "3\n");
            if (n.caps().maskInUseVeto()) {
                n.expectErrno(Errno.EBUSY, bus("apmask"), "+5\n");
            }
            holds(n);
        }));
        out.add(of(S, "10 range", "ENODEV above apm_max/aqm_max/adm_max on every assign file", ALL, n -> {
            n.createMdev(UUID1);
            n.expectErrno(Errno.ENODEV, mdev(UUID1, "assign_adapter"), (n.maxAdapter() + 1) + "");
            n.expectErrno(Errno.ENODEV, mdev(UUID1, "assign_domain"), (n.maxDomain() + 1) + "");
            n.expectErrno(Errno.ENODEV, mdev(UUID1, "assign_control_domain"), (n.maxDomain() + 1) + "");
            n.write(mdev(UUID1, "assign_control_domain"), n.maxDomain() + "");
            holds(n);
        }));
        out.add(of(S, "11 idempotence", "repeating assign/unassign succeeds without side effects", ALL, n -> {
            n.freeForVfio(ints(5), ints());
            n.mdevWith(UUID1, ints(5), ints(1));
            String m = n.read(mdev(UUID1, "matrix"));
            for (int i = 0; i < 3; i++) {
                n.assign(UUID1, "adapter", 5);
                n.assign(UUID1, "domain", 1);
                n.write(mdev(UUID1, "unassign_domain"), "9");
            }
            assertThat(n.read(mdev(UUID1, "matrix"))).isEqualTo(m);
            holds(n);
        }));
        out.add(of(S, "12 shadow APCB", "guest_matrix ⊆ matrix ∩ host config, whole adapters of bound queues", DYNAMIC_UP, n -> {
            n.freeForVfio(ints(5, 6, 8), ints());
            n.mdevWith(UUID1, ints(5, 6, 8), ints(1, 7));   // adapter 8 has no card, domain 7 not configured
            assertThat(n.read(mdev(UUID1, "guest_matrix"))).isEqualTo("05.0001\n06.0001\n");
            n.kernel.setHostConfiguration(ApMask.of(3, 4, 5, 6, 8), ApMask.of(0, 1, 2, 3, 4, 5, 7, 12), ApMask.of(0, 1));
            n.write(bus("scans"), "1");
            assertThat(n.read(mdev(UUID1, "guest_matrix"))).isEqualTo("05.0001\n05.0007\n06.0001\n06.0007\n");
            holds(n);
        }));
        out.add(of(S, "13 adapter granularity of unplug", "losing one queue unplugs the whole adapter from the guest", DYNAMIC_UP, n -> {
            n.freeForVfio(ints(5, 6), ints());
            n.mdevWith(UUID1, ints(5, 6), ints(1, 2));
            n.kernel.attachGuest(UUID1, "vm1");
            int z = n.kernel.zeroizeCount(Apqn.of(6, 1));
            n.write(bus("drivers/vfio_ap/unbind"), queueName(6, 2));
            assertThat(n.read(mdev(UUID1, "guest_matrix"))).isEqualTo("05.0001\n05.0002\n");
            assertThat(n.read(queue(6, 1) + "/status")).isEqualTo("assigned\n");
            assertThat(n.kernel.zeroizeCount(Apqn.of(6, 1))).isGreaterThan(z);
            holds(n, Map.of(UUID1, "vm1"));
            n.write(bus("drivers/vfio_ap/bind"), queueName(6, 2));
            assertThat(n.read(queue(6, 1) + "/status")).isEqualTo("in use\n");
            holds(n, Map.of(UUID1, "vm1"));
        }));
        out.add(of(S, "14 one mdev per guest", "a second mdev for the same guest is EPERM; assignments survive restart", ALL, n -> {
            n.freeForVfio(ints(5, 6), ints());
            n.mdevWith(UUID1, ints(5), ints(1));
            n.mdevWith(UUID2, ints(6), ints(1));
            n.kernel.attachGuest(UUID1, "vm1");
            try {
                n.kernel.attachGuest(UUID2, "vm1");
                throw new AssertionError("second mdev for vm1 was accepted");
            } catch (SimKernelException e) {
                assertThat(e.errno()).isEqualTo(Errno.EPERM);
            }
            n.kernel.detachGuest("vm1");
            n.kernel.attachGuest(UUID1, "vm1");
            assertThat(n.read(mdev(UUID1, "matrix"))).isEqualTo("05.0001\n");
            holds(n, Map.of(UUID1, "vm1"));
        }));
        out.add(of(S, "15 zeroize points", "detach, VFIO reset, remove, unassign from a guest, queue leaving vfio_ap", DYNAMIC_UP, n -> {
            n.freeForVfio(ints(5, 6), ints());
            n.mdevWith(UUID1, ints(5, 6), ints(1));
            Apqn q = Apqn.of(5, 1);
            n.kernel.attachGuest(UUID1, "vm1");
            int z0 = n.kernel.zeroizeCount(q);
            n.kernel.resetGuestDevice("vm1");
            assertThat(n.kernel.zeroizeCount(q)).isEqualTo(z0 + 1);
            n.write(mdev(UUID1, "unassign_adapter"), "5");
            assertThat(n.kernel.zeroizeCount(q)).isEqualTo(z0 + 2);
            n.assign(UUID1, "adapter", 5);
            n.kernel.detachGuest("vm1");
            assertThat(n.kernel.zeroizeCount(q)).isEqualTo(z0 + 3);
            n.write(mdev(UUID1, "remove"), "1");
            assertThat(n.kernel.zeroizeCount(q)).isEqualTo(z0 + 4);
            n.write(bus("apmask"), "+5");
            assertThat(n.kernel.zeroizeCount(q)).isEqualTo(z0 + 5);
            holds(n);
        }));
        out.add(of(S, "16 queue status", "in use ⇔ in an attached guest's shadow; assigned; unassigned", DYNAMIC_UP, n -> {
            n.freeForVfio(ints(5, 6), ints());
            n.mdevWith(UUID1, ints(5), ints(1));
            assertThat(n.read(queue(5, 1) + "/status")).isEqualTo("assigned\n");
            assertThat(n.read(queue(5, 2) + "/status")).isEqualTo("unassigned\n");
            assertThat(n.exists(queue(3, 1) + "/status")).isFalse();
            n.kernel.attachGuest(UUID1, "vm1");
            assertThat(n.read(queue(5, 1) + "/status")).isEqualTo("in use\n");
            holds(n, Map.of(UUID1, "vm1"));
        }));
        out.add(of(S, "16 queue status", "legacy: no status attribute", ConformanceCase.LEGACY, n -> {
            n.freeForVfio(ints(5), ints());
            assertThat(n.exists(queue(5, 1) + "/status")).isFalse();
            holds(n);
        }));
        out.add(of(S, "17 bindings", "12/12 (complete) style text equals the driver links", ALL, n -> {
            n.write(bus("drivers_autoprobe"), "0");
            n.kernel.unloadVfioAp();
            n.write(bus("apmask"), "-4");
            holds(n);
            assertThat(n.read(bus("bindings"))).doesNotContain("complete");
            n.kernel.loadVfioAp();
            n.write(bus("drivers_autoprobe"), "1");
            for (int d : ints(0, 1, 2, 3, 4, 5, 12, 84)) {
                if (n.exists(queue(4, d))) {
                    n.write(bus("drivers_probe"), queueName(4, d));
                }
            }
            assertThat(n.read(bus("bindings"))).endsWith(" (complete)\n");
            holds(n);
        }));
        out.add(of(S, "18 zcrypt online", "ENODEV while deconfigured; EINVAL while the card is offline; card offline forces queues", ALL, n -> {
            n.write(card(6) + "/online", "0");
            assertThat(n.read(queue(6, 0) + "/online")).isEqualTo("0\n");
            n.expectErrno(Errno.EINVAL, queue(6, 0) + "/online", "1");
            n.write(card(6) + "/config", "0");
            n.write(bus("scans"), "1");
            n.expectErrno(Errno.ENODEV, card(6) + "/online", "1");
            holds(n);
        }));
        out.add(of(S, "19 ap_config all-or-nothing", "any error restores the previous triple", AP_CONFIG_UP, n -> {
            n.freeForVfio(ints(5, 6), ints());
            n.mdevWith(UUID1, ints(5), ints(1));
            n.mdevWith(UUID2, ints(6), ints(2));
            String before = n.read(mdev(UUID2, "ap_config"));
            n.expectErrno(Errno.EADDRINUSE, mdev(UUID2, "ap_config"), "0x06,0x60,0x40\n");
            assertThat(n.read(mdev(UUID2, "ap_config"))).isEqualTo(before);
            assertThat(n.read(mdev(UUID2, "matrix"))).isEqualTo("06.0002\n");
            holds(n);
        }));
        out.add(of(S, "20 mdev create/remove", "unique UUID, lower-case, available_instances 65536 − n, EBUSY/blocking remove", ALL, n -> {
            n.createMdev(UUID1);
            n.expectErrno(Errno.EEXIST, TYPE_DIR + "create", UUID1.toUpperCase());
            assertThat(n.read(TYPE_DIR + "available_instances")).isEqualTo("65535\n");
            holds(n);
            n.write(mdev(UUID1, "remove"), "1");
            assertThat(n.read(TYPE_DIR + "available_instances")).isEqualTo("65536\n");
            holds(n);
        }));
        out.add(of(S, "3 binding gate", "no veto on legacy: the veto-free kernel still keeps the gate", ConformanceCase.LEGACY, n -> {
            n.write(bus("apmask"), "-5");
            n.write(bus("apmask"), ALL_ONES);
            holds(n);
        }));
        return out;
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
