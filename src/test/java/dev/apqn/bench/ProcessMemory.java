package dev.apqn.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** CPU (/proc/&lt;pid&gt;/stat) and RSS (/proc/&lt;pid&gt;/status VmRSS) of a process, the load average; sizes in MiB. */
final class ProcessMemory {

    private ProcessMemory() {
    }

    /** VmRSS of a process, or -1 when unreadable (gone). */
    static double rssMiB(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    String kb = line.substring(6).trim().split("\\s+")[0];
                    return round(Long.parseLong(kb) / 1024.0);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** utime + stime of /proc/&lt;pid&gt;/stat in seconds (USER_HZ 100), or -1 when unreadable (gone). */
    static double cpu(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    static Map<String, Double> minus(Map<String, Double> after, Map<String, Double> before) {
        Map<String, Double> out = new LinkedHashMap<>();
        after.forEach((k, v) -> out.put(k, centi(v - before.getOrDefault(k, 0.0))));
        return out;
    }

    /** The 1-minute load average (/proc/loadavg): other work on the machine skews every timing. */
    static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    static double mib(long bytes) {
        return round(bytes / (1024.0 * 1024.0));
    }

    /** CPU seconds keep /proc's resolution (1/100 s). */
    static double centi(double v) {
        return Math.round(v * 100.0) / 100.0;
    }

    static double round(double v) {
        return Math.round(v * 10.0) / 10.0;
    }
}
