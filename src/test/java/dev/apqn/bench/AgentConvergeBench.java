package dev.apqn.bench;

import dev.apqn.agent.AgentClock;
import dev.apqn.agent.ConvergeReport;
import dev.apqn.agent.DrainPolicy;
import dev.apqn.agent.HostConverger;
import dev.apqn.ap.ApMask;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.Matrix;
import dev.apqn.apbus.ApConfigLock;
import dev.apqn.apbus.CountingSysfs;
import dev.apqn.apbus.Sysfs;
import dev.apqn.apbus.SysfsException;
import dev.apqn.apbus.SysfsApBus;
import dev.apqn.apbus.sim.MachineProfiles;
import dev.apqn.apbus.sim.SimDriver;
import dev.apqn.apbus.sim.SimKernel;
import dev.apqn.apbus.sim.SimSysfs;
import dev.apqn.plan.HostTarget;
import dev.apqn.plan.MdevTarget;
import dev.apqn.plan.OffHostClaim;
import dev.apqn.plan.OwnershipMode;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What one converge of the node agent costs, on the simulated kernel (no API server, no status
 * write): sysfs calls and CPU time of the converging thread per kind of pass, and the idle CPU of an
 * agent whose resync timer converges once per period. {@code make bench-agent}; not a test.
 *
 * <p>Pass kinds: <b>idle</b> (the node already matches the plan), <b>create</b> (one reservation:
 * clear one aqmask bit, create its mdev, assign two adapters × that domain), <b>release</b> (the
 * reverse). CPU is {@link ThreadMXBean#getCurrentThreadCpuTime()} around {@link HostConverger#converge},
 * averaged over {@code bench.agent.cycles} create/idle/release cycles after as many warm-up cycles;
 * "agent CPU" leaves out the CPU spent inside sysfs calls (the simulated kernel's work, which on a
 * node is the kernel's), measured the same way around each call.
 * The bus's clock is simulated: every pass advances it by the resync period, so the periodic full
 * resync ({@code SysfsApBus.Options}) falls where it would in the agent's life; "idle per minute"
 * runs {@code bench.agent.idleMinutes} simulated minutes of idle resyncs (one per
 * {@code bench.agent.resync}, the agent's default 60 s) and divides their CPU by the minutes.
 */
public final class AgentConvergeBench {

    private static final String OWNER = "bench/vm";
    private static final UUID MDEV = UUID.fromString("be4c0000-0000-4000-8000-000000000001");
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private AgentConvergeBench() {
    }

    public static void main(String[] args) throws Exception {
        List<String> profiles = List.of(System.getProperty("bench.agent.profiles", "mask-mode-apconfig,stress-256").split(","));
        int cycles = Integer.getInteger("bench.agent.cycles", 40);
        int idleMinutes = Integer.getInteger("bench.agent.idleMinutes", 60);
        Duration resync = Duration.parse(System.getProperty("bench.agent.resync", "PT60S"));
        System.out.printf("agent converge cost: %d cycles (create, idle, release, idle) after %d warm-up cycles; resync %s; %d simulated idle minutes%n",
                cycles, cycles, resync, idleMinutes);
        for (String profile : profiles) {
            new Run(profile.strip(), resync).measure(cycles, idleMinutes);
        }
    }

    /** Per pass kind: sysfs calls and CPU nanoseconds of each measured pass. */
    private static final class Figures {
        final List<Long> reads = new ArrayList<>();
        final List<Long> writes = new ArrayList<>();
        final List<Long> cpuNanos = new ArrayList<>();
        final List<Long> agentNanos = new ArrayList<>();

        void add(CountingSysfs.Counts c, long cpu, long inKernel) {
            reads.add(c.readCalls());
            writes.add(c.writes());
            cpuNanos.add(cpu);
            agentNanos.add(cpu - inKernel);
        }

        String line(String kind) {
            return String.format("  %-8s reads median %7d mean %9.1f max %7d | writes %4.1f | CPU median %8.3f mean %8.3f max %8.3f ms"
                            + " | agent CPU (outside sysfs calls) median %7.3f mean %7.3f ms (%d passes)",
                    kind, median(reads), mean(reads), max(reads), mean(writes), median(cpuNanos) / 1e6, mean(cpuNanos) / 1e6,
                    max(cpuNanos) / 1e6, median(agentNanos) / 1e6, mean(agentNanos) / 1e6, reads.size());
        }

        static double mean(List<Long> v) {
            return v.stream().mapToLong(Long::longValue).average().orElse(0);
        }

        static long median(List<Long> v) {
            return v.stream().sorted().skip(v.size() / 2).findFirst().orElse(0L);
        }

        static long max(List<Long> v) {
            return v.stream().mapToLong(Long::longValue).max().orElse(0);
        }
    }

    /** One simulated node and its converger. */
    private static final class Run {
        final String profile;
        final Duration resync;
        final SimKernel kernel;
        final CountingSysfs sysfs;
        final KernelCpu kernelCpu;
        final AtomicLong busNanos = new AtomicLong();
        final SysfsApBus bus;
        final HostConverger agent;
        long generation;

        Run(String profile, Duration resync) throws Exception {
            this.profile = profile;
            this.resync = resync;
            this.kernel = SimKernel.boot(MachineProfiles.loadResource(profile), 7);
            this.kernelCpu = new KernelCpu(new SimSysfs(kernel));
            this.sysfs = new CountingSysfs(kernelCpu);
            this.bus = new SysfsApBus(sysfs, SysfsApBus.Options.defaults().withClock(busNanos::get, d -> busNanos.addAndGet(d.toNanos())));
            Path dir = Files.createTempDirectory("agent-converge-bench");
            Files.createDirectories(dir.resolve("lock"));
            ApConfigLock lock = new ApConfigLock(dir.resolve("lock/s390apconfig.lock"), Duration.ofSeconds(5), Duration.ofMillis(5));
            this.agent = new HostConverger(bus, lock, dir.resolve("ledger"), () -> "boot-" + kernel.boots(), AgentClock.system());
        }

        void measure(int cycles, int idleMinutes) throws Exception {
            CountingSysfs.Counts c0 = sysfs.counts();
            long cpu0 = THREADS.getCurrentThreadCpuTime();
            generation = agent.inventoryGeneration();
            CountingSysfs.Counts start = sysfs.counts().minus(c0);
            long startCpu = THREADS.getCurrentThreadCpuTime() - cpu0;
            HostTarget reserved = onePlan();
            HostTarget empty = HostTarget.empty(OwnershipMode.MASKS, generation);

            Map<String, Figures> figures = new TreeMap<>();
            for (String k : List.of("create", "idle", "release")) {
                figures.put(k, new Figures());
            }
            for (int i = 0; i < 2 * cycles; i++) {
                boolean warm = i < cycles;
                pass(reserved, warm ? null : figures.get("create"));
                pass(reserved, warm ? null : figures.get("idle"));
                pass(empty, warm ? null : figures.get("release"));
                pass(empty, warm ? null : figures.get("idle"));
            }

            // an idle agent: one converge per resync period, the bus clock moving with it
            int perMinute = (int) Math.max(1, Duration.ofMinutes(1).toNanos() / resync.toNanos());
            Figures idle = new Figures();
            long idleCpu = 0;
            long idleAgent = 0;
            long idleReads = 0;
            for (int m = 0; m < idleMinutes * perMinute; m++) {
                pass(empty, idle);
            }
            for (int i = 0; i < idle.reads.size(); i++) {
                idleCpu += idle.cpuNanos.get(i);
                idleAgent += idle.agentNanos.get(i);
                idleReads += idle.reads.get(i);
            }
            System.out.printf("%s: %d queues, %d cards; first read (agent start, full inventory) %d reads, %.1f ms CPU%n",
                    profile, kernel.queueDevices().size(), kernel.queueDevices().stream().map(Apqn::adapter).distinct().count(),
                    start.readCalls(), startCpu / 1e6);
            for (String k : List.of("idle", "create", "release")) {
                System.out.println(figures.get(k).line(k));
            }
            System.out.printf("  idle agent (resync every %s, %d simulated minutes): %.2f ms CPU per minute (agent outside sysfs calls %.2f ms),"
                            + " %.0f sysfs reads per minute (max pass %d reads, %.1f ms)%n",
                    resync, idleMinutes, idleCpu / 1e6 / idleMinutes, idleAgent / 1e6 / idleMinutes, (double) idleReads / idleMinutes,
                    Figures.max(idle.reads), Figures.max(idle.cpuNanos) / 1e6);
        }

        /** One converge; the bus clock moves by one resync period, as between two timer passes. */
        void pass(HostTarget target, Figures into) throws Exception {
            busNanos.addAndGet(resync.toNanos());
            CountingSysfs.Counts before = sysfs.counts();
            long inKernel = kernelCpu.nanos;
            long cpu = THREADS.getCurrentThreadCpuTime();
            ConvergeReport r = agent.converge(target, DrainPolicy.none());
            cpu = THREADS.getCurrentThreadCpuTime() - cpu;
            inKernel = kernelCpu.nanos - inKernel;
            CountingSysfs.Counts cost = sysfs.counts().minus(before);
            if (!r.converged()) {
                throw new IllegalStateException(profile + ": the pass did not converge: " + r);
            }
            if (into != null) {
                into.add(cost, cpu, inKernel);
            }
        }

        /**
         * One reservation in mask mode: two adapters × the first domain every queue of which is host-owned;
         * the domain's other queues are collateral (what a controller plans).
         */
        HostTarget onePlan() {
            List<Apqn> queues = kernel.queueDevices();
            int domain = queues.stream().map(Apqn::domain).distinct().sorted()
                    .filter(d -> queues.stream().filter(q -> q.domain() == d).allMatch(this::hostOwned))
                    .findFirst().orElseThrow(() -> new IllegalStateException(profile + ": no domain is wholly host-owned"));
            int[] adapters = queues.stream().filter(q -> q.domain() == domain).mapToInt(Apqn::adapter).limit(2).toArray();
            Matrix m = new Matrix(ApMask.of(adapters), ApMask.of(domain), ApMask.of(domain));
            MdevTarget t = new MdevTarget(MDEV, OWNER, m);
            SortedSet<Apqn> reserved = new TreeSet<>(m.apqns());
            SortedSet<Apqn> collateral = new TreeSet<>();
            queues.stream().filter(q -> q.domain() == domain && !reserved.contains(q)).forEach(collateral::add);
            List<OffHostClaim> claims = new ArrayList<>();
            claims.add(new OffHostClaim(OffHostClaim.Kind.RESERVED, OWNER, reserved));
            if (!collateral.isEmpty()) {
                claims.add(new OffHostClaim(OffHostClaim.Kind.COLLATERAL, OWNER, collateral));
            }
            return new HostTarget(OwnershipMode.MASKS, ApMask.none(), ApMask.of(domain), new TreeSet<>(),
                    new TreeMap<>(Map.of(MDEV, t)), claims, generation);
        }

        boolean hostOwned(Apqn q) {
            return kernel.driverOf(q).orElse(null) == SimDriver.CEX4QUEUE;
        }
    }

    /**
     * CPU time of the calling thread spent inside sysfs calls: the simulated kernel's work (on a
     * node, the kernel's), so that the agent's own CPU is the rest. Single-threaded, like a converge.
     */
    private static final class KernelCpu implements Sysfs {
        private final Sysfs delegate;
        long nanos;

        KernelCpu(Sysfs delegate) {
            this.delegate = delegate;
        }

        @FunctionalInterface
        private interface Call<T> {
            T run() throws SysfsException;
        }

        private <T> T timed(Call<T> call) throws SysfsException {
            long t = THREADS.getCurrentThreadCpuTime();
            try {
                return call.run();
            } finally {
                nanos += THREADS.getCurrentThreadCpuTime() - t;
            }
        }

        @Override
        public String read(String path) throws SysfsException {
            return timed(() -> delegate.read(path));
        }

        @Override
        public void write(String path, String value) throws SysfsException {
            timed(() -> {
                delegate.write(path, value);
                return null;
            });
        }

        @Override
        public List<String> list(String path) throws SysfsException {
            return timed(() -> delegate.list(path));
        }

        @Override
        public boolean exists(String path) throws SysfsException {
            return timed(() -> delegate.exists(path));
        }

        @Override
        public Optional<String> readLink(String path) throws SysfsException {
            return timed(() -> delegate.readLink(path));
        }
    }
}
