package dev.apqn.events;

import dev.apqn.status.Conditions;
import dev.apqn.status.Reason;

import dev.apqn.api.v1alpha1.APQNReservationStatus;
import dev.apqn.api.v1alpha1.Phase;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one Event recorder of both roles (controller and agent): Kubernetes events (core/v1) with a
 * reason from the vocabulary, {@code Warning} for what a user must act on, emitted on transitions
 * only. Every write of an Event is paid by the API server, so the normal path of a reservation gets
 * two: Ready when it becomes ready and Released when it is gone ({@link #worthAnEvent}); the phases in
 * between (planning, applying, releasing) are in its status, not in Events. A reservation gets an
 * event when its headline (phase + deciding reason) changes to one worth an event, never on a
 * repeated reconcile with the same outcome. The last headline per
 * object is also kept in memory, so a reconcile that still sees the old status in the cache does
 * not emit twice. A transition that happened before (same object, type and reason) bumps the
 * count of its existing Event instead of adding one ({@link #emit}).
 */
public final class EventRecorder {

    /** The controller's component name. */
    public static final String CONTROLLER = "apqn-controller";
    /** The agent's component name. */
    public static final String AGENT = "apqn-agent";
    private static final Logger LOG = Logger.getLogger(EventRecorder.class);
    private static final int MAX_REMEMBERED = 4096;
    /** series.lastObservedTime is a MicroTime: exactly six fractional digits. */
    private static final DateTimeFormatter MICRO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'")
            .withZone(ZoneOffset.UTC);

    /** What an event says about a status: the phase and the reason that decides it. */
    public record Headline(Phase phase, Reason reason, boolean warning, String message) {
        public boolean sameAs(Headline o) {
            return o != null && phase == o.phase && reason.equals(o.reason);
        }
    }

    private final KubernetesClient client;
    private final String component;
    private final String instance;
    private final Map<String, Headline> last = new ConcurrentHashMap<>();
    /** Event name → the count last written (bounded; a forgotten one is learnt again from the API server). */
    private final Map<String, Integer> counts = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
            return size() > MAX_REMEMBERED;
        }
    };

    /** A recorder for {@code component} ({@link #CONTROLLER}, {@link #AGENT}); {@code instance} is this pod or node. */
    public EventRecorder(KubernetesClient client, String component, String instance) {
        this.client = client;
        this.component = component;
        this.instance = instance;
    }

    /** The headline of a status, empty for no status. */
    public static Optional<Headline> headline(APQNReservationStatus s) {
        if (s == null || s.getPhase() == null) {
            return Optional.empty();
        }
        var cs = s.getConditions();
        Reason reason;
        boolean stalled = Conditions.isTrue(cs, Conditions.STALLED);
        if (stalled) {
            reason = reasonOf(cs, Conditions.STALLED, Reason.InvalidSpec);
        } else if (Conditions.isTrue(cs, Conditions.DEGRADED)) {
            reason = reasonOf(cs, Conditions.DEGRADED, Reason.FilteredByKernel);
        } else if (Conditions.isTrue(cs, Conditions.READY)) {
            reason = Reason.Ready;
        } else if (Conditions.isTrue(cs, Conditions.RECONCILING)) {
            reason = reasonOf(cs, Conditions.RECONCILING, Reason.Planning);
        } else {
            reason = reasonOf(cs, Conditions.READY, Reason.Planning);
        }
        boolean warning = stalled || s.getPhase() == Phase.Conflict || s.getPhase() == Phase.Degraded;
        return Optional.of(new Headline(s.getPhase(), reason, warning, s.getMessage()));
    }

    private static Reason reasonOf(java.util.List<io.fabric8.kubernetes.api.model.Condition> cs, String type, Reason fallback) {
        return Conditions.find(cs, type).flatMap(c -> Reason.parse(c.getReason())).orElse(fallback);
    }

    /**
     * Whether a headline is worth an Event: Ready, a wait for the user's approval, and every Warning
     * (Stalled, Conflict, Degraded: the user must act). Progress (Planning, Applying, Releasing,
     * WaitingForAgent) is not: it is in the status, and the normal path would pay for it on every
     * reservation.
     */
    public static boolean worthAnEvent(Headline h) {
        return h.warning() || h.phase() == Phase.Ready || h.phase() == Phase.AwaitingApproval;
    }

    /** The event to emit when a status goes from {@code before} to {@code after}, if any (pure). */
    public static Optional<Headline> transition(APQNReservationStatus before, APQNReservationStatus after) {
        Optional<Headline> a = headline(after).filter(EventRecorder::worthAnEvent);
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

    /**
     * Emits one event, or bumps the existing one (Flink's EventUtils style): an event's name is derived
     * from the object's uid, the type and the reason ({@link #eventName}), so a repeat (the same reason
     * on the same object, e.g. after the status flipped back) raises {@code count} and
     * {@code series.count} and moves {@code lastTimestamp} of that Event, with the newest message,
     * instead of creating another. Only create and patch are used (the controller's RBAC): the count is
     * remembered per event name, and after a restart or a leader change the first patch's answer tells
     * it. Failures are logged, never thrown (events are best effort).
     */
    public void emit(HasMetadata obj, boolean warning, Reason reason, String message) {
        var md = obj.getMetadata();
        String ns = md.getNamespace() == null ? "default" : md.getNamespace();
        String type = warning ? "Warning" : "Normal";
        String name = eventName(obj, type, reason);
        String msg = message == null ? "" : message.length() > 1000 ? message.substring(0, 1000) + "..." : message;
        Instant now = Instant.now();
        try {
            Integer known = count(name);
            if (known != null && bump(ns, name, known + 1, msg, now)) {
                return;
            }
            try {
                client.v1().events().inNamespace(ns).resource(fresh(obj, ns, name, type, reason, msg, now)).create();
                remember(name, 1);
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
                // made before this instance knew it (restart, new leader): the patch's answer has its count
                Event cur = client.v1().events().inNamespace(ns).resource(named(ns, name)).patch(PatchContext.of(PatchType.JSON_MERGE),
                        Serialization.asJson(Map.of("lastTimestamp", seconds(now))));
                bump(ns, name, (cur.getCount() == null ? 1 : cur.getCount()) + 1, msg, now);
            }
        } catch (RuntimeException ex) {
            LOG.warnf("could not record event %s on %s/%s: %s", reason, ns, md.getName(), ex.getMessage());
        }
    }

    /**
     * The event name for (object, type, reason): {@code <object name>.<16 hex digits of a SHA-256 of its
     * uid, kind, type, reason and our component>}, at most 253 characters.
     */
    public String eventName(HasMetadata obj, String type, Reason reason) {
        return eventName(obj, type, reason, component);
    }

    static String eventName(HasMetadata obj, String type, Reason reason, String component) {
        var md = obj.getMetadata();
        String who = md.getUid() != null ? md.getUid() : md.getNamespace() + "/" + md.getName();
        String key = who + "/" + obj.getKind() + "/" + type + "/" + reason.name() + "/" + component;
        String hash;
        try {
            hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)))
                    .substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        String base = md.getName().length() > 236 ? md.getName().substring(0, 236) : md.getName();
        return base + "." + hash;
    }

    private Event fresh(HasMetadata obj, String ns, String name, String type, Reason reason, String msg, Instant now) {
        var md = obj.getMetadata();
        return new EventBuilder()
                .withNewMetadata().withNamespace(ns).withName(name).endMetadata()
                .withInvolvedObject(new ObjectReferenceBuilder().withApiVersion(obj.getApiVersion()).withKind(obj.getKind())
                        .withName(md.getName()).withNamespace(md.getNamespace()).withUid(md.getUid())
                        .withResourceVersion(md.getResourceVersion()).build())
                .withType(type).withReason(reason.name()).withMessage(msg)
                .withFirstTimestamp(seconds(now)).withLastTimestamp(seconds(now)).withCount(1)
                .withNewSource().withComponent(component).endSource()
                .withReportingComponent(component).withReportingInstance(instance)
                .build();
    }

    /** Raises the event's count to {@code count}; false if the event is gone (expired), so a new one is made. */
    private boolean bump(String ns, String name, int count, String msg, Instant now) {
        Map<String, Object> patch = new LinkedHashMap<>();
        patch.put("count", count);
        patch.put("lastTimestamp", seconds(now));
        patch.put("message", msg);
        patch.put("series", Map.of("count", count, "lastObservedTime", MICRO.format(now)));
        try {
            client.v1().events().inNamespace(ns).resource(named(ns, name)).patch(PatchContext.of(PatchType.JSON_MERGE),
                    Serialization.asJson(patch));
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                forgetCount(name);
                return false;
            }
            throw e;
        }
        remember(name, count);
        return true;
    }

    /** Only names the event to patch (withName(..).patch would GET it first, which the RBAC does not allow). */
    private static Event named(String ns, String name) {
        return new EventBuilder().withNewMetadata().withNamespace(ns).withName(name).endMetadata().build();
    }

    private static String seconds(Instant t) {
        return t.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private Integer count(String name) {
        synchronized (counts) {
            return counts.get(name);
        }
    }

    private void remember(String name, int count) {
        synchronized (counts) {
            counts.put(name, count);
        }
    }

    private void forgetCount(String name) {
        synchronized (counts) {
            counts.remove(name);
        }
    }
}
