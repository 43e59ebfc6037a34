package dev.apqn.controller;

import dev.apqn.api.ApiValues;
import dev.apqn.api.WholeWrites;
import dev.apqn.api.v1alpha1.APQNReservation;
import dev.apqn.api.v1alpha1.APQNReservationStatus;
import dev.apqn.api.v1alpha1.Phase;
import dev.apqn.status.Conditions;
import dev.apqn.events.EventRecorder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Writes reservation statuses, each at most once per change, and records the Event of a transition.
 * <ul>
 *   <li>Our own last write is remembered until the informer has it, so a pass that runs before the
 *       watch delivered it compares against what we wrote, not against the older cached status.</li>
 *   <li>A transient status (planned, applying, releasing: the Reconciling condition alone) is written
 *       only once it has lasted {@code settle}: on the normal path the agent is done sooner and the
 *       reservation goes straight to Ready (or away), which saves a status write per lifecycle and
 *       the watch events it causes. A reservation that stays in such a phase shows it after
 *       {@code settle}. Statuses a user must see at once (Stalled, Conflict, Degraded, awaiting
 *       approval, Ready) are written at once.</li>
 * </ul>
 */
final class ReservationStatusWrites {

    private static final Logger LOG = Logger.getLogger(ReservationStatusWrites.class);

    private record Written(String resourceVersion, APQNReservationStatus status) {
    }

    private record Pending(EventRecorder.Headline headline, Instant since) {
    }

    private final KubernetesClient client;
    private final EventRecorder events;
    private final Duration settle;
    private final Map<String, Written> written = new ConcurrentHashMap<>();
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();

    ReservationStatusWrites(KubernetesClient client, EventRecorder events, Duration settle) {
        this.client = client;
        this.events = events;
        this.settle = settle;
    }

    /** The reservation with the newest status we know: the cache's, or our own write the cache has not caught up with. */
    APQNReservation current(APQNReservation cached) {
        Written w = ahead(cached);
        if (w == null) {
            return cached;
        }
        var copy = new APQNReservation();
        copy.setMetadata(cached.getMetadata());
        copy.setSpec(cached.getSpec());
        copy.setStatus(w.status);
        return copy;
    }

    /**
     * Forgets our remembered write of {@code cached} once the cache holds it or something newer. Called on every
     * event of the reservation: a reservation that is Ready sees no more passes, and its remembered status would
     * otherwise stay in memory beside the cached one (a second copy of every status at rest).
     */
    void caughtUp(APQNReservation cached) {
        ahead(cached);
    }

    /** Our remembered write if it is newer than {@code cached}; one the cache has caught up with is forgotten. */
    private Written ahead(APQNReservation cached) {
        Written w = written.get(cached.getMetadata().getUid());
        if (w != null && !newer(w.resourceVersion, cached.getMetadata().getResourceVersion())) {
            written.remove(cached.getMetadata().getUid(), w);
            return null;
        }
        return w;
    }

    /**
     * Writes {@code status} unless it is what {@code r} has (or is a transient status not yet
     * {@code settle} old); returns when to look again for a status held back, else empty.
     */
    Optional<Duration> write(APQNReservation r, APQNReservationStatus status) {
        APQNReservation cur = current(r);
        if (ApiValues.same(cur.getStatus(), status)) {
            pending.remove(r.getMetadata().getUid());
            return Optional.empty();
        }
        Optional<EventRecorder.Headline> h = EventRecorder.headline(status);
        if (h.isPresent() && transientStatus(status)) {
            Instant now = Instant.now();
            Pending p = pending.compute(r.getMetadata().getUid(),
                    (k, old) -> old != null && old.headline.sameAs(h.get()) ? old : new Pending(h.get(), now));
            Duration age = Duration.between(p.since, now);
            if (age.compareTo(settle) < 0) {
                return Optional.of(settle.minus(age));
            }
        }
        pending.remove(r.getMetadata().getUid());
        patch(r, status);
        events.onTransition(r, cur.getStatus(), status);
        return Optional.empty();
    }

    /** Forgets a reservation that is gone. */
    void forget(APQNReservation r) {
        written.remove(r.getMetadata().getUid());
        pending.remove(r.getMetadata().getUid());
        events.forget(r);
    }

    /** Planned, applying or releasing with nothing wrong: only the Reconciling condition says anything. */
    static boolean transientStatus(APQNReservationStatus s) {
        Phase p = s.getPhase();
        boolean progress = p == Phase.Pending || p == Phase.Planned || p == Phase.Applying || p == Phase.Releasing;
        var cs = s.getConditions();
        return progress && !Conditions.isTrue(cs, Conditions.STALLED) && !Conditions.isTrue(cs, Conditions.DEGRADED)
                && !Conditions.isTrue(cs, Conditions.CONFLICT);
    }

    private void patch(APQNReservation r, APQNReservationStatus status) {
        try {
            APQNReservation out = WholeWrites.replaceStatus(client, r, status, ReservationReconciler.FIELD_MANAGER);
            written.put(r.getMetadata().getUid(), new Written(out.getMetadata().getResourceVersion(), status));
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return; // deleted meanwhile
            }
            throw e;
        }
        LOG.debugf("%s: status %s", r.ref(), status.getPhase());
    }

    /** resourceVersions compared as numbers, as etcd issues them; an unreadable one is never newer. */
    static boolean newer(String a, String b) {
        if (b == null) {
            return true;
        }
        try {
            return Long.parseLong(a) > Long.parseLong(b);
        } catch (RuntimeException e) {
            return false;
        }
    }
}
