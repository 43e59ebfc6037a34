package dev.apqn.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apqn.ap.ApMask;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.Matrix;
import dev.apqn.apbus.ApConfigLock;
import dev.apqn.apbus.SysfsApBus;
import dev.apqn.apbus.sim.MachineProfiles;
import dev.apqn.apbus.sim.SimDriver;
import dev.apqn.apbus.sim.SimKernel;
import dev.apqn.apbus.sim.SimSysfs;
import dev.apqn.plan.HostTarget;
import dev.apqn.plan.MdevTarget;
import dev.apqn.plan.OffHostClaim;
import dev.apqn.plan.OwnershipMode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * One simulated node for agent tests: the kernel, its sysfs (with a crash decorator), the ledger
 * directory and lock file, a fake clock, and what the node looked like at boot, so tests can
 * check the off-host invariant from the kernel's side (not from the agent's report).
 */
final class AgentHarness {

    static final UUID VM1 = UUID.fromString("a1b2c3d4-0000-4000-8000-000000000001");
    static final UUID VM2 = UUID.fromString("a1b2c3d4-0000-4000-8000-000000000002");
    static final String OWNER1 = "team-a/vm1";
    static final String OWNER2 = "team-b/vm2";

    final String profile;
    final SimKernel kernel;
    final SimSysfs sim;
    final CrashingSysfs sysfs;
    final Path dir;
    final Path ledgerDir;
    final ApConfigLock lock;
    final FakeClock clock = new FakeClock();
    final ApMask bootApmask;
    final ApMask bootAqmask;
    final SortedSet<Apqn> bootOffHost;
    final List<String> bootMdevs;

    AgentHarness(String profile, Path dir) throws IOException {
        this.profile = profile;
        this.kernel = SimKernel.boot(MachineProfiles.loadResource(profile), 7);
        this.sim = new SimSysfs(kernel).withCallTimeout(Duration.ofSeconds(2));
        this.sysfs = new CrashingSysfs(sim);
        this.dir = dir;
        this.ledgerDir = dir.resolve("run/apqn-agent");
        Files.createDirectories(dir.resolve("lock"));
        this.lock = new ApConfigLock(dir.resolve("lock/s390apconfig.lock"), Duration.ofSeconds(5), Duration.ofMillis(5));
        this.bootApmask = kernel.apmask();
        this.bootAqmask = kernel.aqmask();
        this.bootOffHost = offHost();
        this.bootMdevs = kernel.mdevUuids();
    }

    boolean overrideMode() {
        return profile.equals("override-mode");
    }

    boolean legacy() {
        return profile.equals("legacy");
    }

    /** A fresh agent with no memory: only the kernel and the ledger directory survive. */
    HostConverger converger() {
        return new HostConverger(new SysfsApBus(sysfs), lock, ledgerDir, () -> "boot-" + kernel.boots(), clock);
    }

