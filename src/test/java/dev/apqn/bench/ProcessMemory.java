package dev.apqn.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Heap (MemoryMXBean, after full GCs) and RSS (/proc/&lt;pid&gt;/status VmRSS) figures, in MiB. */
final class ProcessMemory {

    private ProcessMemory() {
    }

    /** Used heap after collecting garbage: the live set. */
    static double heapUsedAfterGcMiB() {
        for (int i = 0; i < 3; i++) {
            System.gc();
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return mib(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }

    static double heapCommittedMiB() {
        return mib(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted());
    }

    /** VmRSS of a process, or -1 when unreadable. */
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

    static double selfRssMiB() {
        return rssMiB(ProcessHandle.current().pid());
    }

    /** RSS of this JVM's child processes by command name (kube-apiserver, etcd). */
    static Map<String, Double> childrenRssMiB() {
        Map<String, Double> out = new LinkedHashMap<>();
        ProcessHandle.current().children().forEach(p -> {
            String cmd = p.info().command().map(c -> Path.of(c).getFileName().toString()).orElse("pid-" + p.pid());
            out.merge(cmd, rssMiB(p.pid()), Double::sum);
        });
        return out;
    }

    /** CPU seconds (user + system) used so far by this JVM and its children, by command name. */
    static Map<String, Double> cpuSeconds() {
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("jvm", cpu(ProcessHandle.current().pid()));
        ProcessHandle.current().children().forEach(p -> {
            String cmd = p.info().command().map(c -> Path.of(c).getFileName().toString()).orElse("pid-" + p.pid());
            out.merge(cmd, cpu(p.pid()), Double::sum);
        });
        return out;
    }

    /** utime + stime of /proc/&lt;pid&gt;/stat in seconds (USER_HZ 100). */
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
        after.forEach((k, v) -> out.put(k, round(v - before.getOrDefault(k, 0.0))));
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

    static double round(double v) {
        return Math.round(v * 10.0) / 10.0;
    }
}
