package dev.apqn.apbus.sim;

import java.util.Optional;

/** The AP bus drivers the simulated kernel knows (ap-bus.md §1.3). */
public enum SimDriver {
    /** zcrypt card driver; binds card devices regardless of the masks. */
    CEX4CARD("cex4card", true, true),
    /** zcrypt queue driver; binds default-owned queue devices. */
    CEX4QUEUE("cex4queue", true, false),
    /** vfio_ap; binds queue devices that are not default-owned. */
    VFIO_AP("vfio_ap", false, false);

    private final String sysfsName;
    private final boolean defaultDriver;
    private final boolean cardDriver;

    SimDriver(String sysfsName, boolean defaultDriver, boolean cardDriver) {
        this.sysfsName = sysfsName;
        this.defaultDriver = defaultDriver;
        this.cardDriver = cardDriver;
    }

    /** The directory name under {@code /sys/bus/ap/drivers/}. */
    public String sysfsName() {
        return sysfsName;
    }

    /** {@code AP_DRIVER_FLAG_DEFAULT}. */
    public boolean isDefault() {
        return defaultDriver;
    }

    /** Binds card devices (else queue devices). */
    public boolean bindsCards() {
        return cardDriver;
    }

    public static Optional<SimDriver> ofSysfsName(String name) {
        for (SimDriver d : values()) {
            if (d.sysfsName.equals(name)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }
}
