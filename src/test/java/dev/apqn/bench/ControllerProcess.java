package dev.apqn.bench;

import dev.apqn.process.RoleProcess;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The controller as its pod runs it: the packaged application ({@link RoleProcess}, quarkus-run.jar) with
 * {@code APQN_ROLE=controller}, the controller service account's kubeconfig and the chart's JVM sizing
 * ({@code JAVA_TOOL_OPTIONS}, {@code MALLOC_ARENA_MAX}); defaults otherwise (leader election on, node
 * selector {@code kubernetes.io/arch=s390x}).
 */
final class ControllerProcess {

    private ControllerProcess() {
    }

    /** Starts one and waits until it is ready and leads (its informer caches synced). */
    static RoleProcess startLeading(String pod, String namespace, Path kubeconfig, BenchConfig config, Path log)
            throws InterruptedException {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("APQN_ROLE", "controller");
        env.put("APQN_NAMESPACE", namespace);
        env.put("POD_NAME", pod);
        env.put("KUBECONFIG", kubeconfig.toAbsolutePath().toString());
        if (!config.controllerJvm().isBlank()) {
            env.put("JAVA_TOOL_OPTIONS", config.controllerJvm());
            env.put("MALLOC_ARENA_MAX", ChartValues.controllerMallocArenaMax());
        }
        RoleProcess p = RoleProcess.start(pod, env, log);
        long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        while (true) {
            RoleProcess.Answer a = p.ready();
            if (a.code() == 200 && a.body().contains("leader") && !a.body().contains("standby")) {
                return p;
            }
            if (!p.alive() || System.nanoTime() > deadline) {
                p.close();
                throw new IllegalStateException("controller " + pod + " did not become the ready leader ("
                        + (p.alive() ? "timeout" : "exited") + "); its output: " + p.log());
            }
            Thread.sleep(100);
        }
    }

    /** SIGTERM (what the kubelet sends), then SIGKILL after 20 s. */
    static void stop(RoleProcess p) throws InterruptedException {
        p.terminate();
        if (p.awaitExit(Duration.ofSeconds(20)) == null) {
            p.close();
        }
    }

    /** The JVM's used heap (sum of the heap pools of /q/metrics), or -1. */
    static double heapUsedMiB(RoleProcess p) {
        RoleProcess.Answer a = p.get("/q/metrics");
        if (a.code() != 200) {
            return -1;
        }
        double bytes = 0;
        for (String line : a.body().split("\n")) {
            if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
                bytes += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return ProcessMemory.mib((long) bytes);
    }
}
