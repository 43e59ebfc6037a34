package dev.apqn.apbus.sim;

import dev.apqn.ap.Errno;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.stream.Stream;

import static dev.apqn.apbus.sim.ConformanceCase.ALL;
import static dev.apqn.apbus.sim.ConformanceCase.AP_CONFIG_UP;
import static dev.apqn.apbus.sim.ConformanceCase.DYNAMIC_UP;
import static dev.apqn.apbus.sim.ConformanceCase.of;
import static dev.apqn.apbus.sim.ConformanceNode.ALL_ONES;
import static dev.apqn.apbus.sim.ConformanceNode.ALL_ZERO;
import static dev.apqn.apbus.sim.ConformanceNode.TYPE_DIR;
import static dev.apqn.apbus.sim.ConformanceNode.UUID1;
import static dev.apqn.apbus.sim.ConformanceNode.UUID2;
import static dev.apqn.apbus.sim.ConformanceNode.allBut;
import static dev.apqn.apbus.sim.ConformanceNode.bits;
import static dev.apqn.apbus.sim.ConformanceNode.bus;
import static dev.apqn.apbus.sim.ConformanceNode.card;
import static dev.apqn.apbus.sim.ConformanceNode.ints;
import static dev.apqn.apbus.sim.ConformanceNode.mask;
import static dev.apqn.apbus.sim.ConformanceNode.mdev;
import static dev.apqn.apbus.sim.ConformanceNode.queue;
import static dev.apqn.apbus.sim.ConformanceNode.queueName;
import static dev.apqn.apbus.sim.ConformanceNode.range;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * ap-bus.md §2: the input grammars, written through sysfs. §2.1 vectors run against both
 * {@code apmask} and {@code aqmask} (absolute and relative forms), with golden vectors from the
 * document itself.
 */
class ConformanceGrammarTest {

    /** A mask write vector: start (absolute) → input → expected read, or expected errno. */
    record MaskVector(String row, String start, String input, String expected, Errno errno) {
    }

    private static MaskVector ok(String row, String start, String input, BitSet expected) {
        return new MaskVector(row, start, input, mask(expected), null);
    }

    private static MaskVector bad(String row, String start, String input) {
        return new MaskVector(row, start, input, null, Errno.EINVAL);
    }

    private static final String ZERO = "0x\n";
    private static final String ONES = "0x" + "f".repeat(64) + "\n";

