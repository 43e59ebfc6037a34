package dev.apqn.metrics;

import dev.apqn.agent.ConvergeReport;
import dev.apqn.agent.TakeoverEstimate;
import dev.apqn.agent.kube.AgentMetricsSink;
import dev.apqn.ap.ApQueue;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.Errno;
import dev.apqn.apbus.ApInventory;
import dev.apqn.apbus.SysfsException;
import dev.apqn.api.v1alpha1.APNodeStateStatus;
import dev.apqn.plan.HostTarget;
import dev.apqn.plan.OffHostClaim;
import dev.apqn.status.Conditions;
import io.fabric8.kubernetes.api.model.Condition;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The node agents' Prometheus series (docs/metrics.md), one set per node (tag {@code node}), in a
 * Micrometer {@link MeterRegistry} (the Quarkus one in the application, served at {@code /q/metrics}).
 * One instance serves every agent of a JVM (a DaemonSet pod has one; the demo and the ITs many).
 *
 * <ul>
 *   <li>{@value #NODE_APQNS}{@code {node,state}} gauge, from the status the agent builds:
 *       {@code reserved} (APQNs in the operator's mdevs, {@code status.reservedApqns}), {@code free}
 *       (with the host drivers, {@code status.freeApqns}), {@code in_use} (queues vfio_ap reports
 *       {@code in use}: a running guest has them; always 0 on kernels without the queue status) and
 *       {@code collateral} (off the host now because a plan's mask bit pulled them in: the target's
 *       COLLATERAL claims that are off the host).</li>
 *   <li>{@value #TAKEOVER}{@code {node}} distribution summary: the estimated requests in flight at
 *       each write that took queues from the host; and {@value #RESERVATION_TAKEOVER}
 *       {@code {node,reservation}} gauge, the ledger's per-reservation sum (as
 *       {@code status.reservations[].inFlightAtTakeover}). A per-event summary is not tagged by
 *       reservation: reservations come and go without bound and every name would stay a series until
 *       the process ends; the gauge is bounded by the reservations on the node now (a series goes
 *       when the reservation leaves the node).</li>
 *   <li>{@value #CONVERGE}{@code {node}} timer of each converge ({@code apqn_converge_seconds}).</li>
 *   <li>{@value #WRITE_ERRORS}{@code {node,errno}} counter of refused host writes
 *       ({@code apqn_host_write_errors_total}); errno is one of the {@link Errno} names.</li>
 *   <li>{@value #PLAN_STALE}{@code {node}} gauge 1 while the agent reports PlanStale, and
 *       {@value #PLAN_STALE_SECONDS}{@code {node}}: seconds since the PlanStale condition turned True
 *       (0 while not stale).</li>
 * </ul>
 */
public final class AgentMetrics implements AgentMetricsSink {

    public static final String NODE_APQNS = "apqn.node.apqns";
    public static final String TAKEOVER = "apqn.takeover.inflight.requests";
    public static final String RESERVATION_TAKEOVER = "apqn.reservation.takeover.inflight.requests";
    public static final String CONVERGE = "apqn.converge";
    public static final String WRITE_ERRORS = "apqn.host.write.errors";
    public static final String PLAN_STALE = "apqn.plan.stale";
    public static final String PLAN_STALE_SECONDS = "apqn.plan.stale.seconds";

    /** The {@code state} values of {@value #NODE_APQNS}. */
    public static final List<String> APQN_STATES = List.of("reserved", "free", "in_use", "collateral");

    private static final Duration[] CONVERGE_BUCKETS = {Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofMillis(100),
            Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
            Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60)};
    private static final double[] TAKEOVER_BUCKETS = {1, 10, 100, 1000, 10000};

    private final MeterRegistry registry;
    private final Supplier<Instant> clock;
    private final Map<String, NodeMeters> nodes = new ConcurrentHashMap<>();

    public AgentMetrics(MeterRegistry registry) {
        this(registry, Instant::now);
    }

    /** With a clock for {@value #PLAN_STALE_SECONDS} (tests). */
    public AgentMetrics(MeterRegistry registry, Supplier<Instant> clock) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public MeterRegistry registry() {
        return registry;
    }

    // ------------------------------------------------------------------ AgentMetricsSink

    @Override
    public void converged(String node, ConvergeReport report, Optional<HostTarget> target, Duration took) {
        NodeMeters m = meters(node);
        m.converge.record(took);
        for (TakeoverEstimate t : report.takeoverEstimates()) {
            m.takeover.record(t.inFlight());
        }
        for (Errno errno : report.refusedWriteErrnos()) {
            m.writeError(errno);
        }
        m.takeoverByReservation(report.inFlightAtTakeover());
    }

    @Override
    public void passFailed(String node, Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof SysfsException s && s.operation() == SysfsException.Operation.WRITE) {
                meters(node).writeError(s.errno());
                return;
            }
        }
    }

    @Override
    public void statusBuilt(String node, APNodeStateStatus status, ApInventory inventory, Optional<ConvergeReport> report,
                            Optional<HostTarget> target) {
        NodeMeters m = meters(node);
        m.reserved = orZero(status.getReservedApqns());
        m.free = orZero(status.getFreeApqns());
        m.inUse = inventory == null ? 0 : inventory.queues().values().stream()
                .filter(q -> q.vfioStatus().orElse(null) == ApQueue.VfioStatus.IN_USE).count();
        m.collateral = collateral(report, target);
        Optional<Condition> stale = Conditions.find(status.getConditions(), Conditions.PLAN_STALE)
                .filter(c -> Conditions.TRUE.equals(c.getStatus()));
        if (stale.isEmpty()) {
            m.staleSince = null;
        } else if (m.staleSince == null) {
            m.staleSince = since(stale.get().getLastTransitionTime());
        }
    }

    @Override
    public void stopped(String node) {
        NodeMeters m = nodes.remove(node);
        if (m != null) {
            m.meters.forEach(registry::remove);
        }
    }

    // ------------------------------------------------------------------ per node

    private NodeMeters meters(String node) {
        return nodes.computeIfAbsent(node, NodeMeters::new);
    }

    private static double orZero(Integer i) {
        return i == null ? 0 : i;
    }

    /** The target's collateral claims that are off the host now (the report's view of the host). */
    static long collateral(Optional<ConvergeReport> report, Optional<HostTarget> target) {
        if (report.isEmpty() || target.isEmpty()) {
            return 0;
        }
        SortedSet<Apqn> claimed = new TreeSet<>();
        target.get().claims().stream().filter(c -> c.kind() == OffHostClaim.Kind.COLLATERAL).forEach(c -> claimed.addAll(c.apqns()));
        claimed.retainAll(report.get().offHost());
        return claimed.size();
    }

    private Instant since(String lastTransitionTime) {
        if (lastTransitionTime != null) {
            try {
                return Instant.parse(lastTransitionTime);
            } catch (DateTimeParseException ignored) {
                // fall through: from now on
            }
        }
        return clock.get();
    }

    private final class NodeMeters {
        final String node;
        final List<Meter> meters = new CopyOnWriteArrayList<>();
        final Timer converge;
        final DistributionSummary takeover;
        final Map<Errno, Counter> errors = new ConcurrentHashMap<>();
        final Map<String, AtomicInteger> byReservation = new ConcurrentHashMap<>();
        final Map<String, Gauge> byReservationGauges = new ConcurrentHashMap<>();
        volatile double reserved = Double.NaN;
        volatile double free = Double.NaN;
        volatile double inUse = Double.NaN;
        volatile double collateral = Double.NaN;
        volatile Instant staleSince;

        NodeMeters(String node) {
            this.node = node;
            apqns("reserved", "APQNs of the node in the operator's mdevs (status.reservedApqns)", m -> m.reserved);
            apqns("free", "APQNs of the node with the host drivers (status.freeApqns)", m -> m.free);
            apqns("in_use", "APQNs of the node a running guest uses (vfio_ap queue status 'in use'; 0 on kernels without it)",
                    m -> m.inUse);
            apqns("collateral", "APQNs of the node off the host only because a planned mask bit pulled them in", m -> m.collateral);
            meters.add(Gauge.builder(PLAN_STALE, this, m -> m.staleSince == null ? 0 : 1)
                    .description("1 while the node's agent reports PlanStale (spec.hostEdits computed for another mode or"
                            + " inventory generation; nothing is executed until the controller re-plans), else 0")
                    .tag("node", node).strongReference(true).register(registry));
            meters.add(Gauge.builder(PLAN_STALE_SECONDS, this, m -> {
                        Instant since = m.staleSince;
                        return since == null ? 0 : Math.max(0, Duration.between(since, clock.get()).toMillis() / 1000.0);
                    })
                    .description("Seconds since the node's PlanStale condition turned True; 0 while the plan is not stale")
                    .baseUnit("seconds").tag("node", node).strongReference(true).register(registry));
            converge = Timer.builder(CONVERGE)
                    .description("Duration of each converge pass of the node's agent (read the AP bus, write what the plan"
                            + " needs, verify)")
                    .tag("node", node).serviceLevelObjectives(CONVERGE_BUCKETS).register(registry);
            meters.add(converge);
            takeover = DistributionSummary.builder(TAKEOVER)
                    .description("Estimated host requests in flight on the queues of each write that took queues from the"
                            + " host (read just before the write; the kernel flushed them, zcrypt retried them elsewhere)")
                    .baseUnit("requests").tag("node", node).serviceLevelObjectives(TAKEOVER_BUCKETS).register(registry);
            meters.add(takeover);
        }

        private void apqns(String state, String what, java.util.function.ToDoubleFunction<NodeMeters> value) {
            meters.add(Gauge.builder(NODE_APQNS, this, value)
                    .description("APQNs of the node by state: reserved (in the operator's mdevs), free (with the host"
                            + " drivers), in_use (a running guest uses them), collateral (off the host only because a"
                            + " planned mask bit pulled them in)")
                    .tags("node", node, "state", state).strongReference(true).register(registry));
        }

        void writeError(Errno errno) {
            errors.computeIfAbsent(errno, e -> {
                Counter c = Counter.builder(WRITE_ERRORS)
                        .description("Host (sysfs) writes of the node's agent the kernel refused, by errno (the agent"
                                + " retries every pass, so a persistent refusal counts once per pass)")
                        .tags("node", node, "errno", e.name()).register(registry);
                meters.add(c);
                return c;
            }).increment();
        }

        void takeoverByReservation(Map<String, Integer> now) {
            now.forEach((reservation, value) -> byReservation.computeIfAbsent(reservation, r -> {
                AtomicInteger holder = new AtomicInteger();
                Gauge g = Gauge.builder(RESERVATION_TAKEOVER, holder, AtomicInteger::get)
                        .description("Estimated host requests in flight on a reservation's queues (reserved and collateral)"
                                + " at the writes that took them, summed (the agent's intent ledger; as"
                                + " status.reservations[].inFlightAtTakeover); present while the reservation has queues"
                                + " the operator took on the node")
                        .tags("node", node, "reservation", r).strongReference(true).register(registry);
                byReservationGauges.put(r, g);
                meters.add(g);
                return holder;
            }).set(value));
            for (String gone : byReservation.keySet()) {
                if (!now.containsKey(gone)) {
                    byReservation.remove(gone);
                    Gauge g = byReservationGauges.remove(gone);
                    if (g != null) {
                        meters.remove(g);
                        registry.remove(g);
                    }
                }
            }
        }
    }
}
