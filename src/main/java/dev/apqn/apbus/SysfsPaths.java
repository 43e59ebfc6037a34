package dev.apqn.apbus;

import dev.apqn.ap.ApDriver;
import dev.apqn.ap.Apqn;
import java.util.UUID;
import java.util.regex.Pattern;

/** Where the AP bus, its devices and vfio_ap live in sysfs (ap-bus.md §1, §2), and how entries are named. */
final class SysfsPaths {

    static final String BUS = "/sys/bus/ap";
    static final String DEVICES = "/sys/devices/ap";
    static final String MATRIX = "/sys/devices/vfio_ap/matrix";
    static final String MDEV_TYPE = MATRIX + "/mdev_supported_types/vfio_ap-passthrough";

    static final Pattern CARD = Pattern.compile("card[0-9a-f]{2}");
    static final Pattern QUEUE = Pattern.compile("[0-9a-f]{2}\\.[0-9a-f]{4}");
    static final Pattern UUID_DIR = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private SysfsPaths() {
    }

    static String cardDir(int adapter) {
        return DEVICES + "/" + Apqn.cardName(adapter);
    }

    static String queueDir(Apqn apqn) {
        return cardDir(apqn.adapter()) + "/" + apqn;
    }

    static String mdevDir(UUID uuid) {
        return MATRIX + "/" + uuid;
    }

    /** The directory of a queue driver, whose listing shows the queues bound to it. */
    static String driverDir(ApDriver driver) {
        return BUS + "/drivers/" + driver.sysfsName();
    }
}
