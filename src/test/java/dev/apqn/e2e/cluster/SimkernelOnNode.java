package dev.apqn.e2e.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One node's simulated kernel as the node itself sees it (a shell in the node's container, not a
 * pod, not the API): the AP sysfs the chart's simkernel DaemonSet serves at
 * {@value #ROOT}{@code /sys}, and its control files (docs/simkernel.md). What the tests read here is
 * what the agent's writes did to the "host", independent of what the agent reports.
 */
final class SimkernelOnNode {

    /** The chart's default {@code agent.hostPaths.simkernel} plus the mount's directory. */
    static final String ROOT = "/run/apqn-simkernel/root";
    static final String CONTROL = ROOT + "/sys/kernel/debug/apqn-sim/";
    static final String MATRIX = "/sys/devices/vfio_ap/matrix";
    static final String CREATE = MATRIX + "/mdev_supported_types/vfio_ap-passthrough/create";
    private static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private final NodeCluster cluster;
    private final String node;

    SimkernelOnNode(NodeCluster cluster, String node) {
        this.cluster = cluster;
        this.node = node;
    }

    String node() {
        return node;
    }

    /** True once the simkernel's file system is mounted on the node. */
    boolean mounted() {
        return cluster.exec(node, "test", "-d", ROOT + "/sys/bus/ap").exitCode() == 0;
    }

    /** An attribute's content, e.g. {@code read("/sys/bus/ap/apmask")}. */
    String read(String sysfsPath) {
        return sh("cat " + ROOT + sysfsPath);
    }

    /** The mdev UUIDs under the matrix device. */
    List<String> mdevs() {
        return Arrays.stream(sh("ls " + ROOT + MATRIX).split("\\s+")).filter(n -> UUID.matcher(n).matches()).sorted().toList();
    }

    /** The APQNs an mdev's {@code matrix} attribute shows, one per line. */
    List<String> matrixOf(String uuid) {
        return read(MATRIX + "/" + uuid + "/matrix").lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }

    /** The number of an mdev's IOMMU group (its {@code iommu_group} link's target), the N of /dev/vfio/N. */
    String iommuGroupOf(String uuid) {
        var r = cluster.exec(node, "readlink", ROOT + MATRIX + "/" + uuid + "/iommu_group");
        assertThat(r.exitCode()).as("iommu_group of %s on %s: %s", uuid, node, r.stderr()).isZero();
        return r.stdout().strip().replaceFirst(".*/", "");
    }

    /** The driver a queue device is bound to ({@code vfio_ap}, {@code cex4queue}), if any. */
    Optional<String> driverOf(String apqn) {
        var r = cluster.exec(node, "readlink", ROOT + "/sys/bus/ap/devices/" + apqn + "/driver");
        return r.exitCode() == 0 ? Optional.of(r.stdout().strip().replaceFirst(".*/", "")) : Optional.empty();
    }

    /** Holds every later write to {@code sysfsPath} until {@link #releaseWrites}. */
    void holdWrites(String sysfsPath) {
        sh("echo " + sysfsPath + " > " + CONTROL + "hold_writes");
    }

    void releaseWrites(String sysfsPath) {
        sh("echo " + sysfsPath + " > " + CONTROL + "release_writes");
    }

    /** Lifts every hold (a test's cleanup). */
    void releaseAllWrites() {
        sh("echo all > " + CONTROL + "release_writes");
    }

    /** How many writes to {@code sysfsPath} are blocked in a hold now. */
    int blockedWrites(String sysfsPath) {
        return sh("cat " + CONTROL + "hold_writes").lines().filter(l -> l.startsWith(sysfsPath + " blocked="))
                .mapToInt(l -> Integer.parseInt(l.substring(l.indexOf('=') + 1).strip())).sum();
    }

    /** Every write that reached the simkernel, oldest first: {@code <seq> <path> <value> <ok|ERRNO>}. */
    List<String> writes() {
        return sh("cat " + CONTROL + "writes").lines().toList();
    }

    /**
     * Threads left of process {@code pid} (0 once it is gone). A JVM killed while one thread is inside
     * a held write keeps only that thread until the write returns (FUSE waits for the answer of a
     * request it already sent, uninterruptibly, as a store handler would).
     */
    int threadsOf(long pid) {
        String out = sh("ls /proc/" + pid + "/task 2>/dev/null | wc -l").strip();
        return Integer.parseInt(out);
    }

    private String sh(String script) {
        var r = cluster.exec(node, "sh", "-c", script);
        assertThat(r.exitCode()).as("on node %s: %s\n%s", node, script, r.stderr()).isZero();
        return r.stdout();
    }
}
