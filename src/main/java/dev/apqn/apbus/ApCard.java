package dev.apqn.apbus;

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

    /** The card's mode, from the mode bits of {@code ap_functions} (ap-bus.md §7.2). */
    public enum Mode {
        CCA, ACCELERATOR, EP11, UNKNOWN;

        static Mode ofFunctions(int functions) {
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

    /** The card device name, e.g. {@code card05}. */
    public String name() {
        return String.format("card%02x", id);
    }
}
