package dev.apqn.apbus.sim;

import dev.apqn.ap.Apqn;
import dev.apqn.apbus.sim.ZcryptRequest.Kind;
import dev.apqn.apbus.sim.ZcryptRequest.State;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * The host's zcrypt request traffic on the simulated AP bus (ap-bus.md §4.1, §4.2, §1.4/§1.5
 * counters, §10 invariant 7). Purely event-driven and deterministic: nothing moves unless
 * {@link #submit}, {@link #step}, {@link #tick}, {@link #sendAll}, {@link #completeAll} or
 * {@link #flush} is called; the only randomness ({@link #tick}, {@link #submitRandom}) comes from
 * the seed.
 *
 * <p><b>Routing</b> (zcrypt_api.c): a request goes to the usable queue with the lowest weight =
 * queue load (its outstanding requests) + {@value #CARD_PENALTY} if its card is the one the
 * request last failed on + {@value #QUEUE_PENALTY} if it is the exact queue it last failed on.
 * Ties: lower card load, then lower queue {@code request_count} (as zcrypt's compare functions
 * do), then APQN order. The request goes on the queue's request list; {@code request_count} of
 * the queue and its card counts it right then, as {@code ap_queue_message()} does.
 *
 * <p><b>Flush</b>: every pending and queued request of the queue completes with -EAGAIN; a pending
 * one counts one (possible) execution. Admin requests fail with EIO at once; others are
 * re-routed immediately (attempt n+1, with the penalties) until {@value #TRACK_AGAIN_MAX}
 * attempts are used up, then EIO. No usable queue means -ENODEV: one rescan retry, then ENODEV.
 *
 * <p><b>Locking</b>: internal state is guarded by a private lock, and {@link HostQueues#usableQueues()}
 * is never called while holding it (the kernel may hold its own lock when it calls
 * {@link #flush}, so calling back into it under our lock could deadlock). Routing uses a snapshot
 * taken just before; a submit whose snapshot was overtaken by a flush takes a new one.
 * {@link #flush} routes with the kernel's view at the time of the call: call it after the queue
 * stopped being usable (unbind, online=0, checkstop, deconfig) so its requests go elsewhere; on a
 * {@code reset} write the queue stays usable and may get its requests back if it is the only one.
 */
public class ZcryptTraffic {

    /** zcrypt_api.h: attempts per request before -EAGAIN becomes EIO. */
    public static final int TRACK_AGAIN_MAX = 10;
    /** zcrypt_api.h TRACK_AGAIN_CARD_WEIGHT_PENALTY. */
    public static final int CARD_PENALTY = 1000;
    /** zcrypt_api.h TRACK_AGAIN_QUEUE_WEIGHT_PENALTY. */
    public static final int QUEUE_PENALTY = 10000;
    /** Queue depth (requests that may be sent and unanswered at once) unless set per card. */
    public static final int DEFAULT_DEPTH = 8;
    /** Finished requests whose records are kept for {@link #request(long)}; older ones are only counted. */
    public static final int RETAINED_FINISHED = 10_000;

    private final HostQueues queues;
    private final SplittableRandom random;
    private final Object lock = new Object();

    private final Map<Apqn, QueueState> queueStates = new TreeMap<>();
    private final Map<Integer, Long> cardRequestCounts = new TreeMap<>();
    private final Map<Integer, Integer> cardDepths = new HashMap<>();
    /** All known requests by id, in submission order. */
    private final Map<Long, Req> requests = new LinkedHashMap<>();
    /** Finished requests in the order they finished (for retention). */
    private final Deque<Req> finished = new ArrayDeque<>();

    private long nextId = 1;
    private long generation;
    private long submitted, completed, rescheduled, eioAdmin, eioExhausted, enodev, duplicates, flushes, rescans;
    private long forgottenCompleted, forgottenEio, forgottenEnodev;
    private ZcryptFlushReport lastFlush;

    public ZcryptTraffic(HostQueues queues, long seed) {
        this.queues = queues;
        this.random = new SplittableRandom(seed);
    }

    // ------------------------------------------------------------------ submitting

    /** Submits an unrestricted request of the given kind. */
    public ZcryptRequest submit(Kind kind) {
        return submit(kind, ZcryptTarget.ANY);
    }

    /**
     * Submits a user request: routes it to the best usable queue allowed by {@code target} and puts
     * it on that queue's request list. With no such queue it gets -ENODEV, is retried once after
     * a "rescan" (a fresh look at the usable queues) and then fails with ENODEV.
     *
     * @return the request as it is now (QUEUED, or FAILED_ENODEV)
     */
    public ZcryptRequest submit(Kind kind, ZcryptTarget target) {
        boolean rescanned = false;
        while (true) {
            long seen;
            synchronized (lock) {
                seen = generation;
            }
            List<Apqn> usable = queues.usableQueues();
            synchronized (lock) {
                if (seen != generation) {
                    continue; // a flush happened in between: look again
                }
                Req req = new Req(nextId, kind, target);
                Apqn best = select(req, usable);
                if (best == null && !rescanned) {
                    rescanned = true;
                    rescans++;
                    continue; // -ENODEV: rescan (fresh snapshot) and retry once
                }
                nextId++;
                submitted++;
                requests.put(req.id, req);
                req.rescanned = rescanned;
                if (best == null) {
                    enodev++;
                    finish(req, State.FAILED_ENODEV);
                } else {
                    place(req, best);
                }
                return req.snapshot();
            }
        }
    }

    /** Submits {@code count} unrestricted requests, each admin with probability {@code adminShare} (seeded). */
    public List<ZcryptRequest> submitRandom(int count, double adminShare) {
        List<ZcryptRequest> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            boolean admin;
            synchronized (lock) {
                admin = random.nextDouble() < adminShare;
            }
            out.add(submit(admin ? Kind.ADMIN : Kind.NORMAL));
        }
        return out;
    }

    // ------------------------------------------------------------------ progress

    /**
     * One round over the usable queues with work, in APQN order: each completes its oldest pending
     * request (if any), then sends the head of its request list (if the depth allows).
     *
     * @return number of events (sends + completions)
     */
    public int step() {
        List<Apqn> usable = queues.usableQueues();
        synchronized (lock) {
            int events = 0;
            for (Apqn apqn : usable) {
                QueueState qs = queueStates.get(apqn);
                if (qs == null) {
                    continue;
                }
                if (!qs.pendingq.isEmpty()) {
                    complete(qs);
                    events++;
                }
                if (!qs.requestq.isEmpty() && qs.pendingq.size() < depth(apqn)) {
                    send(qs);
                    events++;
                }
            }
            return events;
        }
    }

    /**
     * {@code n} random single events (seeded): each picks uniformly among all possible "send the
     * head of queue X's request list" and "complete the oldest pending request of queue X" on
     * usable queues. Stops early when nothing can progress.
     *
     * @return number of events done
     */
    public int tick(int n) {
        List<Apqn> usable = queues.usableQueues();
        synchronized (lock) {
            int done = 0;
            List<QueueState> canSend = new ArrayList<>();
            List<QueueState> canComplete = new ArrayList<>();
            for (; done < n; done++) {
                canSend.clear();
                canComplete.clear();
                for (Apqn apqn : usable) {
                    QueueState qs = queueStates.get(apqn);
                    if (qs == null) {
                        continue;
                    }
                    if (!qs.requestq.isEmpty() && qs.pendingq.size() < depth(apqn)) {
                        canSend.add(qs);
                    }
                    if (!qs.pendingq.isEmpty()) {
                        canComplete.add(qs);
                    }
                }
                int options = canSend.size() + canComplete.size();
                if (options == 0) {
                    break;
                }
                int pick = random.nextInt(options);
                if (pick < canSend.size()) {
                    send(canSend.get(pick));
                } else {
                    complete(canComplete.get(pick - canSend.size()));
                }
            }
            return done;
        }
    }

    /** Sends as many queued requests as each usable queue's depth allows. @return requests sent */
    public int sendAll() {
        List<Apqn> usable = queues.usableQueues();
        synchronized (lock) {
            int sent = 0;
            for (Apqn apqn : usable) {
                QueueState qs = queueStates.get(apqn);
                while (qs != null && !qs.requestq.isEmpty() && qs.pendingq.size() < depth(apqn)) {
                    send(qs);
                    sent++;
                }
            }
            return sent;
        }
    }

    /** Completes every pending request on the usable queues. @return requests completed */
    public int completeAll() {
        List<Apqn> usable = queues.usableQueues();
        synchronized (lock) {
            int done = 0;
            for (Apqn apqn : usable) {
                QueueState qs = queueStates.get(apqn);
                while (qs != null && !qs.pendingq.isEmpty()) {
                    complete(qs);
                    done++;
                }
            }
            return done;
        }
    }

    /** Alternates {@link #sendAll} and {@link #completeAll} until nothing moves. @return requests completed */
    public int drain() {
        int total = 0;
        while (true) {
            int sent = sendAll();
            int done = completeAll();
            total += done;
            if (sent == 0 && done == 0) {
                return total;
            }
        }
    }

    // ------------------------------------------------------------------ flush (called by the kernel)

    /**
     * Completes every pending and queued request of the queue with -EAGAIN, pending ones first (as
     * {@code __ap_flush_queue} does), and handles each per zcrypt's rules: admin → EIO; attempts
     * used up → EIO; else re-routed at once with the penalties. The queue's request/pending
     * counters drop to 0; its {@code request_count} is kept.
     */
    public void flush(Apqn apqn) {
        List<Apqn> usable = queues.usableQueues();
        synchronized (lock) {
            generation++;
            flushes++;
            QueueState qs = queueStates.get(apqn);
            List<Req> pending = qs == null ? List.of() : new ArrayList<>(qs.pendingq);
            List<Req> queued = qs == null ? List.of() : new ArrayList<>(qs.requestq);
            if (qs != null) {
                qs.pendingq.clear();
                qs.requestq.clear();
            }
            FlushTally tally = new FlushTally();
            for (Req req : pending) {
                execute(req); // the card may already have run it
                again(req, apqn, usable, true, tally);
            }
            for (Req req : queued) {
                again(req, apqn, usable, false, tally);
            }
            lastFlush = new ZcryptFlushReport(apqn, pending.size(), queued.size(), tally.rescheduledTo,
                    tally.adminEio, tally.exhaustedEio, tally.enodev, tally.mayExecuteTwice);
        }
    }

    /** The last flush, if any. */
    public Optional<ZcryptFlushReport> lastFlush() {
        synchronized (lock) {
            return Optional.ofNullable(lastFlush);
        }
    }

    /** Human-readable account of the last flush (for the guided tour). */
    public String describe() {
        synchronized (lock) {
            return lastFlush == null ? "no queue flushed yet" : lastFlush.describe();
        }
    }

    // ------------------------------------------------------------------ sysfs counters

    /** Requests not yet sent to the card (the queue's request list). */
    public int requestqCount(Apqn apqn) {
        synchronized (lock) {
            QueueState qs = queueStates.get(apqn);
            return qs == null ? 0 : qs.requestq.size();
        }
    }

    /** Requests sent and not yet answered (the queue's pending list). */
    public int pendingqCount(Apqn apqn) {
        synchronized (lock) {
            QueueState qs = queueStates.get(apqn);
            return qs == null ? 0 : qs.pendingq.size();
        }
    }

    /**
     * Requests put on this queue since its counter was last reset. Like the kernel's
     * {@code total_request_count} it counts a request when it is queued ({@code ap_queue_message}),
     * so a request re-routed after a flush counts once on every queue it was put on.
     */
    public long requestCount(Apqn apqn) {
        synchronized (lock) {
            QueueState qs = queueStates.get(apqn);
            return qs == null ? 0 : qs.requestCount;
        }
    }

    /** Resets the queue's processed-request counter (a write to request_count). */
    public void resetRequestCount(Apqn apqn) {
        synchronized (lock) {
            QueueState qs = queueStates.get(apqn);
            if (qs != null) {
                qs.requestCount = 0;
            }
        }
    }

    /** The card's {@code request_count}: requests put on any of its queues since the last card reset. */
    public long cardRequestCount(int adapter) {
        synchronized (lock) {
            return cardRequestCounts.getOrDefault(adapter, 0L);
        }
    }

    /** A write to the card's {@code request_count}: resets the card counter and those of all its queues. */
    public void resetCardRequestCount(int adapter) {
        synchronized (lock) {
            cardRequestCounts.remove(adapter);
            queueStates.forEach((apqn, qs) -> {
                if (apqn.adapter() == adapter) {
                    qs.requestCount = 0;
                }
            });
        }
    }

    /** Card {@code requestq_count}: sum over its queues. */
    public int cardRequestqCount(int adapter) {
        synchronized (lock) {
            return queueStates.entrySet().stream().filter(e -> e.getKey().adapter() == adapter)
                    .mapToInt(e -> e.getValue().requestq.size()).sum();
        }
    }

    /** Card {@code pendingq_count}: sum over its queues. */
    public int cardPendingqCount(int adapter) {
        synchronized (lock) {
            return queueStates.entrySet().stream().filter(e -> e.getKey().adapter() == adapter)
                    .mapToInt(e -> e.getValue().pendingq.size()).sum();
        }
    }

    /** Sets how many requests the card's queues accept on their pending lists (≥ 1). */
    public void setCardDepth(int adapter, int depth) {
        if (depth < 1) {
            throw new IllegalArgumentException("queue depth must be at least 1, got " + depth);
        }
        synchronized (lock) {
            cardDepths.put(adapter, depth);
        }
    }

    // ------------------------------------------------------------------ inspection

    public ZcryptStats stats() {
        synchronized (lock) {
            long queued = 0;
            long pending = 0;
            for (QueueState qs : queueStates.values()) {
                queued += qs.requestq.size();
                pending += qs.pendingq.size();
            }
            return new ZcryptStats(submitted, completed, rescheduled, eioAdmin, eioExhausted, enodev, duplicates,
                    queued, pending, flushes, rescans);
        }
    }

    /** The request with this id, unless unknown or finished long ago (see {@link #RETAINED_FINISHED}). */
    public Optional<ZcryptRequest> request(long id) {
        synchronized (lock) {
            Req req = requests.get(id);
            return req == null ? Optional.empty() : Optional.of(req.snapshot());
        }
    }

    /** Snapshots of all retained requests in submission order. */
    public List<ZcryptRequest> requests() {
        synchronized (lock) {
            return requests.values().stream().map(Req::snapshot).toList();
        }
    }

    /** The queues that hold requests now, with their ids (request list first, then pending list). */
    public Map<Apqn, List<Long>> outstanding() {
        synchronized (lock) {
            Map<Apqn, List<Long>> out = new TreeMap<>();
            queueStates.forEach((apqn, qs) -> {
                if (!qs.requestq.isEmpty() || !qs.pendingq.isEmpty()) {
                    List<Long> ids = new ArrayList<>();
                    qs.requestq.forEach(r -> ids.add(r.id));
                    qs.pendingq.forEach(r -> ids.add(r.id));
                    out.put(apqn, ids);
                }
            });
            return out;
        }
    }

    /**
     * Checks "no request is lost": every submitted request is completed, failed with EIO/ENODEV,
     * or on exactly one queue list that matches its state; plus the bookkeeping around it
     * (totals add up, attempts ≤ {@value #TRACK_AGAIN_MAX}, admin requests never put on a queue
     * twice, pending lists within their depth).
     *
     * @return the violations, empty when all is well
     */
    public List<String> checkNoRequestLost() {
        synchronized (lock) {
            List<String> violations = new ArrayList<>();
            Map<Req, String> where = new IdentityHashMap<>();
            queueStates.forEach((apqn, qs) -> {
                locate(apqn, qs.requestq, State.QUEUED, where, violations);
                locate(apqn, qs.pendingq, State.PENDING, where, violations);
                if (qs.pendingq.size() > depth(apqn)) {
                    violations.add(apqn + " has " + qs.pendingq.size() + " pending requests, above its depth " + depth(apqn));
                }
            });
            long nCompleted = forgottenCompleted, nEio = forgottenEio, nEnodev = forgottenEnodev, nFlight = 0;
            for (Req req : requests.values()) {
                switch (req.state) {
                    case QUEUED, PENDING -> {
                        nFlight++;
                        if (!where.containsKey(req)) {
                            violations.add("request #" + req.id + " is " + req.state + " on " + req.queue
                                    + " but on no queue list: lost");
                        }
                    }
                    case COMPLETED -> nCompleted++;
                    case FAILED_EIO -> nEio++;
                    case FAILED_ENODEV -> nEnodev++;
                }
                if (req.state.terminal() && (where.containsKey(req) || req.queue != null)) {
                    violations.add("request #" + req.id + " is " + req.state + " but still on " + req.queue);
                }
                if (req.attempts > TRACK_AGAIN_MAX) {
                    violations.add("request #" + req.id + " was tried " + req.attempts + " times, above " + TRACK_AGAIN_MAX);
                }
                if (req.kind == Kind.ADMIN && req.attempts > 1) {
                    violations.add("admin request #" + req.id + " was replayed (" + req.attempts + " attempts)");
                }
                if (req.state == State.COMPLETED && req.executions < 1) {
                    violations.add("request #" + req.id + " completed without executing");
                }
            }
            long accounted = nCompleted + nEio + nEnodev + nFlight;
            if (accounted != submitted) {
                violations.add(submitted + " requests submitted but " + accounted + " accounted for (completed "
                        + nCompleted + ", EIO " + nEio + ", ENODEV " + nEnodev + ", in flight " + nFlight + ")");
            }
            if (nCompleted != completed || nEio != eioAdmin + eioExhausted || nEnodev != enodev) {
                violations.add("counters disagree with the requests: completed " + completed + "/" + nCompleted
                        + ", EIO " + (eioAdmin + eioExhausted) + "/" + nEio + ", ENODEV " + enodev + "/" + nEnodev);
            }
            return violations;
        }
    }

    private static void locate(Apqn apqn, Deque<Req> list, State expected, Map<Req, String> where, List<String> violations) {
        for (Req req : list) {
            String here = apqn + " " + (expected == State.QUEUED ? "request list" : "pending list");
            String before = where.put(req, here);
            if (before != null) {
                violations.add("request #" + req.id + " is on both " + before + " and " + here);
            }
            if (req.state != expected || !apqn.equals(req.queue)) {
                violations.add("request #" + req.id + " is on the " + here + " but recorded as " + req.state + " on " + req.queue);
            }
        }
    }

    // ------------------------------------------------------------------ internals (hold the lock)

    private Apqn select(Req req, List<Apqn> usable) {
        Map<Integer, Long> cardLoads = new HashMap<>();
        queueStates.forEach((a, qs) -> cardLoads.merge(a.adapter(), (long) qs.load(), Long::sum));
        Apqn best = null;
        long bestWeight = 0, bestCardLoad = 0, bestCount = 0;
        for (Apqn apqn : usable) {
            if (!req.target.allows(apqn)) {
                continue;
            }
            QueueState qs = queueStates.get(apqn);
            long weight = qs == null ? 0 : qs.load();
            if (req.lastFailed != null) {
                if (req.lastFailed.adapter() == apqn.adapter()) {
                    weight += CARD_PENALTY;
                }
                if (req.lastFailed.equals(apqn)) {
                    weight += QUEUE_PENALTY;
                }
            }
            long cardLoad = cardLoads.getOrDefault(apqn.adapter(), 0L);
            long count = qs == null ? 0 : qs.requestCount;
            if (best == null || weight < bestWeight
                    || (weight == bestWeight && (cardLoad < bestCardLoad
                    || (cardLoad == bestCardLoad && (count < bestCount
                    || (count == bestCount && apqn.compareTo(best) < 0)))))) {
                best = apqn;
                bestWeight = weight;
                bestCardLoad = cardLoad;
                bestCount = count;
            }
        }
        return best;
    }

    private void place(Req req, Apqn apqn) {
        QueueState qs = queueStates.computeIfAbsent(apqn, a -> new QueueState());
        qs.requestq.addLast(req);
        qs.requestCount++;
        cardRequestCounts.merge(apqn.adapter(), 1L, Long::sum);
        req.state = State.QUEUED;
        req.queue = apqn;
        req.attempts++;
        req.tried.add(apqn);
    }

    private void send(QueueState qs) {
        Req req = qs.requestq.removeFirst();
        qs.pendingq.addLast(req);
        req.state = State.PENDING;
    }

    private void complete(QueueState qs) {
        Req req = qs.pendingq.removeFirst();
        execute(req);
        completed++;
        finish(req, State.COMPLETED);
    }

    private void execute(Req req) {
        req.executions++;
        if (req.executions > 1) {
            duplicates++;
        }
    }

    /** The request completed with -EAGAIN on {@code from}. */
    private void again(Req req, Apqn from, List<Apqn> usable, boolean wasPending, FlushTally tally) {
        req.queue = null;
        req.lastFailed = from;
        if (req.kind == Kind.ADMIN) {
            eioAdmin++;
            tally.adminEio++;
            finish(req, State.FAILED_EIO);
            return;
        }
        if (req.attempts >= TRACK_AGAIN_MAX) {
            eioExhausted++;
            tally.exhaustedEio++;
            finish(req, State.FAILED_EIO);
            return;
        }
        Apqn next = select(req, usable);
        if (next == null && !req.rescanned) {
            // -ENODEV: zcrypt forces a bus rescan and runs its retry loop once more. The kernel's
            // view cannot change while it is flushing, so the rescan sees the same queues.
            req.rescanned = true;
            rescans++;
            next = select(req, usable);
        }
        if (next == null) {
            enodev++;
            tally.enodev++;
            finish(req, State.FAILED_ENODEV);
            return;
        }
        place(req, next);
        rescheduled++;
        tally.rescheduledTo.merge(next, 1, Integer::sum);
        if (wasPending) {
            tally.mayExecuteTwice++;
        }
    }

    private void finish(Req req, State state) {
        req.state = state;
        req.queue = null;
        finished.addLast(req);
        while (finished.size() > RETAINED_FINISHED) {
            Req old = finished.removeFirst();
            requests.remove(old.id);
            switch (old.state) {
                case COMPLETED -> forgottenCompleted++;
                case FAILED_EIO -> forgottenEio++;
                default -> forgottenEnodev++;
            }
        }
    }

    private int depth(Apqn apqn) {
        return cardDepths.getOrDefault(apqn.adapter(), DEFAULT_DEPTH);
    }

    private static final class QueueState {
        final Deque<Req> requestq = new ArrayDeque<>();
        final Deque<Req> pendingq = new ArrayDeque<>();
        long requestCount;

        int load() {
            return requestq.size() + pendingq.size();
        }
    }

    private static final class Req {
        final long id;
        final Kind kind;
        final ZcryptTarget target;
        final List<Apqn> tried = new ArrayList<>(2);
        State state = State.QUEUED;
        Apqn queue;
        Apqn lastFailed;
        int attempts;
        int executions;
        boolean rescanned;

        Req(long id, Kind kind, ZcryptTarget target) {
            this.id = id;
            this.kind = kind;
            this.target = target;
        }

        ZcryptRequest snapshot() {
            return new ZcryptRequest(id, kind, target, state, attempts, Collections.unmodifiableList(tried), executions, queue);
        }
    }

    private static final class FlushTally {
        final SortedMap<Apqn, Integer> rescheduledTo = new TreeMap<>();
        int adminEio;
        int exhaustedEio;
        int enodev;
        int mayExecuteTwice;
    }
}
