package dev.apqn.apbus.sim;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static dev.apqn.apbus.sim.SimFixtures.CREATE;
import static dev.apqn.apbus.sim.SimFixtures.UUID_A;
import static org.assertj.core.api.Assertions.assertThat;

class SysfsTreeExporterTest {

    @Test
    void exportsFilesModesAndRelativeSymlinks(@TempDir Path root) throws Exception {
        SimSysfs s = SimFixtures.node().sysfs();
        s.write("/sys/bus/ap/apmask", "-5");
        s.write(CREATE, UUID_A);
        s.write(SimFixtures.mdevPath(UUID_A) + "/assign_adapter", "5");
        s.write(SimFixtures.mdevPath(UUID_A) + "/assign_domain", "4");
        new SysfsTreeExporter(s).export(root);

        Path bus = root.resolve("sys/bus/ap");
        assertThat(Files.readString(bus.resolve("apmask"))).isEqualTo(s.read("/sys/bus/ap/apmask"));
        assertThat(Files.readString(bus.resolve("bindings"))).isEqualTo("9/9 (complete)\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(bus.resolve("apmask")))).isEqualTo("rw-r--r--");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(bus.resolve("bindings")))).isEqualTo("r--r--r--");
        Path bind = bus.resolve("drivers/vfio_ap/bind");
        assertThat(Files.size(bind)).isZero();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(bind))).isEqualTo("-w-------");

        Path queueLink = bus.resolve("devices/05.0004");
        assertThat(Files.isSymbolicLink(queueLink)).isTrue();
        assertThat(Files.readSymbolicLink(queueLink).toString()).isEqualTo("../../../devices/ap/card05/05.0004");
        assertThat(Files.readString(queueLink.resolve("status"))).isEqualTo("assigned\n");
        assertThat(queueLink.resolve("driver").toRealPath()).isEqualTo(bus.resolve("drivers/vfio_ap").toRealPath());
        assertThat(Files.readString(root.resolve("sys/devices/ap/card06/type"))).isEqualTo("CEX8P\n");
        assertThat(Files.readString(root.resolve("sys/class/mdev_bus/matrix/" + UUID_A + "/matrix"))).isEqualTo("05.0004\n");
        assertThat(Files.readString(root.resolve("sys/bus/mdev/devices/" + UUID_A + "/mdev_type/name")))
                .isEqualTo("VFIO AP Passthrough Device\n");
    }
}
