package dev.apqn.controller;

import dev.apqn.api.v1alpha1.APQNReservationStatus;
import dev.apqn.api.v1alpha1.Phase;
import dev.apqn.status.Conditions;
import dev.apqn.status.Reasons;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Kubernetes events (core/v1) with a reason from the vocabulary, {@code Warning} for failures,
 * emitted on transitions only: a reservation gets an event when its headline (phase + deciding
 * reason) changes, never on a repeated reconcile with the same outcome. The last headline per
 * object is also kept in memory, so a reconcile that still sees the old status in the cache does
 * not emit twice.
 */
public final class EventRecorder {

    public static final String COMPONENT = "apqn-controller";
    private static final Logger LOG = Logger.getLogger(EventRecorder.class);

    /** What an event says about a status: the phase and the reason that decides it. */
    public record Headline(Phase phase, String reason, boolean warning, String message) {
        boolean sameAs(Headline o) {
            return o != null && phase == o.phase && reason.equals(o.reason);
        }
    }

    private final KubernetesClient client;
    private final Map<String, Headline> last = new ConcurrentHashMap<>();
    private final AtomicLong seq = new AtomicLong();

    public EventRecorder(KubernetesClient client) {
        this.client = client;
    }

    /** The headline of a status, empty for no status. */
    public static Optional<Headline> headline(APQNReservationStatus s) {
        if (s == null || s.getPhase() == null) {
            return Optional.empty();
        }
        var cs = s.getConditions();
        String reason;
        boolean stalled = Conditions.isTrue(cs, Conditions.STALLED);
        if (stalled) {
            reason = Conditions.find(cs, Conditions.STALLED).get().getReason();
        } else if (Conditions.isTrue(cs, Conditions.DEGRADED)) {
            reason = Conditions.find(cs, Conditions.DEGRADED).get().getReason();
        } else if (Conditions.isTrue(cs, Conditions.READY)) {
            reason = Reasons.READY;
        } else if (Conditions.isTrue(cs, Conditions.RECONCILING)) {
            reason = Conditions.find(cs, Conditions.RECONCILING).get().getReason();
        } else {
            reason = Conditions.find(cs, Conditions.READY).map(c -> c.getReason()).orElse(Reasons.PLANNING);
        }
        boolean warning = stalled || s.getPhase() == Phase.Conflict || s.getPhase() == Phase.Degraded;
        return Optional.of(new Headline(s.getPhase(), reason, warning, s.getMessage()));
    }

    /** The event to emit when a status goes from {@code before} to {@code after}, if any (pure). */
    public static Optional<Headline> transition(APQNReservationStatus before, APQNReservationStatus after) {
        Optional<Headline> a = headline(after);
        if (a.isEmpty()) {
            return Optional.empty();
        }
        Optional<Headline> b = headline(before);
        return b.isPresent() && b.get().sameAs(a.get()) ? Optional.empty() : a;
    }

    /** Emits an event for the transition from {@code before} to {@code after} on {@code obj}, if it is one. */
    public void onTransition(HasMetadata obj, APQNReservationStatus before, APQNReservationStatus after) {
        Optional<Headline> t = transition(before, after);
        if (t.isEmpty()) {
            return;
        }
        Headline h = t.get();
        String id = obj.getMetadata().getUid();
        Headline prev = last.put(id, h);
        if (h.sameAs(prev)) {
            return; // emitted already; the cache had not caught up with our status write
        }
        emit(obj, h.warning(), h.reason(), h.phase() + ": " + h.message());
    }

    /** Forgets an object (deleted). */
    public void forget(HasMetadata obj) {
        last.remove(obj.getMetadata().getUid());
    }

    /** Emits one event; failures are logged, never thrown (events are best effort). */
    public void emit(HasMetadata obj, boolean warning, String reason, String message) {
        Reasons.check(reason);
        var md = obj.getMetadata();
        String ns = md.getNamespace() == null ? "default" : md.getNamespace();
        String now = Instant.now().toString();
        String msg = message == null ? "" : message.length() > 1000 ? message.substring(0, 1000) + "..." : message;
        Event e = new EventBuilder()
                .withNewMetadata().withNamespace(ns)
                .withName(md.getName() + "." + Long.toHexString(System.nanoTime()) + Long.toHexString(seq.incrementAndGet()))
                .endMetadata()
                .withInvolvedObject(new ObjectReferenceBuilder().withApiVersion(obj.getApiVersion()).withKind(obj.getKind())
                        .withName(md.getName()).withNamespace(md.getNamespace()).withUid(md.getUid())
                        .withResourceVersion(md.getResourceVersion()).build())
                .withType(warning ? "Warning" : "Normal").withReason(reason).withMessage(msg)
                .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                .withNewSource().withComponent(COMPONENT).endSource()
                .withReportingComponent(COMPONENT).withReportingInstance(ControllerSettings.hostname())
                .build();
        try {
            client.v1().events().inNamespace(ns).resource(e).create();
        } catch (RuntimeException ex) {
            LOG.warnf("could not record event %s on %s/%s: %s", reason, ns, md.getName(), ex.getMessage());
        }
    }
}
