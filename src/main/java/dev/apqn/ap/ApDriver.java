package dev.apqn.ap;

/**
 * The driver an AP queue device is bound to, as the basename of its {@code driver} link shows.
 * Only {@link #CEX4QUEUE} (the host zcrypt driver) and {@link #VFIO_AP} can be bound to or
 * unbound from; {@link #NONE} means the device has no driver, {@link #OTHER} a driver this
 * operator does not know (left alone).
 */
public enum ApDriver {
    CEX4QUEUE("cex4queue"),
    VFIO_AP("vfio_ap"),
    NONE("none"),
    OTHER("other");

    private final String sysfsName;

    ApDriver(String sysfsName) {
        this.sysfsName = sysfsName;
    }

    /** The driver directory name under {@code /sys/bus/ap/drivers/} (for NONE/OTHER: a label). */
    public String sysfsName() {
        return sysfsName;
    }

    /** True for the drivers whose {@code bind}/{@code unbind} files the operator writes. */
    public boolean isBindable() {
        return this == CEX4QUEUE || this == VFIO_AP;
    }

    /** Maps a driver name (basename of the {@code driver} link); null or empty means NONE. */
    public static ApDriver ofName(String name) {
        if (name == null || name.isEmpty()) {
            return NONE;
        }
        for (ApDriver d : values()) {
            if (d.isBindable() && d.sysfsName.equals(name)) {
                return d;
            }
        }
        return OTHER;
    }

    @Override
    public String toString() {
        return sysfsName;
    }
}