    static List<MaskVector> maskVectors() {
        return List.of(
                ok("relative: signed terms", ONES, "-3\n", allBut(3)),
                ok("relative: signed terms", ZERO, "+3", bits(3)),
                ok("relative: ranges", ONES, "-0-255\n", new BitSet()),
                ok("relative: ranges", ZERO, "+0-255", range(0, 255)),
                ok("relative: ranges", ZERO, "+4-4", bits(4)),
                ok("relative: base-0 numbers", ONES, "-010\n", allBut(8)),
                ok("relative: base-0 numbers", ONES, "-0x10,-0X11\n", allBut(16, 17)),
                ok("relative: base-0 numbers", ZERO, "+0", bits(0)),
                ok("relative: optional separators", ZERO, "+1+2,-2+3", bits(1, 3)),
                ok("relative: ranges", ZERO, "+1+2-2+3", bits(1, 2, 3)),
                ok("relative: optional separators", ZERO, "+1,\n+3\n", bits(1, 3)),
                ok("relative: optional separators", ZERO, "+1,,+5,", bits(1, 5)),
                ok("relative: left to right, last wins", ZERO, "+0-255,-128", allBut(128)),
                ok("relative: left to right, last wins", ZERO, "-7,+7", bits(7)),
                ok("relative: kernel example +0-15,+32,-128,-0xFF", ZERO, "+0-15,+32,-128,-0xFF", bits(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 32)),
                bad("relative: errors", ONES, "+"),
                bad("relative: errors", ONES, "+,"),
                bad("relative: errors", ONES, "+1,2"),
                bad("relative: errors", ONES, "-256"),
                bad("relative: errors", ONES, "+5-3"),
                bad("relative: errors", ONES, "+1-256"),
                bad("relative: errors", ONES, "+1 "),
                bad("relative: errors", ONES, "+ 1"),
                bad("relative: errors", ONES, "-1;-2"),
                bad("relative: errors", ONES, "+09"),
                ok("absolute: 0x/x prefix", ONES, "0x8", bits(0)),
                ok("absolute: 0x/x prefix", ONES, "x8\n", bits(0)),
                ok("absolute: 0x/x prefix", ONES, "8\n", bits(0)),
                ok("absolute: right padding", ONES, "0xff", range(0, 7)),
                ok("absolute: right padding", ONES, "0x0000000000000001", bits(63)),
                ok("absolute: right padding", ZERO, "0x" + "0".repeat(63) + "1\n", bits(255)),
                ok("absolute: more than 64 digits", ZERO, "0x" + "f".repeat(64), range(0, 255)),
                bad("absolute: more than 64 digits", ZERO, "0x" + "f".repeat(65)),
                bad("absolute: more than 64 digits", ZERO, "0x" + "0".repeat(65) + "\n"),
                bad("absolute: 0X rejected", ONES, "0X5"),
                bad("absolute: 0X rejected", ONES, "0X5\n"),
                // a zero-length write() never reaches the store handler (kernfs' sysfs_kf_write returns 0
                // first): the mask stays as it was; "\n" alone is a one-byte write and parses as empty
                ok("absolute: empty input", ONES, "", range(0, 255)),
                ok("absolute: empty input", ONES, "\n", new BitSet()),
                ok("absolute: empty input", ONES, "0x\n", new BitSet()),
                ok("absolute: upper-case digits", ZERO, "0xAB", bits(0, 2, 4, 6, 7)),
                ok("absolute: upper-case digits", ZERO, "0xaB\n", bits(0, 2, 4, 6, 7)),
                bad("absolute: trailing characters", ONES, "0x5\n\n"),
                bad("absolute: trailing characters", ONES, "0x5 "),
                bad("absolute: trailing characters", ONES, " 0x5"),
                bad("absolute: trailing characters", ONES, "0xg"),
                bad("absolute: trailing characters", ONES, "0x5,0x6"));
    }

