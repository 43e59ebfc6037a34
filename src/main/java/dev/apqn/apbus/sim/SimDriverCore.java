package dev.apqn.apbus.sim;

import dev.apqn.ap.Errno;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The generic driver-core files of the simulated sysfs (ap-bus.md §1.10): the device {@code uevent}
 * attribute (content and synthetic-uevent writes), the {@code subsystem}, {@code driver},
 * {@code module} and {@code iommu_group} links and the small parts of {@code /sys/module} and
 * {@code /sys/kernel/iommu_groups} those links point to. Runs under the kernel lock.
 *
 * <p>A device's {@code uevent} file (mode 0644) prints what {@code dev_uevent} adds, one
 * {@code KEY=value} per line: {@code DRIVER=} while bound, then the bus's variables (the AP bus:
 * {@code DEV_TYPE}, {@code MODALIAS}, {@code MODE} for cards, {@code MODE} for queues; the matrix and
 * mdev buses add none). Devices on no bus (the root devices {@code /sys/devices/ap} and
 * {@code /sys/devices/vfio_ap}) read empty: {@code dev_uevent_filter} drops them. Bus and driver
 * {@code uevent} files stay write-only (0200). The {@code CONFIG=}/{@code ONLINE=}/{@code APMASK=}
 * variables belong to single change events, not to the file.
 */
final class SimDriverCore {

    /** lib/kobject_uevent.c {@code kobject_actions}. */
    private static final List<String> ACTIONS = List.of("add", "remove", "change", "move", "online", "offline", "bind", "unbind");
    private static final Pattern UUID = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Pattern WORD = Pattern.compile("[A-Za-z0-9]+");

    /** The module that registers the AP drivers cex4card/cex4queue. */
    static final String ZCRYPT_MODULE = "zcrypt_cex4";
    static final String VFIO_AP_MODULE = "vfio_ap";

    private final SimKernel k;

    SimDriverCore(SimKernel kernel) {
        this.k = kernel;
    }

    // ---------------------------------------------------------------- uevent file contents

    String cardUevent(SimCard c) {
        return driverLine(c.driver) + String.format("DEV_TYPE=%04X\nMODALIAS=ap:t%02X\n", hwtype(c), hwtype(c))
                + "MODE=" + modeName(c) + "\n";
    }

    String queueUevent(SimQueue q) {
        return driverLine(q.driver) + "MODE=" + modeName(k.cards().get(q.apqn().adapter())) + "\n";
    }

    /** The matrix device is bound to the matrix bus's vfio_ap driver from the moment the module loads. */
    String matrixUevent() {
        return "DRIVER=vfio_ap\n";
    }

    String mdevUevent() {
        return "DRIVER=" + k.capabilities().mdevDriver() + "\n";
    }

    private static String driverLine(SimDriver d) {
        return d == null ? "" : "DRIVER=" + d.sysfsName() + "\n";
    }

    private static int hwtype(SimCard c) {
        return c.hardware().generation().hwtype();
    }

    /** The AP bus's {@code MODE=} value of a card (and of its queues). */
    static String modeName(SimCard c) {
        return switch (c.hardware().mode()) {
            case CCA -> "cca";
            case ACCELERATOR -> "accel";
            case EP11 -> "ep11";
        };
    }

    // ---------------------------------------------------------------- synthetic uevents

