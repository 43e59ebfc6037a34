package dev.apqn.e2e.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What the release's pods cost on their nodes, read from {@code /proc} in the node containers (no
 * metrics-server here): each pod's JVM (found by the pod UID in its cgroup path), its RSS, its
 * CPU time since start, and its CPU use over a window. Printed by the tests, never asserted against
 * a number.
 */
record PodFootprint(List<Row> rows, Duration window) {

    /** One pod's JVM. */
    record Row(String component, String pod, String node, long rssKib, double cpuSeconds, double windowMillicores) {
    }

    private static final double CLOCK_TICKS = 100.0; // USER_HZ on Linux
    private static final String PROCS = "for p in $(ls /proc | grep -E '^[0-9]+$'); do "
            + "[ \"$(cat /proc/$p/comm 2>/dev/null)\" = java ] || continue; "
            + "h=$(grep -o 'pod[0-9a-f_-]\\{36\\}' /proc/$p/cgroup | head -n 1 | cut -c4- | tr _ -); "
            + "r=$(sed -n 's/^VmRSS:[[:space:]]*\\([0-9]*\\) kB/\\1/p' /proc/$p/status); "
            + "t=$(cut -d' ' -f14,15 /proc/$p/stat); echo \"$h $p $r $t\"; done";

    /** Samples every pod of the release twice, {@code window} apart. */
    static PodFootprint measure(NodeCluster cluster, KubernetesClient client, Duration window) {
        Map<String, String[]> first = sample(cluster);
        try {
            Thread.sleep(window.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        Map<String, String[]> second = sample(cluster);
        List<Row> rows = new ArrayList<>();
        for (Pod pod : client.pods().inNamespace(ChartRelease.NS).list().getItems()) {
            String name = pod.getMetadata().getName();
            String[] a = first.get(pod.getMetadata().getUid());
            String[] b = second.get(pod.getMetadata().getUid());
            if (a == null || b == null) {
                continue; // not a JVM (a finished hook Job), or restarted in between
            }
            double ticksA = Long.parseLong(a[1]) + Long.parseLong(a[2]);
            double ticksB = Long.parseLong(b[1]) + Long.parseLong(b[2]);
            rows.add(new Row(pod.getMetadata().getLabels().getOrDefault("app.kubernetes.io/component", "?"), name,
                    pod.getSpec().getNodeName(), Long.parseLong(b[0]), ticksB / CLOCK_TICKS,
                    (ticksB - ticksA) / CLOCK_TICKS * 1000 / window.toSeconds()));
        }
        rows.sort((x, y) -> (x.component() + x.node()).compareTo(y.component() + y.node()));
        return new PodFootprint(rows, window);
    }

    /** The pid (in its node's container) of {@code pod}'s JVM. */
    static long jvmPid(NodeCluster cluster, Pod pod) {
        String[] f = sample(cluster).get(pod.getMetadata().getUid());
        assertThat(f).as("a JVM of pod %s on its node", pod.getMetadata().getName()).isNotNull();
        return Long.parseLong(f[3]);
    }

    /** Pod UID → {RSS KiB, utime, stime, pid} of every JVM on every node. */
    private static Map<String, String[]> sample(NodeCluster cluster) {
        Map<String, String[]> out = new HashMap<>();
        for (String node : cluster.nodeNames()) {
            var r = cluster.exec(node, "sh", "-c", PROCS);
            assertThat(r.exitCode()).as("reading /proc on %s: %s", node, r.stderr()).isZero();
            r.stdout().lines().map(l -> l.split("\\s+")).filter(f -> f.length == 5 && !f[0].isEmpty())
                    .forEach(f -> out.put(f[0], new String[] {f[2], f[3], f[4], f[1]}));
        }
        return out;
    }

    /**
     * The Prometheus text (after the HTTP headers) a pod serves on its metrics port, fetched from its
     * node with bash's /dev/tcp (the node image's static busybox wget crashes, docs/e2e.md).
     */
    static String scrape(NodeCluster cluster, Pod pod) {
        var r = cluster.exec(pod.getSpec().getNodeName(), "bash", "-c", "exec 3<>/dev/tcp/" + pod.getStatus().getPodIP()
                + "/8080 && printf 'GET /q/metrics HTTP/1.0\\r\\nHost: metrics\\r\\n\\r\\n' >&3 && cat <&3");
        assertThat(r.exitCode()).as("scraping %s: %s", pod.getMetadata().getName(), r.stderr()).isZero();
        return r.stdout();
    }

    @Override
    public String toString() {
        return String.format("%-11s %-34s %-20s %8s %10s %14s%n", "component", "pod", "node", "RSS MiB", "CPU s", "CPU m (" + window.toSeconds() + " s)")
                + rows.stream().map(r -> String.format("%-11s %-34s %-20s %8.1f %10.1f %14.1f", r.component(), r.pod(), r.node(),
                r.rssKib() / 1024.0, r.cpuSeconds(), r.windowMillicores())).collect(Collectors.joining("\n"));
    }
}
