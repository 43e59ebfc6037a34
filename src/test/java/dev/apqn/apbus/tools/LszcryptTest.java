package dev.apqn.apbus.tools;

import dev.apqn.apbus.FileSysfs;
import dev.apqn.apbus.sim.MachineProfiles;
import dev.apqn.apbus.sim.SimKernel;
import dev.apqn.apbus.sim.SimSysfs;
import dev.apqn.apbus.sim.SysfsTreeExporter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * lszcrypt behaviours the simulated kernel cannot show by itself (ap-bus.md §8.1): a tree is
 * exported from a simulated node and then edited the way another machine would look (a Secure
 * Execution guest's APSB feature and SE bind states, a foreign driver, no default domain), and
 * {@link Lszcrypt} reads it through the production {@link FileSysfs}.
 */
class LszcryptTest {

    private static final String PROFILE = """
            name: lszcrypt-test
            kernel: driver-override
            maxAdapterId: 255
            maxDomainId: 84
            cards:
              - {id: 0x03, type: CEX8C}
              - {id: 0x05, type: CEX8P}
            hostConfig:
              adapters: "0x03,0x05"
              usageDomains: "0-1"
              controlDomains: "0-1"
            initial:
              vfioApLoaded: true
            """;

    private static Path export(Path dir) throws Exception {
        SimKernel k = SimKernel.boot(MachineProfiles.parse(PROFILE, "LszcryptTest", "lszcrypt-test"), 7);
        new SysfsTreeExporter(new SimSysfs(k)).export(dir);
        return dir;
    }

    private static void replace(Path file, String content) throws Exception {
        Files.deleteIfExists(file);
        Files.writeString(file, content);
    }

    private static void relink(Path link, String target) throws Exception {
        Files.delete(link);
        Files.createSymbolicLink(link, Paths.get(target));
    }

    private static List<String> row(String table, String device) {
        return table.lines().filter(l -> l.startsWith(device + " ")).findFirst()
                .map(l -> Arrays.asList(l.trim().split(" +"))).orElseThrow(() -> new AssertionError("no row " + device + " in\n" + table));
    }

    private static String verbose(Path root) throws Exception {
        try (FileSysfs files = new FileSysfs(root)) {
            return new Lszcrypt(files).verbose();
        }
    }

    @Test
    void sestatColumnFromTheQueueSeBindStateWhenTheBusOffersApsb(@TempDir Path dir) throws Exception {
        Path root = export(dir);
        Path devices = root.resolve("sys/devices/ap");
        replace(root.resolve("sys/bus/ap/features"), "APSC APXA QACT RC8A APSB\n");
        replace(devices.resolve("card03/03.0000/ap_functions"), "0x90A04000\n");
        replace(devices.resolve("card03/03.0001/ap_functions"), "0x00000000\n");
        replace(devices.resolve("card05/05.0000/ap_functions"), "0x84A0C000\n");
        Files.delete(devices.resolve("card05/05.0001/ap_functions"));

        String table = verbose(root);

        assertThat(table.lines().findFirst().orElseThrow()).endsWith("DRIVER      SESTAT     ");
        assertThat(table.lines().skip(1).findFirst().orElseThrow()).hasSize(8 + 5 + 11 + 10 + 8 + 8 + 6 + 6 + 10 + 11 + 11 + 10);
        assertThat(row(table, "03")).last().isEqualTo("-");
        assertThat(row(table, "03.0000")).last().isEqualTo("bound");
        assertThat(row(table, "03.0001")).last().isEqualTo("invalid");
        assertThat(row(table, "05.0000")).last().isEqualTo("illicit");
        assertThat(row(table, "05.0001")).last().isEqualTo("error");
    }

    @Test
    void sestatColumnShowsUsableForAQueueWithoutSeBindBits(@TempDir Path dir) throws Exception {
        Path root = export(dir);
        replace(root.resolve("sys/bus/ap/features"), "APSC QACT APSB\n");
        assertThat(row(verbose(root), "03.0000")).last().isEqualTo("usable");
    }

    @Test
    void driversOtherThanCexNAndVfioApShowAsNoDriverWithoutPending(@TempDir Path dir) throws Exception {
        Path root = export(dir);
        relink(root.resolve("sys/devices/ap/card03/03.0001/driver"), "../../../../bus/ap/drivers/foo_ap");
        relink(root.resolve("sys/devices/ap/card05/driver"), "../../../bus/ap/drivers/cex9card");

        String table = verbose(root);

        List<String> foreign = row(table, "03.0001");
        assertThat(foreign.get(foreign.size() - 1)).isEqualTo("-no-driver-");
        assertThat(foreign.get(foreign.size() - 5)).as("PENDING").isEqualTo("-");
        List<String> zcrypt = row(table, "03.0000");
        assertThat(zcrypt.get(zcrypt.size() - 1)).isEqualTo("cex4queue");
        assertThat(zcrypt.get(zcrypt.size() - 5)).as("PENDING").isEqualTo("0");
        assertThat(row(table, "05")).last().isEqualTo("cex9card");
    }

    @Test
    void warnsWithTheCLongOfANegativeDefaultDomain(@TempDir Path dir) throws Exception {
        Path root = export(dir);
        replace(root.resolve("sys/bus/ap/ap_domain"), "-1\n");
        assertThat(verbose(root)).endsWith("\nWarning: Default domain 0xffffffffffffffff is not available.\n");
    }

    @Test
    void warnsWhenTheUsageDomainMaskIsNotSupported(@TempDir Path dir) throws Exception {
        Path root = export(dir);
        replace(root.resolve("sys/bus/ap/ap_usage_domain_mask"), "not supported\n");
        assertThat(verbose(root)).endsWith("\nWarning: Default domain 0x00 is not available.\n");
    }

    @Test
    void checkMaskBitReadsMsb0Bits() {
        String mask = "0x4" + "0".repeat(62) + "1";
        assertThat(Lszcrypt.maskBit(mask, 1)).isEqualTo(1);
        assertThat(Lszcrypt.maskBit(mask, 0)).isZero();
        assertThat(Lszcrypt.maskBit(mask, 255)).isEqualTo(1);
        assertThat(Lszcrypt.maskBit("0x8", 4)).isEqualTo(-1);
    }
}