    /**
     * A write to a device's {@code uevent} file ({@code kobject_synth_uevent}): an action name, then
     * optionally a space, a 36-character UUID and space-separated {@code KEY=VALUE} pairs of letters
     * and digits; one trailing newline or NUL is ignored. Anything else is EINVAL. The event is sent
     * with {@code SYNTH_UUID} (0 without arguments) and {@code SYNTH_ARG_KEY=VALUE}, plus the
     * device's own variables; for a device on no bus ({@code devpath == null}) it is filtered out
     * and the write still succeeds.
     */
    void synthUevent(String devpath, String deviceVariables, String raw) {
        String text = raw.endsWith("\n") || raw.endsWith("\0") ? raw.substring(0, raw.length() - 1) : raw;
        int space = text.indexOf(' ');
        String action = space < 0 ? text : text.substring(0, space);
        if (!ACTIONS.contains(action)) {
            throw new SimKernelException(Errno.EINVAL, "unknown uevent action string " + "'" + action + "'");
        }
        Map<String, String> env = new LinkedHashMap<>();
        for (String line : deviceVariables.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                env.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        if (space < 0) {
            env.put("SYNTH_UUID", "0");
        } else {
            parseSynthArguments(text.substring(space + 1), env);
        }
        if (devpath != null) {
            k.uevent(action, devpath, env);
        }
    }

    private static void parseSynthArguments(String args, Map<String, String> env) {
        if (args.length() < 36 || !UUID.matcher(args.substring(0, 36)).matches()) {
            throw new SimKernelException(Errno.EINVAL, "incorrect uevent action arguments: no UUID");
        }
        env.put("SYNTH_UUID", args.substring(0, 36));
        String rest = args.substring(36);
        while (!rest.isEmpty()) {
            if (rest.charAt(0) != ' ') {
                throw new SimKernelException(Errno.EINVAL, "incorrect uevent action arguments: expected ' KEY=VALUE'");
            }
            int end = rest.indexOf(' ', 1);
            String pair = end < 0 ? rest.substring(1) : rest.substring(1, end);
            int eq = pair.indexOf('=');
            if (eq <= 0 || !WORD.matcher(pair.substring(0, eq)).matches() || !WORD.matcher(pair.substring(eq + 1)).matches()) {
                throw new SimKernelException(Errno.EINVAL, "incorrect uevent action arguments: " + "'" + pair + "'");
            }
            env.put("SYNTH_ARG_" + pair.substring(0, eq), pair.substring(eq + 1));
            rest = end < 0 ? "" : rest.substring(end);
        }
    }

    // ---------------------------------------------------------------- /sys/module and /sys/kernel

    /** The loaded modules that own a driver of the model, each with its {@code drivers/} back links. */
    Map<String, Map<String, String>> modules() {
        Map<String, Map<String, String>> m = new LinkedHashMap<>();
        m.put(ZCRYPT_MODULE, Map.of(
                "ap:cex4card", "../../../bus/ap/drivers/cex4card",
                "ap:cex4queue", "../../../bus/ap/drivers/cex4queue"));
        if (k.vfioApLoaded()) {
            SimCapabilities caps = k.capabilities();
            Map<String, String> vfio = new LinkedHashMap<>();
            vfio.put("ap:vfio_ap", "../../../bus/ap/drivers/vfio_ap");
            if (caps.mdevDriverModule().equals(VFIO_AP_MODULE)) {
                vfio.put("mdev:" + caps.mdevDriver(), "../../../bus/mdev/drivers/" + caps.mdevDriver());
            } else {
                m.put(caps.mdevDriverModule(), Map.of("mdev:" + caps.mdevDriver(), "../../../bus/mdev/drivers/" + caps.mdevDriver()));
            }
            m.put(VFIO_AP_MODULE, vfio);
        }
        return m;
    }

    /** {@code module} link of an AP driver directory (ap_driver_register passes THIS_MODULE). */
    static String apDriverModuleLink(SimDriver d) {
        return "../../../../module/" + (d == SimDriver.VFIO_AP ? VFIO_AP_MODULE : ZCRYPT_MODULE);
    }

    /** Relative target of an mdev's {@code iommu_group} link. */
    static String iommuGroupLink(SimMdev m) {
        return "../../../../kernel/iommu_groups/" + m.iommuGroup;
    }

    /** The mdev in IOMMU group {@code id}, or null. */
    SimMdev mdevInIommuGroup(String id) {
        for (SimMdev m : k.vfio().mdevs.values()) {
            if (Integer.toString(m.iommuGroup).equals(id)) {
                return m;
            }
        }
        return null;
    }
}
