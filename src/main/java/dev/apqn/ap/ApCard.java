package dev.apqn.ap;

import java.util.Objects;
import java.util.Optional;

/**
 * One card device {@code /sys/devices/ap/cardNN} (ap-bus.md §1.4).
 *
 * @param id        the adapter number (APID)
 * @param hwtype    {@code hwtype}, the compatible AP type (10..14 = CEX4..CEX8)
 * @param type      zcrypt's {@code type}, e.g. {@code CEX8C}; present only while cex4card is bound
 * @param functions {@code ap_functions}
 * @param config    {@code config}: 1 configured, 0 deconfigured (standby)
 * @param chkstop   {@code chkstop}
 * @param online    zcrypt's {@code online}; present only while cex4card is bound
 */
public record ApCard(int id, int hwtype, Optional<String> type, int functions, boolean config, boolean chkstop,
                     Optional<Boolean> online) {

    /** The lszcrypt letters of {@code ap_functions} bits 0..9 (ap-bus.md §7.2). */
    public static final String FUNCTION_LETTERS = "SMCDAXNHFR";

    /** The card's mode, from the mode bits of {@code ap_functions} (ap-bus.md §7.2). */
    public enum Mode {
        CCA("CCA-Coproc"), ACCELERATOR("Accelerator"), EP11("EP11-Coproc"), UNKNOWN("Unknown");

        private final String lszcryptName;

        Mode(String lszcryptName) {
            this.lszcryptName = lszcryptName;
        }

        /** The text of lszcrypt's MODE column. */
        public String lszcryptName() {
            return lszcryptName;
        }

        public static Mode ofFunctions(int functions) {
            if ((functions & 0x10000000) != 0) {
                return CCA;
            }
            if ((functions & 0x08000000) != 0) {
                return ACCELERATOR;
            }
            if ((functions & 0x04000000) != 0) {
                return EP11;
            }
            return UNKNOWN;
        }
    }

    public ApCard {
        Apqn.checkId("adapter", id);
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(online, "online");
    }

    public Mode mode() {
        return Mode.ofFunctions(functions);
    }

    /** lszcrypt's FUNCTIONS column: one letter per set bit 0..9, {@code -} for clear bits. */
    public static String functionLetters(int functions) {
        StringBuilder sb = new StringBuilder();
        for (int bit = 0; bit < FUNCTION_LETTERS.length(); bit++) {
            sb.append((functions & (0x80000000 >>> bit)) != 0 ? FUNCTION_LETTERS.charAt(bit) : '-');
        }
        return sb.toString();
    }

    /** The card device name, e.g. {@code card05}. */
    public String name() {
        return String.format("card%02x", id);
    }
}
