package dev.apqn.apbus.sim;

import dev.apqn.ap.ApMask;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A node's AP hardware and kernel as the simulated kernel boots it: the cards, the host
 * configuration (what QCI reports), the kernel's capability set, and optional initial state
 * (boot-time masks and mdevs made outside the operator). Loaded from YAML by
 * {@link MachineProfiles}; validated there with messages that name the field.
 *
 * <p>Cards and host configuration are independent, as on a real machine: a card whose adapter is
 * not in {@link HostConfig#adapters()} is installed but configured to another LPAR (no card
 * device), and a configured adapter without a card gets no device either (TAPQ finds no type).
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

    /** {@code ap_max_adapter_id} of a machine without the APXA facility. */
    public static final int NO_APXA_MAX_ADAPTER_ID = 63;
    /** {@code ap_max_domain_id} of a machine without the APXA facility. */
    public static final int NO_APXA_MAX_DOMAIN_ID = 15;
    /** The TAPQ queue depth field when a profile does not give one (lszcrypt {@code QDEPTH 08}). */
    public static final int DEFAULT_DEPTH = 8;

    public MachineProfile {
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(hostConfig, "hostConfig");
        name = name == null ? "" : name;
        description = description == null ? "" : description;
        cards = cards == null ? List.of() : List.copyOf(cards);
        initial = initial == null ? InitialState.defaults() : initial;
    }

    /** Whether the ids go beyond the non-APXA limits (63 adapters / 15 domains), i.e. APXA is installed. */
    public boolean apxa() {
        return maxAdapterId > NO_APXA_MAX_ADAPTER_ID || maxDomainId > NO_APXA_MAX_DOMAIN_ID;
    }

    /** The card with this adapter id, if one is installed. */
    public Optional<Card> card(int adapter) {
        return cards.stream().filter(c -> c.id() == adapter).findFirst();
    }

    /** The adapter ids of all installed cards. */
    public ApMask cardIds() {
        return ApMask.of(cards.stream().map(Card::id).toList());
    }

    /** Adapters that get a card device: installed and configured. */
    public ApMask deviceAdapters() {
        return cardIds().and(hostConfig.adapters());
    }

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

        /** The name used in machine profiles: {@code CCA}, {@code EP11}, {@code accelerator}. */
        public String yamlName() {
            return this == ACCELERATOR ? "accelerator" : name();
        }
    }

    /**
     * One crypto card (adapter). {@code functions} is the card's {@code ap_functions} word (0 means:
     * derive a realistic value from the mode, see {@link #realisticFunctions}; the loader always
     * stores a non-zero word); {@code depth} the TAPQ queue depth field.
     */
    public record Card(int id, Generation generation, Mode mode, int functions, int depth) {

        /** {@code ap_functions} bits, MSB0 (ap-bus.md §7.2), in lszcrypt letter order S M C D A X N H F R. */
        public static final int FN_APSC = 0x80000000;
        public static final int FN_RSA_ME_4K = 0x40000000;
        public static final int FN_RSA_CRT_4K = 0x20000000;
        public static final int FN_COPRO = 0x10000000;
        public static final int FN_ACCEL = 0x08000000;
        public static final int FN_EP11 = 0x04000000;
        public static final int FN_APXA = 0x02000000;
        public static final int FN_HW_FILTER = 0x01000000;
        public static final int FN_FULL = 0x00800000;
        public static final int FN_RESTRICTED = 0x00400000;
        /** The lszcrypt letters of bits 0..9. */
        public static final String FUNCTION_LETTERS = dev.apqn.ap.ApCard.FUNCTION_LETTERS;
        public static final int MODE_BITS = FN_COPRO | FN_ACCEL | FN_EP11;

        public Card {
            if (id < 0 || id > 255) {
                throw new IllegalArgumentException("card id " + id + " is out of range 0..255");
            }
            Objects.requireNonNull(generation, "generation");
            Objects.requireNonNull(mode, "mode");
            if (depth < 0 || depth > 255) {
                throw new IllegalArgumentException("card depth " + depth + " is out of range 0..255");
            }
        }

        /** A card with realistic functions for its mode (APXA assumed) and the default depth. */
        public static Card of(int id, Generation generation, Mode mode) {
            return new Card(id, generation, mode, realisticFunctions(mode, true), DEFAULT_DEPTH);
        }

        /**
         * A realistic {@code ap_functions} word for a mode: CCA = S M C D N F, EP11 = S X N F,
         * accelerator = M C A N F; the N (APXA) bit only when the machine has APXA.
         */
        public static int realisticFunctions(Mode mode, boolean apxa) {
            int f = switch (mode) {
                case CCA -> FN_APSC | FN_RSA_ME_4K | FN_RSA_CRT_4K | FN_COPRO | FN_FULL;
                case EP11 -> FN_APSC | FN_EP11 | FN_FULL;
                case ACCELERATOR -> FN_RSA_ME_4K | FN_RSA_CRT_4K | FN_ACCEL | FN_FULL;
            };
            return apxa ? f | FN_APXA : f;
        }

        /** {@link #functions()}, or the realistic word for the mode when it is 0. */
        public int effectiveFunctions() {
            return functions != 0 ? functions : realisticFunctions(mode, true);
        }

        /** What {@code hwtype} prints, e.g. 14 for CEX8. */
        public int hwtype() {
            return generation.hwtype();
        }

        /** The zcrypt type name, e.g. {@code CEX8C}. */
        public String typeName() {
            return generation.name() + mode.typeSuffix();
        }

        /** The lszcrypt FUNCTIONS column of bits 0..8, e.g. {@code SMCD--N-F}. */
        public String functionLetters() {
            int f = effectiveFunctions();
            StringBuilder sb = new StringBuilder();
            for (int bit = 0; bit < 9; bit++) {
                sb.append((f & (0x80000000 >>> bit)) != 0 ? FUNCTION_LETTERS.charAt(bit) : '-');
            }
            return sb.toString();
        }
    }

    /**
     * What the firmware (QCI) gives this LPAR: configured adapters, usage domains and control
     * domains. Adapters configured without a card in {@link #cards} get no device; cards whose
     * adapter is not configured get no device either.
     */
    public record HostConfig(ApMask adapters, ApMask usageDomains, ApMask controlDomains) {
        public HostConfig {
            adapters = adapters == null ? ApMask.none() : adapters;
            usageDomains = usageDomains == null ? ApMask.none() : usageDomains;
            controlDomains = controlDomains == null ? ApMask.none() : controlDomains;
        }
    }

    /**
     * Boot-time state: the masks the kernel starts with (all ones when absent, as without
     * {@code ap.apmask=}), whether vfio_ap is loaded, and mdevs that exist at boot (for example
     * made by mdevctl, outside the operator).
     */
    public record InitialState(ApMask apmask, ApMask aqmask, boolean vfioApLoaded, List<Mdev> mdevs) {
        public InitialState {
            apmask = apmask == null ? ApMask.all() : apmask;
            aqmask = aqmask == null ? ApMask.all() : aqmask;
            mdevs = mdevs == null ? List.of() : List.copyOf(mdevs);
        }

        /** Kernel defaults: all-ones masks, vfio_ap not loaded, no mdevs. */
        public static InitialState defaults() {
            return new InitialState(ApMask.all(), ApMask.all(), false, List.of());
        }
    }

    /** An mdev present at boot. */
    public record Mdev(String uuid, ApMask adapters, ApMask domains, ApMask controlDomains) {
        public Mdev {
            Objects.requireNonNull(uuid, "uuid");
            adapters = adapters == null ? ApMask.none() : adapters;
            domains = domains == null ? ApMask.none() : domains;
            controlDomains = controlDomains == null ? ApMask.none() : controlDomains;
        }
    }
}
