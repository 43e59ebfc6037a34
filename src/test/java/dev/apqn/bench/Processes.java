package dev.apqn.bench;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The OS processes of a run by role (the benchmark driver, the controller, the agent fleet,
 * kube-apiserver, etcd): CPU seconds used so far and RSS, read from /proc. A role's process can be
 * replaced (the controller restart): the CPU of the replaced one, read just before it is stopped,
 * stays in the role's total. A sampler notes each role's peak RSS every second.
 */
final class Processes implements AutoCloseable {

    static final String DRIVER = "driver";
    static final String CONTROLLER = "controller";
    static final String FLEET = "agentFleet";
    static final String API_SERVER = "kube-apiserver";
    static final String ETCD = "etcd";
    static final String[] ROLES = {CONTROLLER, FLEET, API_SERVER, ETCD, DRIVER};

    private final Map<String, Long> pids = new ConcurrentHashMap<>();
    private final Map<String, Double> retiredCpu = new ConcurrentHashMap<>();
    private final Map<String, Double> peakRss = new ConcurrentHashMap<>();
    private final Thread sampler;
    private volatile boolean closed;

    Processes() {
        track(DRIVER, ProcessHandle.current().pid());
        // LocalControlPlane's kube-apiserver and etcd are children of this JVM
        ProcessHandle.current().children().forEach(p -> p.info().command()
                .map(c -> Path.of(c).getFileName().toString())
                .filter(c -> c.equals(API_SERVER) || c.equals(ETCD))
                .ifPresent(c -> track(c, p.pid())));
        sampler = new Thread(this::sample, "bench-rss-sampler");
        sampler.setDaemon(true);
        sampler.start();
    }

    void track(String role, long pid) {
        pids.put(role, pid);
    }

    /** Notes the CPU of the role's current process before it is stopped; the role has no process until tracked again. */
    void retire(String role) {
        Long pid = pids.remove(role);
        if (pid != null) {
            double cpu = ProcessMemory.cpu(pid);
            if (cpu > 0) {
                retiredCpu.merge(role, cpu, Double::sum);
            }
        }
    }

    /** CPU seconds (user + system) used so far by each role, replaced processes included. */
    Map<String, Double> cpuSeconds() {
        Map<String, Double> out = new LinkedHashMap<>();
        for (String role : ROLES) {
            Long pid = pids.get(role);
            double now = pid == null ? 0 : Math.max(0, ProcessMemory.cpu(pid));
            out.put(role, ProcessMemory.centi(now + retiredCpu.getOrDefault(role, 0.0)));
        }
        return out;
    }

    /** VmRSS of each role's current process. */
    Map<String, Double> rssMiB() {
        Map<String, Double> out = new LinkedHashMap<>();
        for (String role : ROLES) {
            Long pid = pids.get(role);
            if (pid != null) {
                out.put(role, ProcessMemory.rssMiB(pid));
            }
        }
        return out;
    }

    /** The largest RSS sampled (every second) of each role since the start. */
    Map<String, Double> peakRssMiB() {
        Map<String, Double> out = new LinkedHashMap<>();
        for (String role : ROLES) {
            if (peakRss.containsKey(role)) {
                out.put(role, peakRss.get(role));
            }
        }
        return out;
    }

    boolean tracks(String role) {
        return pids.containsKey(role);
    }

    private void sample() {
        while (!closed) {
            rssMiB().forEach((role, rss) -> peakRss.merge(role, rss, Math::max));
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        sampler.interrupt();
    }
}
