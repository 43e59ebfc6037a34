package dev.apqn.metrics;

import dev.apqn.api.v1alpha1.APQNReservation;
import dev.apqn.api.v1alpha1.Phase;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The controller's {@value #RESERVATIONS}{@code {phase}} gauge: APQNReservations of the whole cluster
 * by {@code status.phase} (every {@link Phase}, plus {@value #NO_PHASE} for reservations the
 * controller has not given a status yet), kept by its own small Fabric8 informer on APQNReservations
 * in all namespaces (the controller's RBAC lists and watches them). Every phase is registered up
 * front, so a phase without reservations reads 0 rather than being absent.
 *
 * <p>Counts are kept per event (no walk of the cache at scrape time). Every controller replica serves
 * the same numbers, leader or not (they are the cluster's, not the leader's): aggregate with
 * {@code max by (phase)}.
 */
public final class ReservationMetrics implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ReservationMetrics.class);
    public static final String RESERVATIONS = "apqn.reservations";
    /** The phase tag of a reservation without {@code status.phase}. */
    public static final String NO_PHASE = "None";

    private final MeterRegistry registry;
    private final Map<String, String> phaseByKey = new HashMap<>();
    private final Map<String, long[]> counts = new LinkedHashMap<>();
    private final List<Meter> meters = new ArrayList<>();
    private SharedIndexInformer<APQNReservation> informer;

    public ReservationMetrics(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
        List<String> phases = new ArrayList<>();
        for (Phase p : Phase.values()) {
            phases.add(p.name());
        }
        phases.add(NO_PHASE);
        for (String phase : phases) {
            long[] n = new long[1];
            counts.put(phase, n);
            meters.add(Gauge.builder(RESERVATIONS, this, m -> m.count(phase))
                    .description("APQNReservations in the cluster by status.phase (None: no status yet)")
                    .tag("phase", phase).strongReference(true).register(registry));
        }
    }

    /** Starts the informer (does not wait for its first list; the gauges fill in once it synced). */
    public ReservationMetrics start(KubernetesClient client) {
        informer = client.resources(APQNReservation.class).inAnyNamespace().runnableInformer(0);
        informer.addEventHandler(new Handler());
        informer.start().whenComplete((ok, err) -> {
            if (err != null) {
                LOG.warnf("reservation metrics: the APQNReservation informer did not start: %s", err.toString());
            }
        });
        return this;
    }

    private synchronized double count(String phase) {
        long[] n = counts.get(phase);
        return n == null ? 0 : n[0];
    }

    private static String key(APQNReservation r) {
        return r.getMetadata().getNamespace() + "/" + r.getMetadata().getName();
    }

    private static String phase(APQNReservation r) {
        return r.getStatus() == null || r.getStatus().getPhase() == null ? NO_PHASE : r.getStatus().getPhase().name();
    }

    /** Records {@code r}'s phase (null: gone). */
    synchronized void observe(String key, String phase) {
        String before = phase == null ? phaseByKey.remove(key) : phaseByKey.put(key, phase);
        if (before != null) {
            counts.computeIfAbsent(before, p -> new long[1])[0]--;
        }
        if (phase != null) {
            counts.computeIfAbsent(phase, p -> new long[1])[0]++;
        }
    }

    private final class Handler implements ResourceEventHandler<APQNReservation> {
        @Override
        public void onAdd(APQNReservation r) {
            observe(key(r), phase(r));
        }

        @Override
        public void onUpdate(APQNReservation old, APQNReservation now) {
            observe(key(now), phase(now));
        }

        @Override
        public void onDelete(APQNReservation r, boolean deletedFinalStateUnknown) {
            observe(key(r), null);
        }
    }

    @Override
    public void close() {
        if (informer != null) {
            informer.close();
        }
        meters.forEach(registry::remove);
    }
}
