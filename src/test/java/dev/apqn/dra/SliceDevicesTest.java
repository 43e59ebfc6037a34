package dev.apqn.dra;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apqn.ap.ApMask;
import dev.apqn.ap.Matrix;
import dev.apqn.apbus.sim.MachineProfiles;
import dev.apqn.apbus.sim.SimKernel;
import dev.apqn.apbus.SysfsApBus;
import dev.apqn.apbus.ApInventory;
import dev.apqn.apbus.sim.SimSysfs;
import dev.apqn.api.v1alpha1.ReservationSync;
import io.fabric8.kubernetes.api.model.resource.v1.Device;

import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

class SliceDevicesTest {

    static final ApInventory INVENTORY = inventory();

    static ApInventory inventory() {
        try {
            return new SysfsApBus(new SimSysfs(SimKernel.boot(MachineProfiles.resolve("mask-mode-apconfig"), 1))).inventory();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static ReservationSync sync(String reservation, String uuid, ReservationSync.State state) {
        var s = new ReservationSync();
        s.setReservation(reservation);
        s.setMdevUuid(uuid);
        s.setState(state);
        return s;
    }

    @Test
    void onlyReadyReservationsWhoseMdevTheHostHasBecomeDevices() {
        // the profile boots without mdevs: a Ready sync whose mdev the inventory lacks is not handed out
        assertThat(SliceDevices.of(List.of(sync("a/b", UUID.randomUUID().toString(), ReservationSync.State.Ready)), INVENTORY))
                .isEmpty();
        assertThat(SliceDevices.of(null, INVENTORY)).isEmpty();
    }

    @Test
    void aValueOverTheApisStringLimitIsLeftOutAndTheRestStays() {
        String longName = "r".repeat(70);
        Device d = SliceDevices.device("team/" + longName, UUID.fromString("0A1B2C3D-0000-4000-8000-000000000001"),
                new Matrix(ApMask.fromRange(0, 15), ApMask.fromRange(0, 15), ApMask.of(1)), INVENTORY);
        assertThat(d.getName()).isEqualTo("0a1b2c3d-0000-4000-8000-000000000001");
        assertThat(d.getAttributes()).doesNotContainKeys(DraDriver.ATTR_RESERVATION_NAME, DraDriver.ATTR_APQNS, DraDriver.ATTR_DOMAINS)
                .containsKeys(DraDriver.ATTR_RESERVATION_NAMESPACE, DraDriver.ATTR_APQN_COUNT, DraDriver.ATTR_ADAPTERS, DraDriver.ATTR_CONTROL_DOMAINS);
        assertThat(d.getAttributes().get(DraDriver.ATTR_APQN_COUNT).getInt()).isEqualTo(256L);
        assertThat(d.getAttributes().get(DraDriver.ATTR_CONTROL_DOMAINS).getString()).isEqualTo("0001");
        assertThat(d.getAttributes().get(DraDriver.ATTR_ADAPTERS).getString())
                .isEqualTo("00,01,02,03,04,05,06,07,08,09,0a,0b,0c,0d,0e,0f");
        // cards 03-06 exist (CEX7C, CEX8C, CEX8P, CEX8A); the others of the matrix add nothing
        assertThat(d.getAttributes().get(DraDriver.ATTR_GENERATIONS).getString()).isEqualTo("CEX7,CEX8");
        assertThat(d.getAttributes().get(DraDriver.ATTR_MODES).getString()).isEqualTo("accel,cca,ep11");
    }

    @Test
    void devicesAreChunkedAt128PerSlice() {
        List<Device> many = java.util.stream.IntStream.range(0, 257).mapToObj(i -> new Device()).toList();
        assertThat(ResourceSlicePublisher.chunks(many)).extracting(List::size).containsExactly(128, 128, 1);
        assertThat(ResourceSlicePublisher.chunks(List.of())).isEmpty();
    }
}
