package dev.apqn.apbus;

import dev.apqn.ap.ApDriver;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.Errno;
import dev.apqn.apbus.sim.MachineProfiles;
import dev.apqn.apbus.sim.SimKernel;
import dev.apqn.apbus.sim.SimSysfs;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A queue without a driver has no "driver" link; it must stay in the inventory as unbound. */
class UnboundQueueInventoryTest {

    @Test
    void manuallyUnboundQueueIsInventoriedWithoutDriver() throws Exception {
        SimSysfs sysfs = new SimSysfs(SimKernel.boot(MachineProfiles.loadResource("mask-mode-apconfig"), 1));
        SysfsApBus bus = new SysfsApBus(sysfs);
        Apqn q = Apqn.of(5, 4);

        bus.unbind(q, ApDriver.CEX4QUEUE);

        assertThat(sysfs.readLink("/sys/devices/ap/card05/05.0004/driver")).isEmpty();
        assertThat(bus.driverOf(q)).isEqualTo(ApDriver.NONE);
        assertThat(bus.inventory().queues().get(q).driver()).isEqualTo(ApDriver.NONE);
        assertThat(bus.busState().bindings().orElseThrow().complete()).isFalse();
    }

    @Test
    void linkInAMissingDirectoryIsEnoent() {
        SimSysfs sysfs = new SimSysfs(SimKernel.boot(MachineProfiles.loadResource("mask-mode-apconfig"), 1));
        assertThatThrownBy(() -> sysfs.readLink("/sys/devices/ap/card7f/7f.0001/driver"))
                .isInstanceOfSatisfying(SysfsException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOENT));
    }
}
