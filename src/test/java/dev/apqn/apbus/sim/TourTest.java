package dev.apqn.apbus.sim;

import dev.apqn.ap.ApMask;
import dev.apqn.ap.Apqn;
import dev.apqn.apbus.tools.Lszcrypt;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The guided tour (make demo) on every demo-ready profile: it seeds one APQN and gives it back. */
class TourTest {

    @ParameterizedTest
    @ValueSource(strings = {"legacy", "mask-mode-apconfig", "mask-mode-foreign-mdev", "override-mode"})
    void seedsOneApqnAndGivesEverythingBack(String profileName) throws Exception {
        MachineProfile profile = MachineProfiles.loadResource(profileName);
        String bootTable = new Lszcrypt(new SimSysfs(SimKernel.boot(profile, 42))).verbose();
        ByteArrayOutputStream buf = new ByteArrayOutputStream();

        SimKernel end = new Tour(profile, Apqn.of(5, 4), 42, new PrintStream(buf, true, StandardCharsets.UTF_8)).run();

        String out = buf.toString(StandardCharsets.UTF_8);
        assertThat(out)
                .contains("05.0004 is now bound to vfio_ap")
                .contains("/matrix:\n    05.0004\n")
                .contains("control_domains:\n    0004\n")
                .contains("05.0004 is bound to cex4queue again")
                .contains("no request lost: yes");
        if (end.capabilities().queueStatus()) {
            assertThat(out).contains("queue 05.0004 status: in use");
        } else {
            assertThat(out).contains("queue 05.0004 status: (no status file on this kernel)");
        }
        if (end.capabilities().dynamic()) {
            assertThat(out).contains("guest_matrix (what a guest gets):\n    05.0004\n");
        } else {
            assertThat(out).contains("no guest_matrix on this kernel");
        }
        // everything is back with the host: same masks, same mdevs, same drivers as at boot
        assertThat(end.apmask()).isEqualTo(SimKernel.boot(profile, 42).apmask());
        assertThat(end.mdevUuids()).isEqualTo(SimKernel.boot(profile, 42).mdevUuids());
        String endTable = new Lszcrypt(new SimSysfs(end)).verbose();
        assertThat(columns(endTable, 0, 1, 2, 3, 9)).isEqualTo(columns(bootTable, 0, 1, 2, 3, 9));
        assertThat(end.traffic().checkNoRequestLost()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"mask-mode-apconfig"})
    void exportsTheSysfsTreeForOtherReaders(String profileName, @TempDir Path dir) throws Exception {
        Tour tour = new Tour(MachineProfiles.loadResource(profileName), Apqn.of(5, 4), 42,
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        tour.run();
        tour.export(dir);
        assertThat(Files.readString(dir.resolve("sys/bus/ap/apmask"))).isEqualTo(ApMask.all().toSysfs());
        assertThat(Files.isSymbolicLink(dir.resolve("sys/devices/ap/card05/05.0004/driver"))).isTrue();
        assertThat(Files.readSymbolicLink(dir.resolve("sys/devices/ap/card05/05.0004/driver")).toString()).endsWith("cex4queue");
    }

    /** The chosen whitespace-separated columns of each table row (counters differ after traffic). */
    private static String columns(String table, int... idx) {
        StringBuilder sb = new StringBuilder();
        for (String line : table.lines().toList()) {
            String[] cols = line.trim().split("\\s+(?=\\S)");
            // MODE and STATUS values never contain spaces except "in use", which is not expected here
            for (int i : idx) {
                sb.append(i < cols.length ? cols[i] : "").append('|');
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
