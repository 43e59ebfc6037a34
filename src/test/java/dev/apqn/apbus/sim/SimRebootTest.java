package dev.apqn.apbus.sim;

import dev.apqn.ap.ApMask;
import dev.apqn.ap.Apqn;
import org.junit.jupiter.api.Test;

import static dev.apqn.apbus.sim.SimFixtures.CREATE;
import static dev.apqn.apbus.sim.SimFixtures.UUID_A;
import static dev.apqn.apbus.sim.SimFixtures.UUID_B;
import static dev.apqn.apbus.sim.SimFixtures.mdevPath;
import static org.assertj.core.api.Assertions.assertThat;

class SimRebootTest {

    @Test
    void rebootRestoresBootDefaultsAndKeepsOnlyBootMdevs() throws Exception {
        SimSysfs s = SimFixtures.node()
                .masks(ApMask.all().without(6), ApMask.all())
                .mdev(UUID_B, ApMask.of(6), ApMask.of(4))
                .sysfs();
        SimKernel k = s.kernel();
        assertThat(s.read(mdevPath(UUID_B) + "/matrix")).isEqualTo("06.0004\n");
        assertThat(s.read("/sys/devices/ap/card06/06.0004/status")).isEqualTo("assigned\n");
        s.write("/sys/bus/ap/apmask", "-5");
        s.write(CREATE, UUID_A);
        s.write(mdevPath(UUID_A) + "/assign_adapter", "5");
        s.write(mdevPath(UUID_A) + "/assign_domain", "4");
        s.write(mdevPath(UUID_B) + "/assign_domain", "5");
        k.attachGuest(UUID_A, "vm1");
        s.write("/sys/bus/ap/scans", "1");
        s.write("/sys/bus/ap/config_time", "60");
        // firmware change survives the reboot
        k.setHostConfiguration(ApMask.of(5, 6), ApMask.of(4, 5, 6), ApMask.of(4));

        k.reboot();

        assertThat(k.boots()).isEqualTo(2);
        assertThat(s.read("/sys/bus/ap/apmask")).isEqualTo(ApMask.all().without(6).toSysfs());
        assertThat(s.read("/sys/bus/ap/scans")).isEqualTo("1\n");
        assertThat(s.read("/sys/bus/ap/config_time")).isEqualTo("30\n");
        assertThat(s.list("/sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/devices"))
                .containsExactly(UUID_B);
        assertThat(s.read(mdevPath(UUID_B) + "/matrix")).isEqualTo("06.0004\n");
        assertThat(k.guestView("vm1")).isEmpty();
        assertThat(s.exists("/sys/devices/ap/card07")).isFalse();
        assertThat(s.readLink("/sys/devices/ap/card05/05.0004/driver")).contains("../../../../bus/ap/drivers/cex4queue");
        assertThat(k.zeroizeCount(Apqn.of(5, 4))).isZero();
        assertThat(k.uevents()).extracting(Uevent::env).anyMatch(env -> "done".equals(env.get("INITSCAN")));
    }
}
