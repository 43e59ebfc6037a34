package dev.apqn.apbus.sim;

import dev.apqn.ap.ApMask;
import dev.apqn.ap.Errno;
import dev.apqn.apbus.tools.Lszcrypt;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static dev.apqn.apbus.sim.ConformanceCase.ALL;
import static dev.apqn.apbus.sim.ConformanceCase.of;
import static dev.apqn.apbus.sim.ConformanceNode.MATRIX_DEV;
import static dev.apqn.apbus.sim.ConformanceNode.TYPE_DIR;
import static dev.apqn.apbus.sim.ConformanceNode.UUID1;
import static dev.apqn.apbus.sim.ConformanceNode.UUID2;
import static dev.apqn.apbus.sim.ConformanceNode.UUID3;
import static dev.apqn.apbus.sim.ConformanceNode.bus;
import static dev.apqn.apbus.sim.ConformanceNode.card;
import static dev.apqn.apbus.sim.ConformanceNode.mdev;
import static dev.apqn.apbus.sim.ConformanceNode.queue;
import static dev.apqn.apbus.sim.ConformanceNode.queueName;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * ap-bus.md §1.10 (driver-core files: uevent, subsystem, driver, module, iommu_group, attribute
 * access), §1.11 (zcrypt's CCA/EP11 information attributes) and §8.1 (what lszcrypt prints from
 * them), per kernel level. The in-test machine: CCA cards 03 and 04, EP11 card 05, accelerator 06
 * (CEX8, legacy CEX7), domains 0-5 and 12, everything host-owned, vfio_ap loaded.
 */
class ConformanceDeviceFilesTest {

    private static final String CORE = "§1.10";
    private static final String INFO = "§1.11";
    private static final String LSZ = "§8.1";

    private static int hwtype(ConformanceNode n) {
        return n.level == KernelLevel.LEGACY ? 13 : 14;
    }

    private static String mdevDriver(ConformanceNode n) {
        return n.level == KernelLevel.LEGACY ? "vfio_mdev" : "vfio_ap_mdev";
    }

    /** The cells of the lszcrypt row of a device (columns are separated by blanks; no cell here has one). */
    private static List<String> lszcryptRow(String table, String device) {
        return table.lines().filter(l -> l.startsWith(device + " ")).findFirst()
                .map(l -> Arrays.asList(l.trim().split(" +"))).orElseThrow(() -> new AssertionError("no row " + device + " in\n" + table));
    }

    private static String ccaMkvpsPattern(ConformanceNode n) {
        String zero = "0x0000000000000000";
        String lines = "AES NEW: empty " + zero + "\nAES CUR: valid 0x[0-9a-f]{16}\nAES OLD: invalid " + zero + "\n"
                + "APKA NEW: empty " + zero + "\nAPKA CUR: valid 0x[0-9a-f]{16}\nAPKA OLD: invalid " + zero + "\n";
        if (n.caps().ccaAsymMkvps()) {
            lines += "ASYM NEW: empty 0x0{32}\nASYM CUR: valid 0x[0-9a-f]{32}\nASYM OLD: invalid 0x0{32}\n";
        }
        return lines;
    }

    private static String unknownCcaMkvps(ConformanceNode n) {
        StringBuilder sb = new StringBuilder();
        for (String key : n.caps().ccaAsymMkvps() ? List.of("AES", "APKA", "ASYM") : List.of("AES", "APKA")) {
            for (String reg : List.of("NEW", "CUR", "OLD")) {
                sb.append(key).append(' ').append(reg).append(": - -\n");
            }
        }
        return sb.toString();
    }

