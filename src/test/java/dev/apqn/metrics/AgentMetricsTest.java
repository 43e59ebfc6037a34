package dev.apqn.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apqn.agent.ConvergeReport;
import dev.apqn.agent.IntentLedger.Op;
import dev.apqn.agent.MdevStatus;
import dev.apqn.agent.SyncState;
import dev.apqn.agent.TakeoverEstimate;
import dev.apqn.ap.Errno;
import dev.apqn.apbus.SysfsException;
import dev.apqn.api.v1alpha1.APNodeStateStatus;
import dev.apqn.status.Conditions;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** AgentMetrics and ReservationMetrics on a plain registry; the ConvergeReport accessors they read. */
class AgentMetricsTest {

    static ConvergeReport report(SyncState host, String hostReason, Map<UUID, MdevStatus> mdevs, List<String> events,
                                 Map<String, Integer> takeover) {
        return report(host, hostReason, mdevs, events, takeover, List.of(), List.of());
    }

    static ConvergeReport report(SyncState host, String hostReason, Map<UUID, MdevStatus> mdevs, List<String> events,
                                 Map<String, Integer> takeover, List<Errno> refused, List<TakeoverEstimate> estimates) {
        return new ConvergeReport(1, false, host, hostReason, new TreeMap<>(mdevs), new TreeSet<>(), new TreeSet<>(), List.of(),
                List.of(), events, estimates.stream().mapToInt(TakeoverEstimate::inFlight).sum(), new TreeMap<>(), new TreeMap<>(takeover),
                false, refused, estimates);
    }

    static String refused(Errno errno, String path) {
        return new SysfsException(errno, SysfsException.Operation.WRITE, path, "0x0").getMessage();
    }

    @Test
    void theSeriesComeFromTheReportsTypedValuesNotItsSentences() {
        var registry = new SimpleMeterRegistry();
        var m = new AgentMetrics(registry);
        // sentences that name errnos and estimates, but no typed values: nothing is counted
        m.converged("n1", report(SyncState.FAILED, refused(Errno.EBUSY, "/sys/bus/ap/apmask"), Map.of(),
                List.of("cleared apmask bits 4, taking 16 queues from the host (about 7 requests in flight were flushed and retried;"
                        + " estimated in flight at the write: ns/a 7)"), Map.of()), Optional.empty(), Duration.ofMillis(1));
        assertThat(registry.find(AgentMetrics.WRITE_ERRORS).counters()).isEmpty();
        assertThat(registry.get(AgentMetrics.TAKEOVER).tag("node", "n1").summary().count()).isZero();

        // typed values, whatever the sentences say
        m.converged("n1", report(SyncState.READY, "", Map.of(), List.of("reworded"), Map.of(), List.of(Errno.EBUSY, Errno.EINVAL, Errno.EBUSY),
                List.of(new TakeoverEstimate(Op.CLEAR_APMASK, "4", 7, new TreeMap<>(Map.of("ns/a", 7))),
                        new TakeoverEstimate(Op.SET_OVERRIDE, "05.0004", 0, new TreeMap<>()))), Optional.empty(), Duration.ofMillis(1));
        assertThat(registry.get(AgentMetrics.WRITE_ERRORS).tags("node", "n1", "errno", "EBUSY").counter().count()).isEqualTo(2);
        assertThat(registry.get(AgentMetrics.WRITE_ERRORS).tags("node", "n1", "errno", "EINVAL").counter().count()).isEqualTo(1);
        assertThat(registry.get(AgentMetrics.TAKEOVER).tag("node", "n1").summary().count()).isEqualTo(2);
        assertThat(registry.get(AgentMetrics.TAKEOVER).tag("node", "n1").summary().totalAmount()).isEqualTo(7);
    }

