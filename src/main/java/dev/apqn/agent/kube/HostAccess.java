package dev.apqn.agent.kube;

import dev.apqn.agent.BootId;
import dev.apqn.agent.AgentClock;
import dev.apqn.apbus.ApConfigLock;
import dev.apqn.apbus.sim.SimKernel;

import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * What an agent needs of its node besides the {@link dev.apqn.apbus.ApBus}: the s390-tools AP
 * configuration lock, the kernel's boot id (a new one discards the ledger: Restoring), the clock,
 * and the backend's name for {@code status.agent.backend}.
 */
public record HostAccess(ApConfigLock lock, Supplier<String> bootId, AgentClock clock, String backend) {

    public HostAccess {
        Objects.requireNonNull(lock, "lock");
        Objects.requireNonNull(bootId, "bootId");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(backend, "backend");
    }

    /** A real node: {@code /run/lock/s390apconfig.lock}, {@code /proc/sys/kernel/random/boot_id}. */
    public static HostAccess node() {
        return node(BootId.LINUX);
    }

    /** A node whose kernel tells its boot id in {@code bootIdFile} (a simkernel's, on a simulated node). */
    public static HostAccess node(Path bootIdFile) {
        return new HostAccess(ApConfigLock.under(Path.of("/")), BootId.from(bootIdFile), AgentClock.system(),
                AgentBackend.sysfs.name());
    }

    /** A simulated node: its own lock file, the simulated kernel's boot count as boot id. */
    public static HostAccess simulated(SimKernel kernel, String node, Path lockFile) {
        return new HostAccess(new ApConfigLock(lockFile, ApConfigLock.DEFAULT_MAX_WAIT, ApConfigLock.DEFAULT_RETRY_INTERVAL),
                () -> "sim-" + node + "-boot-" + kernel.boots(), AgentClock.system(), AgentBackend.simulated.name());
    }
}