    static List<ConformanceCase> cases() {
        List<ConformanceCase> out = new ArrayList<>();
        for (MaskVector v : maskVectors()) {
            for (String m : List.of("apmask", "aqmask")) {
                String title = m + " ← " + ConformanceNode.show(v.input()) + (v.errno() != null ? " → " + v.errno() : "");
                out.add(of("§2.1", v.row(), title, ALL, n -> {
                    n.write(bus(m), v.start());
                    String before = n.read(bus(m));
                    if (v.errno() != null) {
                        n.expectErrno(v.errno(), bus(m), v.input());
                        assertThat(n.read(bus(m))).as("an invalid write changes nothing").isEqualTo(before);
                    } else {
                        n.write(bus(m), v.input());
                        assertThat(n.read(bus(m))).isEqualTo(v.expected());
                    }
                }));
            }
        }
        out.add(of("§2.1", "errors change nothing", "a rejected write neither changes the mask nor re-probes", ALL, n -> {
            n.write(bus("apmask"), "-5\n");
            String bindings = n.read(bus("bindings"));
            n.expectErrno(Errno.EINVAL, bus("apmask"), "+5,x\n");
            assertThat(n.read(bus("apmask"))).isEqualTo(mask(allBut(5)));
            assertThat(n.driverOf(5, 1)).contains("vfio_ap");
            assertThat(n.read(bus("bindings"))).isEqualTo(bindings);
        }));
        out.add(of("§2.1", "identical mask is a no-op", "no re-probe of an unbound queue, no veto", ALL, n -> {
            n.write(bus("drivers/cex4queue/unbind"), queueName(3, 1) + "\n");
            n.write(bus("apmask"), ALL_ONES);
            n.write(bus("apmask"), "+3");
            assertThat(n.driverOf(3, 1)).isEmpty();
            n.freeForVfio(ints(5), ints());
            n.mdevWith(UUID1, ints(5), ints(1));
            n.write(bus("apmask"), "-5\n"); // identical: no EBUSY
            n.write(bus("apmask"), mask(allBut(5)));
            assertThat(n.read(bus("apmask"))).isEqualTo(mask(allBut(5)));
        }));
        // ---------------------------------------------------------------- §2.2 assign numbers
        out.add(of("§2.2", "decimal", "12 and 12\\n assign domain 12", ALL, n -> {
            n.freeForVfio(ints(5), ints());
            n.mdevWith(UUID1, ints(5), ints());
            n.write(mdev(UUID1, "assign_domain"), "12");
            n.write(mdev(UUID1, "unassign_domain"), "12\n");
            n.write(mdev(UUID1, "assign_domain"), "12\n");
            assertThat(n.read(mdev(UUID1, "matrix"))).isEqualTo("05.000c\n");
        }));
        out.add(of("§2.2", "0x/0X hex", "0xc and 0XC are 12 (kstrtoul accepts both)", ALL, n -> {
            n.freeForVfio(ints(5), ints());
            n.mdevWith(UUID1, ints(5), ints());
            n.write(mdev(UUID1, "assign_domain"), "0xc\n");
            n.write(mdev(UUID1, "unassign_domain"), "0XC\n");
            assertThat(n.read(mdev(UUID1, "matrix"))).isEqualTo("05.\n");
        }));
        out.add(of("§2.2", "leading 0 octal", "014 is 12, 010 is 8, 08 is EINVAL", ALL, n -> {
            n.freeForVfio(ints(5), ints());
            n.mdevWith(UUID1, ints(5), ints());
            n.write(mdev(UUID1, "assign_domain"), "014\n");
            assertThat(n.read(mdev(UUID1, "matrix"))).isEqualTo("05.000c\n");
            n.write(mdev(UUID1, "assign_control_domain"), "010\n");
            assertThat(n.read(mdev(UUID1, "control_domains"))).isEqualTo("0008\n");
            n.expectErrno(Errno.EINVAL, mdev(UUID1, "assign_control_domain"), "08\n");
        }));
        out.add(of("§2.2", "one trailing newline", "5\\n ok, 5\\n\\n EINVAL", ALL, n -> {
            n.createMdev(UUID1);
            n.write(mdev(UUID1, "assign_control_domain"), "5\n");
            n.expectErrno(Errno.EINVAL, mdev(UUID1, "assign_control_domain"), "5\n\n");
        }));
        out.add(of("§2.2", "anything else EINVAL", "spaces, signs, empty, words", ALL, n -> {
            n.createMdev(UUID1);
            for (String v : List.of(" 5", "5 ", "-5", "\n", "five", "5a", "0x", "1.0")) {
                n.expectErrno(Errno.EINVAL, mdev(UUID1, "assign_control_domain"), v);
            }
            n.write(mdev(UUID1, "assign_control_domain"), ""); // zero-length: never reaches the handler
            assertThat(n.read(mdev(UUID1, "control_domains"))).isEmpty();
        }));
        out.add(of("§2.2", "overflow ERANGE", "a number above 2^64 is ERANGE", ALL, n -> {
            n.createMdev(UUID1);
            n.expectErrno(Errno.ERANGE, mdev(UUID1, "assign_control_domain"), "18446744073709551616\n");
            n.expectErrno(Errno.ENODEV, mdev(UUID1, "assign_control_domain"), "18446744073709551615\n");
        }));
        out.add(of("§2.2", "no lists or ranges", "5,6 and 5-6 are EINVAL", ALL, n -> {
            n.createMdev(UUID1);
            n.expectErrno(Errno.EINVAL, mdev(UUID1, "assign_control_domain"), "5,6\n");
            n.expectErrno(Errno.EINVAL, mdev(UUID1, "assign_control_domain"), "5-6\n");
        }));
        // ---------------------------------------------------------------- §2.3 ap_config
        String z = "0x" + "0".repeat(64);
        out.add(of("§2.3", "three absolute masks", "short masks are right-padded; x prefix; no prefix", AP_CONFIG_UP, n -> {
            n.freeForVfio(ints(5, 6), ints());
            n.createMdev(UUID1);
            n.write(mdev(UUID1, "ap_config"), "0x06,x4,8");
            assertThat(n.read(mdev(UUID1, "ap_config"))).isEqualTo(mask(bits(5, 6)).strip() + "," + mask(bits(1)).strip() + "," + mask(bits(0)));
        }));
        out.add(of("§2.3", "fewer than three fields", "EINVAL", AP_CONFIG_UP, n -> {
            n.createMdev(UUID1);
            n.expectErrno(Errno.EINVAL, mdev(UUID1, "ap_config"), "0x06,0x40");
            n.expectErrno(Errno.EINVAL, mdev(UUID1, "ap_config"), "0x06");
            n.expectErrno(Errno.EINVAL, mdev(UUID1, "ap_config"), "0x06,0xZ0,0x");
        }));
        out.add(of("§2.3", "empty field", "an empty field is an empty mask", AP_CONFIG_UP, n -> {
            n.createMdev(UUID1);
            n.write(mdev(UUID1, "assign_control_domain"), "1\n");
            n.write(mdev(UUID1, "ap_config"), ",,\n");
            assertThat(n.read(mdev(UUID1, "ap_config"))).isEqualTo(z + "," + z + "," + z + "\n");
        }));
        out.add(of("§2.3", "text after the third field", "ignored after the separator (inferred, §11.9)", AP_CONFIG_UP, n -> {
            n.createMdev(UUID1);
            n.write(mdev(UUID1, "ap_config"), "0x,0x,0x4\ntrailing junk");
            n.write(mdev(UUID1, "ap_config"), "0x,0x,0x4,junk");
            assertThat(n.read(mdev(UUID1, "control_domains"))).isEqualTo("0001\n");
        }));
        out.add(of("§2.3", "relative syntax not supported", "+5,+1,+1 is EINVAL", AP_CONFIG_UP, n -> {
            n.createMdev(UUID1);
            n.expectErrno(Errno.EINVAL, mdev(UUID1, "ap_config"), "+5,+1,+1\n");
            n.expectErrno(Errno.EINVAL, mdev(UUID1, "ap_config"), "0X4,0x,0x\n");
        }));
        out.add(of("§2.3", "overlong input truncated", "a very long tail after three full masks is ignored", AP_CONFIG_UP, n -> {
            n.createMdev(UUID1);
            String full = z + "," + z + "," + mask(bits(2)).strip();
            n.write(mdev(UUID1, "ap_config"), full + "\n" + "x".repeat(500));
            assertThat(n.read(mdev(UUID1, "control_domains"))).isEqualTo("0002\n");
        }));
        out.add(of("§2.3", "s390-tools form", "ap-check writes 0x+64 hex ×3 and \\n in one write", AP_CONFIG_UP, n -> {
            n.freeForVfio(ints(5), ints());
            n.createMdev(UUID1);
            String v = mask(bits(5)).strip() + "," + mask(bits(1, 12)).strip() + "," + mask(bits(1)).strip() + "\n";
            n.write(mdev(UUID1, "ap_config"), v);
            assertThat(n.read(mdev(UUID1, "ap_config"))).isEqualTo(v);
            assertThat(n.read(mdev(UUID1, "matrix"))).isEqualTo("05.0001\n05.000c\n");
        }));
        // ---------------------------------------------------------------- §2.4 small grammars
        out.add(of("§2.4", "ap_domain %i", "decimal, 0x hex, 0 octal, trailing junk ignored (sscanf)", ALL, n -> {
            n.write(bus("ap_domain"), "0x0c\n");
            assertThat(n.read(bus("ap_domain"))).isEqualTo("12\n");
            n.write(bus("ap_domain"), "05");
            assertThat(n.read(bus("ap_domain"))).isEqualTo("5\n");
            n.write(bus("ap_domain"), "3junk");
            assertThat(n.read(bus("ap_domain"))).isEqualTo("3\n");
            n.expectErrno(Errno.EINVAL, bus("ap_domain"), "junk");
        }));
        out.add(of("§2.4", "config_time %d", "decimal only: 0x10 reads as 0 → EINVAL; 010 is 10", ALL, n -> {
            n.expectErrno(Errno.EINVAL, bus("config_time"), "0x10\n");
            n.write(bus("config_time"), "010\n");
            assertThat(n.read(bus("config_time"))).isEqualTo("10\n");
            n.write(bus("config_time"), " 7\n");
            assertThat(n.read(bus("config_time"))).isEqualTo("7\n");
        }));
        out.add(of("§2.4", "card config %d", "0/1, EINVAL otherwise; reads 1/0; queues follow at the next scan", ALL, n -> {
            assertThat(n.read(card(4) + "/config")).isEqualTo("1\n");
            n.expectErrno(Errno.EINVAL, card(4) + "/config", "2\n");
            n.expectErrno(Errno.EINVAL, card(4) + "/config", "x\n");
            n.write(card(4) + "/config", "0\n");
            assertThat(n.read(card(4) + "/config")).isEqualTo("0\n");
            assertThat(n.read(card(4) + "/online")).isEqualTo("0\n");
            n.write(bus("scans"), "1");
            assertThat(n.read(queue(4, 0) + "/config")).isEqualTo("0\n");
            assertThat(n.read(queue(4, 0) + "/online")).isEqualTo("0\n");
            n.write(card(4) + "/config", "1");
            n.write(bus("scans"), "1");
            assertThat(n.read(queue(4, 0) + "/config")).isEqualTo("1\n");
        }));
        out.add(of("§2.4", "zcrypt online %d", "card/queue online 0/1, EINVAL otherwise; ENODEV deconfigured; EINVAL card offline", ALL, n -> {
            String q = queue(3, 1) + "/online";
            assertThat(n.read(q)).isEqualTo("1\n");
            n.expectErrno(Errno.EINVAL, q, "2\n");
            n.write(q, "0\n");
            assertThat(n.read(q)).isEqualTo("0\n");
            n.write(card(3) + "/online", "0\n");
            assertThat(n.read(queue(3, 2) + "/online")).isEqualTo("0\n");
            n.expectErrno(Errno.EINVAL, q, "1\n");
            n.write(card(3) + "/online", "1\n");
            n.write(q, "1\n");
            n.write(card(3) + "/config", "0\n");
            n.expectErrno(Errno.ENODEV, card(3) + "/online", "1\n");
        }));
        out.add(of("§2.4", "poll_thread kstrtobool", "1/0, y/n, on/off; EINVAL otherwise", ALL, n -> {
            for (String v : List.of("1", "Y", "yes", "on\n", "0", "N", "no", "off\n")) {
                n.write(bus("poll_thread"), v);
            }
            for (String v : List.of("2", "x", "o", "\n")) {
                n.expectErrno(Errno.EINVAL, bus("poll_thread"), v);
            }
            n.write(bus("poll_thread"), ""); // zero-length: a no-op, not EINVAL
        }));
        out.add(of("§2.4", "poll_timeout kstrtoul", "base 0; one trailing newline", ALL, n -> {
            n.write(bus("poll_timeout"), "010\n");
            assertThat(n.read(bus("poll_timeout"))).isEqualTo("8\n");
            n.expectErrno(Errno.EINVAL, bus("poll_timeout"), "5\n\n");
            n.expectErrno(Errno.EINVAL, bus("poll_timeout"), "-5\n");
        }));
        out.add(of("§2.4", "mdev create UUID", "hex with dashes, case-insensitive, 36 or 37 chars", ALL, n -> {
            n.write(TYPE_DIR + "create", UUID1);
            n.write(TYPE_DIR + "create", UUID2.toUpperCase() + "\n");
            assertThat(n.list(TYPE_DIR + "devices")).containsExactly(UUID1, UUID2);
            n.expectErrno(Errno.EINVAL, TYPE_DIR + "create", "333333334444-4555-8666-777777777777\n");
            n.expectErrno(Errno.EINVAL, TYPE_DIR + "create", "{33333333-4444-4555-8666-77777777777}");
        }));
        out.add(of("§2.2", "decimal", "guest-visible: assign_* numbers reach guest_matrix", DYNAMIC_UP, n -> {
            n.freeForVfio(ints(5), ints());
            n.mdevWith(UUID1, ints(5), ints(1));
            assertThat(n.read(mdev(UUID1, "guest_matrix"))).isEqualTo("05.0001\n");
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

    static {
        // keep the ALL_ZERO constant referenced (documentation of the all-zero read)
        assert ALL_ZERO.length() == 67;
    }
}