    @Test
    void agentSeriesPerNode() {
        var registry = new SimpleMeterRegistry();
        AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:01:00Z"));
        var m = new AgentMetrics(registry, now::get);
        var r = report(SyncState.FAILED, refused(Errno.EBUSY, "/sys/bus/ap/apmask"), Map.of(),
                List.of("cleared aqmask bits 3, taking 4 queues from the host (about 12 requests in flight were flushed and retried;"
                        + " estimated in flight at the write: ns/a 12)"), Map.of("ns/a", 12),
                List.of(Errno.EBUSY), List.of(new TakeoverEstimate(Op.CLEAR_AQMASK, "3", 12, new TreeMap<>(Map.of("ns/a", 12)))));
        m.converged("n1", r, Optional.empty(), Duration.ofMillis(40));
        m.passFailed("n1", new RuntimeException(new SysfsException(Errno.ENODEV, SysfsException.Operation.WRITE, "/p", "1")));
        m.passFailed("n1", new SysfsException(Errno.ENOENT, SysfsException.Operation.READ, "/p", null));
        var status = new APNodeStateStatus();
        status.setReservedApqns(2);
        status.setFreeApqns(30);
        status.setConditions(List.of(new ConditionBuilder().withType(Conditions.PLAN_STALE).withStatus(Conditions.TRUE)
                .withLastTransitionTime("2026-01-01T00:00:00Z").build()));
        m.statusBuilt("n1", status, null, Optional.of(r), Optional.empty());

        assertThat(registry.get(AgentMetrics.NODE_APQNS).tags("node", "n1", "state", "reserved").gauge().value()).isEqualTo(2);
        assertThat(registry.get(AgentMetrics.NODE_APQNS).tags("node", "n1", "state", "free").gauge().value()).isEqualTo(30);
        assertThat(registry.get(AgentMetrics.NODE_APQNS).tags("node", "n1", "state", "in_use").gauge().value()).isZero();
        assertThat(registry.get(AgentMetrics.NODE_APQNS).tags("node", "n1", "state", "collateral").gauge().value()).isZero();
        assertThat(registry.get(AgentMetrics.CONVERGE).tag("node", "n1").timer().count()).isEqualTo(1);
        assertThat(registry.get(AgentMetrics.TAKEOVER).tag("node", "n1").summary().totalAmount()).isEqualTo(12);
        assertThat(registry.get(AgentMetrics.RESERVATION_TAKEOVER).tags("node", "n1", "reservation", "ns/a").gauge().value()).isEqualTo(12);
        assertThat(registry.get(AgentMetrics.WRITE_ERRORS).tags("node", "n1", "errno", "EBUSY").counter().count()).isEqualTo(1);
        assertThat(registry.get(AgentMetrics.WRITE_ERRORS).tags("node", "n1", "errno", "ENODEV").counter().count()).isEqualTo(1);
        assertThat(registry.find(AgentMetrics.WRITE_ERRORS).tags("errno", "ENOENT").counter()).as("reads are not writes").isNull();
        assertThat(registry.get(AgentMetrics.PLAN_STALE).tag("node", "n1").gauge().value()).isEqualTo(1);
        assertThat(registry.get(AgentMetrics.PLAN_STALE_SECONDS).tag("node", "n1").gauge().value()).isEqualTo(60);

        // the reservation leaves the node, the plan is fresh again
        m.converged("n1", report(SyncState.READY, "", Map.of(), List.of(), Map.of()), Optional.empty(), Duration.ofMillis(5));
        status.setConditions(List.of());
        m.statusBuilt("n1", status, null, Optional.empty(), Optional.empty());
        assertThat(registry.find(AgentMetrics.RESERVATION_TAKEOVER).tags("reservation", "ns/a").gauge()).isNull();
        assertThat(registry.get(AgentMetrics.PLAN_STALE).tag("node", "n1").gauge().value()).isZero();
        assertThat(registry.get(AgentMetrics.PLAN_STALE_SECONDS).tag("node", "n1").gauge().value()).isZero();

        m.stopped("n1");
        assertThat(registry.find(AgentMetrics.NODE_APQNS).tag("node", "n1").gauges()).isEmpty();
        assertThat(registry.find(AgentMetrics.CONVERGE).timers()).isEmpty();
    }

    @Test
    void reservationsByPhase() {
        var registry = new SimpleMeterRegistry();
        try (var m = new ReservationMetrics(registry)) {
            assertThat(registry.find(ReservationMetrics.RESERVATIONS).gauges()).hasSize(dev.apqn.api.v1alpha1.Phase.values().length + 1);
            m.observe("ns/a", ReservationMetrics.NO_PHASE);
            m.observe("ns/a", "Applying");
            m.observe("ns/b", "Ready");
            m.observe("ns/a", "Ready");
            assertThat(registry.get(ReservationMetrics.RESERVATIONS).tag("phase", "Ready").gauge().value()).isEqualTo(2);
            assertThat(registry.get(ReservationMetrics.RESERVATIONS).tag("phase", "Applying").gauge().value()).isZero();
            assertThat(registry.get(ReservationMetrics.RESERVATIONS).tag("phase", ReservationMetrics.NO_PHASE).gauge().value()).isZero();
            m.observe("ns/b", null);
            assertThat(registry.get(ReservationMetrics.RESERVATIONS).tag("phase", "Ready").gauge().value()).isEqualTo(1);
        }
        assertThat(registry.find(ReservationMetrics.RESERVATIONS).gauges()).isEmpty();
    }

}
