package dev.apqn.apbus.sim;

import dev.apqn.ap.ApMask;

import java.util.ArrayList;
import java.util.List;

/** Machine profiles built in code for the simulated kernel's own tests. */
final class SimFixtures {

    static final String UUID_A = "11111111-2222-3333-4444-555555555555";
    static final String UUID_B = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";

    private SimFixtures() {
    }

    /** A builder: cards 05 (CEX8 CCA), 06 (CEX8 EP11), 07 (CEX7 accelerator); usage domains 4,5,6; APXA. */
    static Builder node() {
        return new Builder();
    }

    static final class Builder {
        KernelLevel level = KernelLevel.DRIVER_OVERRIDE;
        int maxA = 255;
        int maxD = 255;
        List<MachineProfile.Card> cards = new ArrayList<>(List.of(
                new MachineProfile.Card(5, MachineProfile.Generation.CEX8, MachineProfile.Mode.CCA, 0, 8),
                new MachineProfile.Card(6, MachineProfile.Generation.CEX8, MachineProfile.Mode.EP11, 0, 8),
                new MachineProfile.Card(7, MachineProfile.Generation.CEX7, MachineProfile.Mode.ACCELERATOR, 0, 8)));
        ApMask adapters = ApMask.of(5, 6, 7);
        ApMask domains = ApMask.of(4, 5, 6);
        ApMask controls = ApMask.of(4, 5, 6, 7);
        ApMask apmask = ApMask.all();
        ApMask aqmask = ApMask.all();
        boolean vfio = true;
        List<MachineProfile.Mdev> mdevs = new ArrayList<>();

        Builder level(KernelLevel l) {
            level = l;
            return this;
        }

        Builder masks(ApMask ap, ApMask aq) {
            apmask = ap;
            aqmask = aq;
            return this;
        }

        Builder vfio(boolean loaded) {
            vfio = loaded;
            return this;
        }

        Builder domains(ApMask d) {
            domains = d;
            return this;
        }

        Builder mdev(String uuid, ApMask apm, ApMask aqm) {
            mdevs.add(new MachineProfile.Mdev(uuid, apm, aqm, ApMask.none()));
            return this;
        }

        MachineProfile profile() {
            return new MachineProfile("test-" + level.yamlName(), "built in code", level, maxA, maxD, cards,
                    new MachineProfile.HostConfig(adapters, domains, controls),
                    new MachineProfile.InitialState(apmask, aqmask, vfio, mdevs));
        }

        SimKernel boot() {
            return SimKernel.boot(profile(), 7);
        }

        SimSysfs sysfs() {
            return new SimSysfs(boot()).withCallTimeout(java.time.Duration.ofMillis(200));
        }
    }

    static String mdevPath(String uuid) {
        return "/sys/devices/vfio_ap/matrix/" + uuid;
    }

    static final String CREATE = "/sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create";
}
