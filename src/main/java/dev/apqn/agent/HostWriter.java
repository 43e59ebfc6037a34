package dev.apqn.agent;

import dev.apqn.agent.IntentLedger.Intent;
import dev.apqn.agent.IntentLedger.Op;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.Matrix;
import dev.apqn.apbus.ApBus;
import dev.apqn.apbus.ApConfigLock;
import dev.apqn.apbus.SysfsException;
import dev.apqn.apbus.SysfsTimeoutException;

import java.io.IOException;
import java.util.Collection;
import java.util.Map;
import java.util.SortedMap;

/**
 * The only way a converge writes to the host. Every write follows one protocol:
 * <ol>
 *   <li>take the s390-tools {@link ApConfigLock} (held only for this one write);</li>
 *   <li>append the {@link HostWrite} to the {@link IntentLedger} as an intent, durable before the
 *       write (for a take, with the requests in flight on the flipping queues read just now);</li>
 *   <li>write;</li>
 *   <li>resolve the intent against a re-read ({@link IntentResolver}): done, aborted, or kept open
 *       if the write timed out and its effect is not visible yet; re-read a changed mdev;</li>
 *   <li>release the lock.</li>
 * </ol>
 * A crash at any step leaves either no intent (nothing written) or an open intent that the next
 * agent resolves the same way. A kernel refusal, or a timeout whose effect is not visible, is thrown
 * after the resolve has recorded the outcome.
 */
final class HostWriter {

    /** The sysfs write itself. */
    @FunctionalInterface
    interface Action {
        void run() throws SysfsException;
    }

    private final ApBus bus;
    private final ApConfigLock lock;
    private final IntentLedger ledger;
    private final IntentResolver resolver;
    private final Drainer drainer;
    private final MdevMatrices matrices;
    private int writes;

    HostWriter(ApBus bus, ApConfigLock lock, IntentLedger ledger, IntentResolver resolver, Drainer drainer, MdevMatrices matrices) {
        this.bus = bus;
        this.lock = lock;
        this.ledger = ledger;
        this.resolver = resolver;
        this.drainer = drainer;
        this.matrices = matrices;
    }

    /** Writes attempted so far (each one journaled). */
    int writes() {
        return writes;
    }

    /** Writes; returns true if the re-read shows the effect. */
    boolean write(HostWrite w, Action action) throws IOException, SysfsException {
        try (var held = lock.acquire()) {
            writes++;
            return journaled(w, Map.of(), action);
        }
    }

    /**
     * Writes a take (a mask clear or an override flip): the requests in flight on {@code flipping}
     * are read under the lock just before the write and recorded with the intent per reservation.
     * Returns that estimate; the write did not throw, so the take happened or is not refused.
     */
    TakeoverEstimate take(HostWrite w, Collection<Apqn> flipping, Claims claims, Action action) throws IOException, SysfsException {
        try (var held = lock.acquire()) {
            writes++;
            SortedMap<Apqn, Integer> perQueue = drainer.inFlightPerQueue(flipping);
            int inFlight = perQueue.values().stream().mapToInt(Integer::intValue).sum();
            SortedMap<String, Integer> perOwner = claims.perOwner(perQueue);
            journaled(w, perOwner, action);
            return new TakeoverEstimate(w.op(), w.object(), inFlight, perOwner);
        }
    }

    /**
     * Recovery: finishes a step a crash interrupted. The intent is resolved whatever the write did,
     * and a failing write fails the converge (nothing of this pass has run yet). Not counted in
     * {@link #writes()}: the pass's first read is a full one anyway.
     */
    void finish(HostWrite w, Action action) throws IOException, SysfsException {
        try (var held = lock.acquire()) {
            Intent i = ledger.begin(w.op(), w.object(), w.why(), w.owner(), w.prev(), w.next());
            try {
                action.run();
            } finally {
                resolver.resolve(i, false);
            }
        }
    }

    /** Intent, write, resolve, re-read; called with the lock held. */
    private boolean journaled(HostWrite w, Map<String, Integer> inFlight, Action action) throws IOException, SysfsException {
        Intent i = ledger.begin(w.op(), w.object(), w.why(), w.owner(), w.prev(), w.next(), inFlight);
        SysfsException refused = null;
        boolean unknown = false;
        try {
            action.run();
        } catch (SysfsTimeoutException ex) {
            unknown = true;
            refused = ex;
        } catch (SysfsException ex) {
            refused = ex;
        }
        boolean visible = resolver.resolve(i, unknown);
        if (w.changesMdev()) {
            matrices.reread(bus, w.mdev());
        }
        if (w.op() == Op.CONFIGURE_MDEV && visible) {
            // the resolver confirms whatever matrix a finished write left (the operator's own partial
            // work) so the ledger stays true; the write itself only landed if the intended matrix is there
            Matrix now = matrices.get(w.mdev());
            visible = now == null || now.equals(Matrix.parseApConfigText(w.next()));
        }
        if (refused != null && !visible) {
            throw refused; // refused, or timed out with no effect yet (the intent stays open)
        }
        return visible;
    }
}
