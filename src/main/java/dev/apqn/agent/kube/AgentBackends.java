package dev.apqn.agent.kube;

import dev.apqn.agent.BootId;
import dev.apqn.apbus.FileSysfs;
import dev.apqn.apbus.SysfsApBus;
import dev.apqn.apbus.sim.MachineProfiles;
import dev.apqn.apbus.sim.SimKernel;
import dev.apqn.apbus.sim.SimSysfs;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * The backend wiring: a {@link NodeAgent} for {@code apqn.agent.backend}, over the node's sysfs (or a
 * simkernel's mount) or over a simulated kernel inside the process. The one production place that
 * builds a simulated kernel for an agent.
 */
public final class AgentBackends {

    private AgentBackends() {
    }

    /**
     * The role entry point for the application's startup bean (not started): {@code sysfs} runs
     * {@code new SysfsApBus(new FileSysfs(sysfsRoot))} on a real node; {@code simulated} boots a
     * simulated kernel from {@code profile} (a shipped profile name or a YAML file), with its AP
     * configuration lock beside the ledger directory.
     */
    public static NodeAgent create(KubernetesClient client, String nodeName, AgentBackend backend, Path sysfsRoot,
                                       String profile, Path ledgerDir, AgentSettings settings) {
        return create(client, nodeName, backend, sysfsRoot, BootId.LINUX, profile, ledgerDir, settings,
                AgentMetricsSink.NOOP);
    }

    /** As above, the agent reporting each pass to {@code metrics} (the application's registry). */
    public static NodeAgent create(KubernetesClient client, String nodeName, AgentBackend backend, Path sysfsRoot,
                                       Path bootIdFile, String profile, Path ledgerDir, AgentSettings settings,
                                       AgentMetricsSink metrics) {
        Objects.requireNonNull(backend, "backend");
        var runtime = new AgentRuntime(client, settings, 1, 1, false).withMetrics(metrics);
        return switch (backend) {
            case sysfs -> new NodeAgent(runtime, true, nodeName,
                    new SysfsApBus(FileSysfs.atSysfsMount(sysfsRoot == null ? Path.of("/sys") : sysfsRoot)), ledgerDir,
                    HostAccess.node(bootIdFile == null ? BootId.LINUX : bootIdFile), Optional.empty());
            case simulated -> {
                if (profile == null || profile.isBlank()) {
                    throw new IllegalArgumentException("the simulated backend needs a machine profile (apqn.agent.profile)");
                }
                SimKernel kernel = SimKernel.boot(MachineProfiles.resolve(profile), nodeName.hashCode());
                Path lockFile = ledgerDir.toAbsolutePath().getParent().resolve("apqn-sim-lock").resolve(nodeName + ".lock");
                mkdirs(lockFile.getParent());
                yield new NodeAgent(runtime, true, nodeName, new SysfsApBus(new SimSysfs(kernel)), ledgerDir,
                        HostAccess.simulated(kernel, nodeName, lockFile), Optional.of(kernel));
            }
        };
    }


    private static void mkdirs(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