    static List<ConformanceCase> cases() {
        return List.of(
                // ---------------------------------------------------------------- §1.10 uevent
                of(CORE, "device uevent", "card and queue uevent files read DRIVER= and the AP bus variables", ALL, n -> {
                    String type = String.format("DEV_TYPE=%04X\nMODALIAS=ap:t%02X\n", hwtype(n), hwtype(n));
                    assertThat(n.read(card(3) + "/uevent")).isEqualTo("DRIVER=cex4card\n" + type + "MODE=cca\n");
                    assertThat(n.read(card(5) + "/uevent")).isEqualTo("DRIVER=cex4card\n" + type + "MODE=ep11\n");
                    assertThat(n.read(card(6) + "/uevent")).isEqualTo("DRIVER=cex4card\n" + type + "MODE=accel\n");
                    assertThat(n.read(queue(3, 0) + "/uevent")).isEqualTo("DRIVER=cex4queue\nMODE=cca\n");
                    n.write(bus("apmask"), "-5\n");
                    assertThat(n.read(queue(5, 1) + "/uevent")).isEqualTo("DRIVER=vfio_ap\nMODE=ep11\n");
                    n.write(bus("drivers/vfio_ap/unbind"), queueName(5, 1) + "\n");
                    assertThat(n.read(queue(5, 1) + "/uevent")).isEqualTo("MODE=ep11\n");
                    n.write(bus("drivers/cex4card/unbind"), "card04\n");
                    assertThat(n.read(card(4) + "/uevent")).isEqualTo(type + "MODE=cca\n");
                }),
                of(CORE, "device uevent", "root devices read empty; matrix and mdev read their DRIVER=", ALL, n -> {
                    assertThat(n.read("/sys/devices/ap/uevent")).isEmpty();
                    assertThat(n.read("/sys/devices/vfio_ap/uevent")).isEmpty();
                    assertThat(n.read(MATRIX_DEV + "uevent")).isEqualTo("DRIVER=vfio_ap\n");
                    n.createMdev(UUID1);
                    assertThat(n.read(mdev(UUID1, "uevent"))).isEqualTo("DRIVER=" + mdevDriver(n) + "\n");
                }),
                of(CORE, "device uevent", "a write sends a synthetic uevent; unknown actions and bad arguments are EINVAL", ALL, n -> {
                    n.write(card(3) + "/uevent", "change\n");
                    Uevent sent = n.kernel.uevents().get(n.kernel.uevents().size() - 1);
                    assertThat(sent.action()).isEqualTo("change");
                    assertThat(sent.devpath()).isEqualTo("/devices/ap/card03");
                    assertThat(sent.env()).containsEntry("SYNTH_UUID", "0").containsEntry("MODE", "cca").containsEntry("DRIVER", "cex4card");
                    n.write(queue(3, 0) + "/uevent", "add " + UUID1 + " REASON=test\n");
                    sent = n.kernel.uevents().get(n.kernel.uevents().size() - 1);
                    assertThat(sent.devpath()).isEqualTo("/devices/ap/card03/03.0000");
                    assertThat(sent.env()).containsEntry("SYNTH_UUID", UUID1).containsEntry("SYNTH_ARG_REASON", "test");
                    int before = n.kernel.uevents().size();
                    n.expectErrno(Errno.EINVAL, card(3) + "/uevent", "bogus\n");
                    n.expectErrno(Errno.EINVAL, card(3) + "/uevent", "change \n");
                    n.expectErrno(Errno.EINVAL, card(3) + "/uevent", "change not-a-uuid\n");
                    n.expectErrno(Errno.EINVAL, card(3) + "/uevent", "change " + UUID1 + " KEY=\n");
                    n.expectErrno(Errno.EINVAL, card(3) + "/uevent", "change " + UUID1 + " K-Y=1\n");
                    assertThat(n.kernel.uevents()).hasSize(before);
                    n.write("/sys/devices/ap/uevent", "change\n");
                    n.write(MATRIX_DEV + "uevent", "change");
                }),
                of(CORE, "bus and driver uevent", "bus, driver and module uevent files are write-only (0200)", ALL, n -> {
                    for (String wo : List.of(bus("uevent"), bus("drivers/cex4card/uevent"), bus("drivers/cex4queue/uevent"),
                            bus("drivers/vfio_ap/uevent"), "/sys/bus/matrix/drivers/vfio_ap/uevent", "/sys/module/zcrypt_cex4/uevent")) {
                        assertThat(n.readErrno(wo)).as(wo).contains(Errno.EACCES);
                        n.write(wo, "add\n");
                        n.expectErrno(Errno.EINVAL, wo, "plug\n");
                    }
                }),
                // ---------------------------------------------------------------- §1.10 links
                of(CORE, "subsystem", "cards and queues link the ap bus, the matrix device its bus, mdevs the mdev bus", ALL, n -> {
                    assertThat(n.readLink(card(3) + "/subsystem")).contains("../../../bus/ap");
                    assertThat(n.readLink(queue(3, 0) + "/subsystem")).contains("../../../../bus/ap");
                    assertThat(n.exists(queue(3, 0) + "/subsystem/drivers/cex4queue/" + queueName(3, 0))).isTrue();
                    assertThat(n.readLink(MATRIX_DEV + "subsystem")).contains("../../../bus/matrix");
                    n.createMdev(UUID1);
                    assertThat(n.readLink(mdev(UUID1, "subsystem"))).contains("../../../../bus/mdev");
                    assertThat(n.exists(mdev(UUID1, "subsystem/devices/" + UUID1))).isTrue();
                }),
                of(CORE, "driver", "the matrix device is bound to the matrix bus's vfio_ap, mdevs to the mdev driver", ALL, n -> {
                    assertThat(n.readLink(MATRIX_DEV + "driver")).contains("../../../bus/matrix/drivers/vfio_ap");
                    assertThat(n.list("/sys/bus/matrix/drivers/vfio_ap")).containsExactly("matrix", "uevent");
                    n.createMdev(UUID1);
                    assertThat(n.readLink(mdev(UUID1, "driver"))).contains("../../../../bus/mdev/drivers/" + mdevDriver(n));
                    assertThat(n.list("/sys/bus/mdev/drivers")).containsExactly(mdevDriver(n));
                    assertThat(n.list("/sys/bus/mdev/drivers/" + mdevDriver(n))).contains(UUID1, "module", "uevent");
                }),
                of(CORE, "module", "AP and mdev driver directories link their module; the matrix driver has no owner", ALL, n -> {
                    assertThat(n.readLink(bus("drivers/cex4card/module"))).contains("../../../../module/zcrypt_cex4");
                    assertThat(n.readLink(bus("drivers/cex4queue/module"))).contains("../../../../module/zcrypt_cex4");
                    assertThat(n.readLink(bus("drivers/vfio_ap/module"))).contains("../../../../module/vfio_ap");
                    assertThat(n.read(bus("drivers/cex4card/module/initstate"))).isEqualTo("live\n");
                    assertThat(n.list("/sys/module/zcrypt_cex4/drivers")).containsExactly("ap:cex4card", "ap:cex4queue");
                    assertThat(n.exists("/sys/module/zcrypt_cex4/drivers/ap:cex4card/bind")).isTrue();
                    assertThat(n.readLink("/sys/devices/vfio_ap/module")).contains("../../module/vfio_ap");
                    String module = n.level == KernelLevel.LEGACY ? "vfio_mdev" : "vfio_ap";
                    assertThat(n.readLink("/sys/bus/mdev/drivers/" + mdevDriver(n) + "/module")).contains("../../../../module/" + module);
                    assertThat(n.list("/sys/module/" + module + "/drivers")).contains("mdev:" + mdevDriver(n));
                    assertThat(n.list("/sys/module/vfio_ap/drivers")).contains("ap:vfio_ap");
                    assertThat(n.exists("/sys/bus/matrix/drivers/vfio_ap/module")).isFalse();
                    assertThat(n.exists("/sys/bus/matrix/drivers/vfio_ap/bind")).isFalse();
                }),
                of(CORE, "iommu_group", "each mdev is in its own IOMMU group, the lowest free id", ALL, n -> {
                    n.createMdev(UUID1);
                    n.createMdev(UUID2);
                    assertThat(n.readLink(mdev(UUID1, "iommu_group"))).contains("../../../../kernel/iommu_groups/0");
                    assertThat(n.readLink(mdev(UUID2, "iommu_group"))).contains("../../../../kernel/iommu_groups/1");
                    assertThat(n.list("/sys/kernel/iommu_groups")).containsExactlyInAnyOrder("0", "1");
                    assertThat(n.list("/sys/kernel/iommu_groups/1/devices")).containsExactly(UUID2);
                    assertThat(n.read(mdev(UUID2, "iommu_group/devices/" + UUID2 + "/mdev_type/name"))).isEqualTo("VFIO AP Passthrough Device\n");
                    n.write(mdev(UUID1, "remove"), "1\n");
                    assertThat(n.list("/sys/kernel/iommu_groups")).containsExactly("1");
                    n.write(TYPE_DIR + "create", UUID3 + "\n");
                    assertThat(n.readLink(mdev(UUID3, "iommu_group"))).contains("../../../../kernel/iommu_groups/0");
                }),
                // ---------------------------------------------------------------- §1.10 access
                of(CORE, "read-only attribute", "writing a read-only attribute is EACCES, for root too", ALL, n -> {
                    for (String ro : List.of(card(3) + "/hwtype", card(3) + "/modalias", card(3) + "/type", card(3) + "/serialnr",
                            queue(3, 0) + "/config", queue(3, 0) + "/mkvps", card(5) + "/FW_version", bus("bindings"),
                            MATRIX_DEV + "mdev_supported_types/vfio_ap-passthrough/name")) {
                        n.expectErrno(Errno.EACCES, ro, "1\n");
                    }
                }),
                of(CORE, "write-only attribute", "reading a write-only attribute is EACCES, for root too", ALL, n -> {
                    n.createMdev(UUID1);
                    for (String wo : List.of(bus("drivers/cex4queue/bind"), bus("drivers_probe"), mdev(UUID1, "assign_adapter"),
                            mdev(UUID1, "remove"), TYPE_DIR + "create")) {
                        assertThat(n.readErrno(wo)).as(wo).contains(Errno.EACCES);
                    }
                }),
                // ---------------------------------------------------------------- §1.11 zcrypt info
                of(INFO, "card serialnr", "CCA: 8 characters via the default domain; EP11: %16.16s; empty when no queue answers", ALL, n -> {
                    assertThat(n.read(card(3) + "/serialnr")).matches("[0-9A-Z]{8}\n");
                    assertThat(n.read(card(5) + "/serialnr")).matches("[0-9A-Z]{16}\n");
                    assertThat(n.exists(card(6) + "/serialnr")).isFalse();
                    assertThat(n.read(bus("ap_domain"))).isEqualTo("0\n");
                    n.write(queue(3, 2) + "/online", "0\n");
                    n.write(bus("ap_domain"), "2\n");
                    assertThat(n.read(card(3) + "/serialnr")).isEqualTo("\n");
                    assertThat(n.read(card(4) + "/serialnr")).matches("[0-9A-Z]{8}\n");
                    n.write(card(5) + "/online", "0\n");
                    assertThat(n.read(card(5) + "/serialnr")).isEqualTo("\n");
                }),
                of(INFO, "card API_ordinalnr", "EP11 cards only: %u, empty when the card does not answer", ALL, n -> {
                    assertThat(n.read(card(5) + "/API_ordinalnr")).matches("[1-9][0-9]*\n");
                    assertThat(n.exists(card(3) + "/API_ordinalnr")).isFalse();
                    n.write(card(5) + "/online", "0\n");
                    assertThat(n.read(card(5) + "/API_ordinalnr")).isEqualTo("\n");
                }),
                of(INFO, "card FW_version", "EP11 cards only: %d.%d, empty when the card does not answer", ALL, n -> {
                    assertThat(n.read(card(5) + "/FW_version")).matches("[0-9]+\\.[0-9]+\n");
                    assertThat(n.exists(card(4) + "/FW_version")).isFalse();
                    n.write(card(5) + "/online", "0\n");
                    assertThat(n.read(card(5) + "/FW_version")).isEqualTo("\n");
                }),
                of(INFO, "card op_modes", "EP11 cards only; no compliance mode reads as an empty line", ALL, n -> {
                    assertThat(n.read(card(5) + "/op_modes")).isEqualTo("\n");
                    assertThat(n.exists(card(3) + "/op_modes")).isFalse();
                    n.write(bus("drivers/cex4card/unbind"), "card05\n");
                    assertThat(n.exists(card(5) + "/op_modes")).isFalse();
                }),
                of(INFO, "queue mkvps", "CCA: AES/APKA(/ASYM) NEW/CUR/OLD lines; EP11: WK CUR/NEW; '- -' when offline", ALL, n -> {
                    String cca = n.read(queue(3, 1) + "/mkvps");
                    assertThat(cca).matches(ccaMkvpsPattern(n));
                    assertThat(n.read(queue(4, 1) + "/mkvps")).as("the same domain's master keys on another card").isEqualTo(cca);
                    assertThat(n.read(queue(3, 2) + "/mkvps")).isNotEqualTo(cca);
                    assertThat(n.read(queue(5, 1) + "/mkvps")).matches("WK CUR: valid 0x[0-9a-f]{64}\nWK NEW: empty -\n");
                    n.write(queue(3, 1) + "/online", "0\n");
                    assertThat(n.read(queue(3, 1) + "/mkvps")).isEqualTo(unknownCcaMkvps(n));
                    n.write(queue(5, 1) + "/online", "0\n");
                    assertThat(n.read(queue(5, 1) + "/mkvps")).isEqualTo("WK CUR: - -\nWK NEW: - -\n");
                    assertThat(n.exists(queue(6, 1) + "/mkvps")).as("accelerator").isFalse();
                    n.write(bus("apmask"), "-4\n");
                    assertThat(n.exists(queue(4, 1) + "/mkvps")).as("bound to vfio_ap").isFalse();
                }),
                of(INFO, "queue op_modes", "EP11 queues bound to cex4queue only; no compliance mode reads as an empty line", ALL, n -> {
                    assertThat(n.read(queue(5, 0) + "/op_modes")).isEqualTo("\n");
                    assertThat(n.exists(queue(3, 0) + "/op_modes")).isFalse();
                    n.write(bus("drivers/cex4queue/unbind"), queueName(5, 0) + "\n");
                    assertThat(n.exists(queue(5, 0) + "/op_modes")).isFalse();
                }),
                // ---------------------------------------------------------------- §8.1 lszcrypt
                of(LSZ, "default domain warning", "the full listing warns when ap_domain is not an available usage domain", ALL, n -> {
                    assertThat(new Lszcrypt(n.fs).verbose()).doesNotContain("Warning");
                    n.kernel.setHostConfiguration(ApMask.of(3, 4, 5, 6, 8), ApMask.of(1, 2, 3, 4, 5, 12), ApMask.of(0, 1, 2));
                    n.write(bus("scans"), "1\n");
                    long domain = Long.parseLong(n.read(bus("ap_domain")).strip());
                    assertThat(n.read(bus("ap_usage_domain_mask"))).startsWith("0x7");
                    assertThat(new Lszcrypt(n.fs).verbose())
                            .endsWith(String.format("Warning: Default domain 0x%02x is not available.\n", domain));
                    assertThat(new Lszcrypt(n.fs).verbose(3)).doesNotContain("Warning");
                }),
                of(LSZ, "SESTAT column", "no SESTAT column while the bus features lack APSB (a host LPAR)", ALL, n -> {
                    String header = new Lszcrypt(n.fs).verbose().lines().findFirst().orElseThrow();
                    assertThat(header).isEqualTo("CARD.DOM TYPE  MODE        STATUS     REQUESTS  PENDING HWTYPE QDEPTH FUNCTIONS  DRIVER     ");
                }),
                of(LSZ, "card status", "a card without zcrypt's online reads '-'; a deconfigured one 'deconfig'", ALL, n -> {
                    n.write(bus("drivers/cex4card/unbind"), "card04\n");
                    n.write(card(3) + "/config", "0\n");
                    String table = new Lszcrypt(n.fs).verbose();
                    assertThat(lszcryptRow(table, "04")).startsWith("04", "-", "CCA-Coproc", "-").endsWith("-no-driver-");
                    assertThat(lszcryptRow(table, "03")).startsWith("03", "CEX" + (hwtype(n) - 6) + "C", "CCA-Coproc", "deconfig", "-", "-");
                    assertThat(lszcryptRow(table, "05")).startsWith("05", "CEX" + (hwtype(n) - 6) + "P", "EP11-Coproc", "online");
                }),
                of(LSZ, "DRIVER filter", "DRIVER shows cexN and vfio_ap drivers; PENDING only for cexN-bound queues", ALL, n -> {
                    n.write(bus("apmask"), "-5\n");
                    n.write(bus("drivers/vfio_ap/unbind"), queueName(5, 1) + "\n");
                    String table = new Lszcrypt(n.fs).verbose();
                    List<String> vfio = lszcryptRow(table, queueName(5, 0));
                    assertThat(vfio.get(vfio.size() - 1)).isEqualTo("vfio_ap");
                    assertThat(vfio.get(vfio.size() - 5)).as("PENDING").isEqualTo("-");
                    List<String> unbound = lszcryptRow(table, queueName(5, 1));
                    assertThat(unbound.get(unbound.size() - 1)).isEqualTo("-no-driver-");
                    assertThat(unbound.get(unbound.size() - 5)).as("PENDING").isEqualTo("-");
                    List<String> zcrypt = lszcryptRow(table, queueName(3, 0));
                    assertThat(zcrypt.get(zcrypt.size() - 1)).isEqualTo("cex4queue");
                    assertThat(zcrypt.get(zcrypt.size() - 5)).as("PENDING").isEqualTo("0");
                    assertThat(lszcryptRow(table, "03")).last().isEqualTo("cex4card");
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