    /** Queue devices not bound to the host's zcrypt driver, as the kernel sees them. */
    SortedSet<Apqn> offHost() {
        SortedSet<Apqn> out = new TreeSet<>();
        for (Apqn q : kernel.queueDevices()) {
            if (kernel.driverOf(q).orElse(null) != SimDriver.CEX4QUEUE) {
                out.add(q);
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ plans (what the controller would send)

    static MdevTarget mdev(UUID uuid, String owner, int[] adapters, int[] domains, int... controlDomains) {
        return new MdevTarget(uuid, owner, new Matrix(ApMask.of(adapters), ApMask.of(domains), ApMask.of(controlDomains)));
    }

    /**
     * The plan for these mdevs in this node's mode: mask mode clears the aqmask bits of the
     * reserved domains (collateral: those domains on every other adapter); override mode sets the
     * overrides of exactly the reserved existing queues. Claims: each mdev's APQNs RESERVED for its
     * owner, the rest of what will be off the host COLLATERAL of the first owner.
     */
    HostTarget plan(long generation, MdevTarget... mdevs) {
        SortedMap<UUID, MdevTarget> byId = new TreeMap<>();
        List<OffHostClaim> claims = new ArrayList<>();
        SortedSet<Apqn> reserved = new TreeSet<>();
        ApMask domains = ApMask.none();
        for (MdevTarget m : mdevs) {
            byId.put(m.uuid(), m);
            claims.add(new OffHostClaim(OffHostClaim.Kind.RESERVED, m.owner(), new TreeSet<>(m.matrix().apqns())));
            reserved.addAll(m.matrix().apqns());
            domains = domains.or(m.matrix().domains());
        }
        if (overrideMode()) {
            SortedSet<Apqn> overrides = new TreeSet<>(reserved);
            overrides.retainAll(kernel.queueDevices());
            return new HostTarget(OwnershipMode.DRIVER_OVERRIDE, ApMask.none(), ApMask.none(), overrides, byId, claims, generation);
        }
        SortedSet<Apqn> collateral = new TreeSet<>();
        for (Apqn q : kernel.queueDevices()) {
            if (domains.get(q.domain()) && !reserved.contains(q) && !bootOffHost.contains(q)) {
                collateral.add(q);
            }
        }
        if (!collateral.isEmpty()) {
            claims.add(new OffHostClaim(OffHostClaim.Kind.COLLATERAL, mdevs[0].owner(), collateral));
        }
        return new HostTarget(OwnershipMode.MASKS, ApMask.none(), domains, new TreeSet<>(), byId, claims, generation);
    }

    HostTarget empty(long generation) {
        return HostTarget.empty(overrideMode() ? OwnershipMode.DRIVER_OVERRIDE : OwnershipMode.MASKS, generation);
    }

    // ------------------------------------------------------------------ invariants, from the kernel's side

    /** The node holds exactly the target: every mdev converged, off host == claims ∪ boot state, no orphan mdev. */
    void assertHolds(HostTarget target, ConvergeReport report) {
        assertThat(report.converged()).as("converged: %s", report).isTrue();
        SortedSet<Apqn> expectedOffHost = new TreeSet<>(bootOffHost);
        for (OffHostClaim c : target.claims()) {
            c.apqns().stream().filter(kernel.queueDevices()::contains).forEach(expectedOffHost::add);
        }
        assertThat(offHost()).as("off-host APQNs == claims ∪ boot state").isEqualTo(expectedOffHost);
        assertThat(report.unaccounted()).isEmpty();
        List<String> expectedMdevs = new ArrayList<>(bootMdevs);
        target.mdevs().keySet().forEach(u -> expectedMdevs.add(u.toString()));
        assertThat(kernel.mdevUuids()).as("no orphan mdev").containsExactlyInAnyOrderElementsOf(expectedMdevs);
        for (MdevTarget m : target.mdevs().values()) {
            assertThat(kernel.mdevMatrix(m.uuid().toString())).as("no half-assigned matrix").contains(m.matrix());
            Optional<Matrix> shadow = kernel.mdevShadow(m.uuid().toString());
            Matrix guestGets = legacy() ? m.matrix() : shadow.orElseThrow();
            assertThat(new TreeSet<>(guestGets.apqns())).as("guest gets exactly the reserved APQNs")
                    .isEqualTo(new TreeSet<>(m.matrix().apqns()));
            assertThat(report.mdev(m.uuid()).state()).isEqualTo(SyncState.READY);
        }
        for (Apqn q : expectedOffHost) {
            if (!bootOffHost.contains(q)) {
                assertThat(kernel.driverOf(q)).as("%s bound to vfio_ap", q).contains(SimDriver.VFIO_AP);
            }
        }
    }

    /** Everything the operator took is back with the host: boot masks, no operator mdev, no override. */
    void assertReleased(ConvergeReport report) throws IOException {
        assertThat(report.converged()).as("released: %s", report).isTrue();
        assertThat(report.mdevs()).isEmpty();
        assertThat(kernel.apmask()).isEqualTo(bootApmask);
        assertThat(kernel.aqmask()).isEqualTo(bootAqmask);
        assertThat(kernel.mdevUuids()).containsExactlyInAnyOrderElementsOf(bootMdevs);
        assertThat(offHost()).isEqualTo(bootOffHost);
        for (Apqn q : kernel.queueDevices()) {
            assertThat(kernel.queue(q).orElseThrow().driverOverride()).as("override of %s", q).isNull();
        }
        assertThat(converger().ledger().owned().isEmpty()).isTrue();
    }

    static <T> SortedSet<T> sorted(Collection<T> c) {
        return new TreeSet<>(c);
    }
}
