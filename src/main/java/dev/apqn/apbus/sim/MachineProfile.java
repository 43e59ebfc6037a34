package dev.apqn.apbus.sim;

import dev.apqn.apbus.ApMask;

import java.util.List;

/**
 * A node's AP hardware and kernel as the simulated kernel boots it: the cards, the host
 * configuration (what QCI reports), the kernel's capability set, and optional initial state
 * (boot-time masks and mdevs made outside the operator). Loaded from YAML by
 * {@link MachineProfiles}; validated there with messages that name the field.
 */
public record MachineProfile(
        String name,
        String description,
        KernelLevel kernel,
        int maxAdapterId,
        int maxDomainId,
        List<Card> cards,
        HostConfig hostConfig,
        InitialState initial) {

    /** Crypto Express generations; the AP type number is what {@code hwtype} prints. */
    public enum Generation {
        CEX4(10), CEX5(11), CEX6(12), CEX7(13), CEX8(14);

        private final int hwtype;

        Generation(int hwtype) {
            this.hwtype = hwtype;
        }

        public int hwtype() {
            return hwtype;
        }
    }

    /** Card modes and their {@code ap_functions} bit and zcrypt type suffix (ap-bus.md §7.2). */
    public enum Mode {
        CCA(0x10000000, 'C', "CCA-Coproc"),
        ACCELERATOR(0x08000000, 'A', "Accelerator"),
        EP11(0x04000000, 'P', "EP11-Coproc");

        private final int functionBit;
        private final char typeSuffix;
        private final String lszcryptName;

        Mode(int functionBit, char typeSuffix, String lszcryptName) {
            this.functionBit = functionBit;
            this.typeSuffix = typeSuffix;
            this.lszcryptName = lszcryptName;
        }

        public int functionBit() {
            return functionBit;
        }

        public char typeSuffix() {
            return typeSuffix;
        }

        public String lszcryptName() {
            return lszcryptName;
        }
    }

    /**
     * One crypto card (adapter). {@code functions} is the card's {@code ap_functions} word (0 means:
     * derive a realistic value from the mode); {@code depth} the TAPQ queue depth field.
     */
    public record Card(int id, Generation generation, Mode mode, int functions, int depth) {
    }

    /**
     * What the firmware (QCI) gives this LPAR: configured adapters, usage domains and control
     * domains. Adapters configured without a card in {@link #cards} get no device.
     */
    public record HostConfig(ApMask adapters, ApMask usageDomains, ApMask controlDomains) {
    }

    /**
     * Boot-time state: the masks the kernel starts with (all ones when absent, as without
     * {@code ap.apmask=}), whether vfio_ap is loaded, and mdevs that exist at boot (for example
     * made by mdevctl, outside the operator).
     */
    public record InitialState(ApMask apmask, ApMask aqmask, boolean vfioApLoaded, List<Mdev> mdevs) {
    }

    /** An mdev present at boot. */
    public record Mdev(String uuid, ApMask adapters, ApMask domains, ApMask controlDomains) {
    }
}
