package dev.apqn.apbus;

import dev.apqn.ap.ApMask;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.Matrix;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * Lays out a fake sysfs tree of regular files (and driver symlinks) under a temp directory, in
 * the kernel's formats (ap-bus.md §1), for {@link SysfsApBus} over {@link FileSysfs}. No kernel
 * behaviour: a write just replaces the file's bytes, so a test can check exactly what was written.
 */
final class ApFakeSysfsTree {

    final Path root;

    ApFakeSysfsTree(Path root) {
        this.root = root;
    }

    /** Bus files of a 6.12-like kernel with both masks all ones, drivers present, vfio_ap loaded. */
    ApFakeSysfsTree bus(int maxAdapter, int maxDomain) {
        String all = ApMask.all().toSysfs();
        file("/sys/bus/ap/apmask", all);
        file("/sys/bus/ap/aqmask", all);
        file("/sys/bus/ap/ap_adapter_mask", all);
        file("/sys/bus/ap/ap_usage_domain_mask", all);
        file("/sys/bus/ap/ap_control_domain_mask", all);
        file("/sys/bus/ap/ap_max_adapter_id", maxAdapter + "\n");
        file("/sys/bus/ap/ap_max_domain_id", maxDomain + "\n");
        file("/sys/bus/ap/ap_domain", "4\n");
        file("/sys/bus/ap/bindings", "0/0 (complete)\n");
        file("/sys/bus/ap/scans", "3\n");
        file("/sys/bus/ap/features", "APSC APXA QACT\n");
        file("/sys/bus/ap/drivers_probe", "");
        for (String d : new String[] {"cex4card", "cex4queue", "vfio_ap"}) {
            file("/sys/bus/ap/drivers/" + d + "/bind", "");
            file("/sys/bus/ap/drivers/" + d + "/unbind", "");
        }
        file("/sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create", "");
        file("/sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/available_instances", "65536\n");
        dir("/sys/devices/ap");
        return this;
    }

    ApFakeSysfsTree matrixFeatures(String words) {
        file("/sys/devices/vfio_ap/matrix/features", words + "\n");
        return this;
    }

    ApFakeSysfsTree card(int id, String type) {
        String dir = SysfsApBus.cardDir(id);
        file(dir + "/hwtype", "14\n");
        file(dir + "/type", type + "\n");
        file(dir + "/ap_functions", "0x92800000\n");
        file(dir + "/config", "1\n");
        file(dir + "/chkstop", "0\n");
        file(dir + "/online", "1\n");
        return this;
    }

    /** A queue bound to {@code driver} ("cex4queue", "vfio_ap" or null for none). */
    ApFakeSysfsTree queue(Apqn q, String driver, boolean driverOverrideFile) {
        String dir = SysfsApBus.queueDir(q);
        file(dir + "/config", "1\n");
        file(dir + "/chkstop", "0\n");
        file(dir + "/requestq_count", "0\n");
        file(dir + "/pendingq_count", "0\n");
        file(dir + "/reset", "No Reset Timer set.\n");
        if (driverOverrideFile) {
            file(dir + "/driver_override", "\n");
        }
        bindLink(q, driver);
        return this;
    }

    /** Points (or removes) the queue's driver link, as the kernel would after a (re)bind. */
    ApFakeSysfsTree bindLink(Apqn q, String driver) {
        String dir = SysfsApBus.queueDir(q);
        try {
            Path link = path(dir + "/driver");
            Files.deleteIfExists(link);
            Files.deleteIfExists(path(dir + "/online"));
            Files.deleteIfExists(path(dir + "/status"));
            if (driver != null) {
                Files.createSymbolicLink(link, path("/sys/bus/ap/drivers/" + driver));
                Files.createSymbolicLink(path("/sys/bus/ap/drivers/" + driver + "/" + q), path(dir));
                if (driver.equals("cex4queue")) {
                    file(dir + "/online", "1\n");
                } else if (driver.equals("vfio_ap")) {
                    file(dir + "/status", "unassigned\n");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** An mdev directory with the files of a kernel at the given level. */
    ApFakeSysfsTree mdev(UUID uuid, boolean guestMatrix, boolean apConfig) {
        String dir = SysfsApBus.mdevDir(uuid);
        for (String f : new String[] {"assign_adapter", "unassign_adapter", "assign_domain", "unassign_domain",
                "assign_control_domain", "unassign_control_domain", "remove"}) {
            file(dir + "/" + f, "");
        }
        file(dir + "/matrix", "");
        file(dir + "/control_domains", "");
        if (guestMatrix) {
            file(dir + "/guest_matrix", "");
        }
        if (apConfig) {
            file(dir + "/ap_config", Matrix.EMPTY.toApConfigText());
        }
        return this;
    }

    ApFakeSysfsTree file(String sysfsPath, String content) {
        try {
            Path p = path(sysfsPath);
            Files.createDirectories(p.getParent());
            Files.writeString(p, content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    ApFakeSysfsTree dir(String sysfsPath) {
        try {
            Files.createDirectories(path(sysfsPath));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    String content(String sysfsPath) {
        try {
            return Files.readString(path(sysfsPath), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path path(String sysfsPath) {
        return root.resolve(sysfsPath.substring(1));
    }
}
