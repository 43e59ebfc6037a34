package dev.apqn.apbus.sim;

import dev.apqn.ap.Apqn;
import dev.apqn.apbus.sim.ZcryptRequest.Kind;
import dev.apqn.apbus.sim.ZcryptRequest.State;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class ZcryptTrafficTest {

    private static final Apqn A = Apqn.of(5, 4);
    private static final Apqn A2 = Apqn.of(5, 5);
    private static final Apqn B = Apqn.of(6, 4);
    private static final Apqn C = Apqn.of(7, 4);

    /** A tiny fake kernel view: the set of usable queues, changed by the test. */
    static final class FakeQueues implements HostQueues {
        private final TreeSet<Apqn> usable = new TreeSet<>();
        int calls;

        FakeQueues(Apqn... apqns) {
            usable.addAll(List.of(apqns));
        }

        @Override
        public synchronized List<Apqn> usableQueues() {
            calls++;
            return List.copyOf(usable);
        }

        synchronized void add(Apqn... apqns) {
            usable.addAll(List.of(apqns));
        }

        synchronized void remove(Apqn... apqns) {
            List.of(apqns).forEach(usable::remove);
        }

        synchronized Collection<Apqn> current() {
            return List.copyOf(usable);
        }
    }

    @Test
    void selectionPrefersTheLeastLoadedQueue() {
        FakeQueues host = new FakeQueues(A, B, C);
        ZcryptTraffic z = new ZcryptTraffic(host, 1);
        z.submit(Kind.NORMAL, ZcryptTarget.apqn(A));
        z.submit(Kind.NORMAL, ZcryptTarget.apqn(A));
        z.submit(Kind.NORMAL, ZcryptTarget.apqn(B));

        assertThat(z.submit(Kind.NORMAL).queue()).isEqualTo(C);
        // B and C now both carry one: equal weight, equal card load, equal request_count → APQN order
        assertThat(z.submit(Kind.NORMAL).queue()).isEqualTo(B);
        assertThat(z.submit(Kind.NORMAL).queue()).isEqualTo(C);
        assertThat(z.requestqCount(A)).isEqualTo(2);
        assertThat(z.requestqCount(B)).isEqualTo(2);
        assertThat(z.requestqCount(C)).isEqualTo(2);
    }

    @Test
    void equalQueueLoadPrefersTheLessLoadedCard() {
        FakeQueues host = new FakeQueues(A, A2, B);
        ZcryptTraffic z = new ZcryptTraffic(host, 1);
        z.submit(Kind.NORMAL, ZcryptTarget.apqn(A));
        // 05.0005 and 06.0004 are both idle, but card 05 is busy
        assertThat(z.submit(Kind.NORMAL).queue()).isEqualTo(B);
        assertThat(z.cardRequestqCount(5)).isEqualTo(1);
    }

    @Test
    void targetRestrictionIsHonoured() {
        ZcryptTraffic z = new ZcryptTraffic(new FakeQueues(A, A2, B), 1);
        for (int i = 0; i < 5; i++) {
            assertThat(z.submit(Kind.NORMAL, ZcryptTarget.domains(5)).queue()).isEqualTo(A2);
        }
        assertThat(z.submit(Kind.NORMAL, ZcryptTarget.adapters(6)).queue()).isEqualTo(B);
        ZcryptRequest none = z.submit(Kind.NORMAL, ZcryptTarget.apqn(C));
        assertThat(none.state()).isEqualTo(State.FAILED_ENODEV);
    }

    @Test
    void afterAFlushRequestsMoveToAnotherApqnAvoidingTheFailedCard() {
        FakeQueues host = new FakeQueues(A);
        ZcryptTraffic z = new ZcryptTraffic(host, 1);
        z.setCardDepth(5, 2);
        for (int i = 0; i < 4; i++) {
            assertThat(z.submit(Kind.NORMAL).queue()).isEqualTo(A);
        }
        assertThat(z.sendAll()).isEqualTo(2);
        assertThat(z.pendingqCount(A)).isEqualTo(2);
        assertThat(z.requestqCount(A)).isEqualTo(2);

        host.add(A2, B); // A stays usable (a reset write), A2 shares the failed card
        z.flush(A);

        // queue penalty 10000 on A, card penalty 1000 on A and A2: all four go to B
        assertThat(z.outstanding()).containsOnlyKeys(B);
        assertThat(z.requestqCount(B)).isEqualTo(4);
        assertThat(z.requests()).allSatisfy(r -> {
            assertThat(r.state()).isEqualTo(State.QUEUED);
            assertThat(r.queuesTried()).containsExactly(A, B);
            assertThat(r.attempts()).isEqualTo(2);
        });
        ZcryptFlushReport report = z.lastFlush().orElseThrow();
        assertThat(report.pending()).isEqualTo(2);
        assertThat(report.queued()).isEqualTo(2);
        assertThat(report.rescheduledTo()).containsExactly(java.util.Map.entry(B, 4));
        assertThat(report.mayExecuteTwice()).isEqualTo(2);
        assertThat(z.describe()).isEqualTo("flushed 05.0004: 2 pending + 2 queued completed with -EAGAIN; "
                + "4 rescheduled to 06.0004; 2 had already been sent and may execute twice");
        assertThat(z.stats().rescheduled()).isEqualTo(4);
        assertThat(z.checkNoRequestLost()).isEmpty();
    }

    @Test
    void withOnlyTheSameCardLeftTheOtherDomainIsPreferredOverTheFailedQueue() {
        FakeQueues host = new FakeQueues(A, A2);
        ZcryptTraffic z = new ZcryptTraffic(host, 1);
        z.submit(Kind.NORMAL, ZcryptTarget.apqn(A));
        z.submit(Kind.NORMAL, ZcryptTarget.adapters(5));
        z.submit(Kind.NORMAL, ZcryptTarget.adapters(5));
        z.flush(A); // the targeted one can only go back to A
        assertThat(z.request(1).orElseThrow().queuesTried()).containsExactly(A, A);
        // the others: A (0 + 1000 + 10000) vs A2 (load + 1000)
        assertThat(z.requestqCount(A2)).isEqualTo(2);
    }

    @Test
    void withOnlyOneUsableQueueTheSameApqnIsRetried() {
        ZcryptTraffic z = new ZcryptTraffic(new FakeQueues(A), 1);
        z.submit(Kind.NORMAL);
        z.sendAll();
        z.flush(A);
        ZcryptRequest r = z.request(1).orElseThrow();
        assertThat(r.state()).isEqualTo(State.QUEUED);
        assertThat(r.queue()).isEqualTo(A);
        assertThat(r.queuesTried()).containsExactly(A, A);
        assertThat(z.describe()).contains("1 rescheduled to 05.0004");
    }

    @Test
    void tenAttemptsThenEio() {
        ZcryptTraffic z = new ZcryptTraffic(new FakeQueues(A), 1);
        z.submit(Kind.NORMAL);
        for (int i = 1; i < ZcryptTraffic.TRACK_AGAIN_MAX; i++) {
            z.sendAll();
            z.flush(A);
            assertThat(z.request(1).orElseThrow().state()).isEqualTo(State.QUEUED);
            assertThat(z.request(1).orElseThrow().attempts()).isEqualTo(i + 1);
        }
        z.sendAll();
        z.flush(A);
        ZcryptRequest r = z.request(1).orElseThrow();
        assertThat(r.state()).isEqualTo(State.FAILED_EIO);
        assertThat(r.attempts()).isEqualTo(10);
        assertThat(r.queuesTried()).hasSize(10);
        assertThat(r.executions()).isEqualTo(10);
        ZcryptStats s = z.stats();
        assertThat(s.failedEioExhausted()).isEqualTo(1);
        assertThat(s.failedEioAdmin()).isZero();
        assertThat(s.rescheduled()).isEqualTo(9);
        assertThat(s.duplicateExecutions()).isEqualTo(9);
        assertThat(z.describe()).contains("1 failed with EIO after 10 attempts");
        assertThat(z.checkNoRequestLost()).isEmpty();
    }

    @Test
    void adminRequestsFailWithEioAtOnce() {
        FakeQueues host = new FakeQueues(A, B);
        ZcryptTraffic z = new ZcryptTraffic(host, 1);
        ZcryptRequest sent = z.submit(Kind.ADMIN, ZcryptTarget.apqn(A));
        z.sendAll();
        ZcryptRequest waiting = z.submit(Kind.ADMIN, ZcryptTarget.adapters(5));
        ZcryptRequest normal = z.submit(Kind.NORMAL, ZcryptTarget.apqn(A));
        host.remove(A);
        z.flush(A);

        ZcryptRequest r1 = z.request(sent.id()).orElseThrow();
        assertThat(r1.state()).isEqualTo(State.FAILED_EIO);
        assertThat(r1.attempts()).isEqualTo(1);
        assertThat(r1.executions()).isEqualTo(1); // it was sent: the card may have run it, once
        ZcryptRequest r2 = z.request(waiting.id()).orElseThrow();
        assertThat(r2.state()).isEqualTo(State.FAILED_EIO);
        assertThat(r2.executions()).isZero();
        assertThat(z.request(normal.id()).orElseThrow().state()).isEqualTo(State.FAILED_ENODEV);
        ZcryptStats s = z.stats();
        assertThat(s.failedEioAdmin()).isEqualTo(2);
        assertThat(s.duplicateExecutions()).isZero();
        assertThat(s.rescheduled()).isZero();
        assertThat(z.describe()).isEqualTo("flushed 05.0004: 1 pending + 2 queued completed with -EAGAIN; "
                + "2 admin requests failed with EIO (never replayed), 1 failed with ENODEV (no usable queue)");
    }

    @Test
    void duplicateExecutionIsCountedOnlyForRequestsThatWereSent() {
        FakeQueues host = new FakeQueues(A);
        ZcryptTraffic z = new ZcryptTraffic(host, 1);
        z.setCardDepth(5, 1);
        ZcryptRequest first = z.submit(Kind.NORMAL);
        ZcryptRequest second = z.submit(Kind.NORMAL);
        z.sendAll();
        assertThat(z.request(first.id()).orElseThrow().state()).isEqualTo(State.PENDING);
        assertThat(z.request(second.id()).orElseThrow().state()).isEqualTo(State.QUEUED);

        host.add(B);
        host.remove(A);
        z.flush(A);
        assertThat(z.drain()).isEqualTo(2);

        ZcryptRequest r1 = z.request(first.id()).orElseThrow();
        ZcryptRequest r2 = z.request(second.id()).orElseThrow();
        assertThat(r1.state()).isEqualTo(State.COMPLETED);
        assertThat(r1.executions()).isEqualTo(2);
        assertThat(r1.executedMoreThanOnce()).isTrue();
        assertThat(r2.state()).isEqualTo(State.COMPLETED);
        assertThat(r2.executions()).isEqualTo(1);
        assertThat(z.stats().duplicateExecutions()).isEqualTo(1);
        assertThat(z.lastFlush().orElseThrow().mayExecuteTwice()).isEqualTo(1);
    }

    @Test
    void countersDropToZeroOnFlushButRequestCountIsKept() {
        FakeQueues host = new FakeQueues(A);
        ZcryptTraffic z = new ZcryptTraffic(host, 1);
        z.setCardDepth(5, 3);
        for (int i = 0; i < 5; i++) {
            z.submit(Kind.NORMAL);
        }
        z.sendAll();
        assertThat(z.pendingqCount(A)).isEqualTo(3);
        assertThat(z.requestqCount(A)).isEqualTo(2);
        assertThat(z.cardPendingqCount(5)).isEqualTo(3);
        assertThat(z.requestCount(A)).isEqualTo(5);

        host.remove(A);
        host.add(B);
        z.flush(A);
        assertThat(z.pendingqCount(A)).isZero();
        assertThat(z.requestqCount(A)).isZero();
        assertThat(z.cardPendingqCount(5)).isZero();
        assertThat(z.cardRequestqCount(5)).isZero();
        assertThat(z.requestCount(A)).isEqualTo(5);
        assertThat(z.requestqCount(B)).isEqualTo(5);
        assertThat(z.requestCount(B)).isEqualTo(5);
    }

    @Test
    void stepSendsThenCompletesAndRequestCountCanBeReset() {
        ZcryptTraffic z = new ZcryptTraffic(new FakeQueues(A, A2, B), 1);
        z.submit(Kind.NORMAL, ZcryptTarget.apqn(A));
        z.submit(Kind.NORMAL, ZcryptTarget.apqn(A));
        z.submit(Kind.NORMAL, ZcryptTarget.apqn(A2));
        assertThat(z.step()).isEqualTo(2); // one send on A, one on A2
        assertThat(z.pendingqCount(A)).isEqualTo(1);
        assertThat(z.requestqCount(A)).isEqualTo(1);
        assertThat(z.step()).isEqualTo(3); // A: complete + send; A2: complete
        assertThat(z.step()).isEqualTo(1);
        assertThat(z.step()).isZero();
        assertThat(z.stats().completed()).isEqualTo(3);
        assertThat(z.requests()).allSatisfy(r -> assertThat(r.executions()).isEqualTo(1));

        assertThat(z.requestCount(A)).isEqualTo(2);
        assertThat(z.requestCount(A2)).isEqualTo(1);
        assertThat(z.cardRequestCount(5)).isEqualTo(3);
        z.resetRequestCount(A);
        assertThat(z.requestCount(A)).isZero();
        assertThat(z.requestCount(A2)).isEqualTo(1);
        assertThat(z.cardRequestCount(5)).isEqualTo(3); // the card counter is separate
        z.resetCardRequestCount(5);
        assertThat(z.cardRequestCount(5)).isZero();
        assertThat(z.requestCount(A2)).isZero();
    }

    @Test
    void noUsableQueueMeansEnodevAfterOneRescan() {
        FakeQueues host = new FakeQueues();
        ZcryptTraffic z = new ZcryptTraffic(host, 1);
        ZcryptRequest r = z.submit(Kind.NORMAL);
        assertThat(r.state()).isEqualTo(State.FAILED_ENODEV);
        assertThat(r.attempts()).isZero();
        assertThat(host.calls).isEqualTo(2);
        assertThat(z.stats().failedEnodev()).isEqualTo(1);
        assertThat(z.stats().rescans()).isEqualTo(1);
        assertThat(z.checkNoRequestLost()).isEmpty();
    }

    @Test
    void theRescanCanFindAQueueThatJustAppeared() {
        HostQueues appearsOnRescan = new HostQueues() {
            int calls;

            @Override
            public List<Apqn> usableQueues() {
                return calls++ == 0 ? List.of() : List.of(B);
            }
        };
        ZcryptTraffic z = new ZcryptTraffic(appearsOnRescan, 1);
        ZcryptRequest r = z.submit(Kind.NORMAL);
        assertThat(r.state()).isEqualTo(State.QUEUED);
        assertThat(r.queue()).isEqualTo(B);
    }

    @Test
    void tickIsReproducibleForASeed() {
        List<String> a = runTicks(7);
        List<String> b = runTicks(7);
        assertThat(a).isEqualTo(b);
        assertThat(a).isNotEqualTo(runTicks(8));
    }

    private static List<String> runTicks(long seed) {
        ZcryptTraffic z = new ZcryptTraffic(new FakeQueues(A, A2, B, C), seed);
        z.submitRandom(40, 0.2);
        List<String> trace = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            z.tick(1);
            trace.add(z.outstanding().toString());
        }
        trace.add(z.requests().stream().map(r -> r.kind().name().charAt(0) + "").reduce("", String::concat));
        return trace;
    }

    @Test
    void noRequestIsLostAcrossAReproducibleRandomRun() {
        ZcryptStats first = randomRun(20240611L);
        ZcryptStats again = randomRun(20240611L);
        assertThat(again).isEqualTo(first);
        assertThat(first.submitted()).isGreaterThan(3000);
        assertThat(first.rescheduled()).isPositive();
        assertThat(first.failedEioAdmin()).isPositive();
        assertThat(first.failedEnodev()).isPositive();
        assertThat(first.duplicateExecutions()).isPositive();
        assertThat(first.inFlight()).isZero();
        assertThat(first.completed() + first.failedEio() + first.failedEnodev()).isEqualTo(first.submitted());
    }

    private static ZcryptStats randomRun(long seed) {
        List<Apqn> all = List.of(A, A2, Apqn.of(5, 6), B, Apqn.of(6, 5), C, Apqn.of(7, 5), Apqn.of(7, 6));
        FakeQueues host = new FakeQueues(all.toArray(Apqn[]::new));
        ZcryptTraffic z = new ZcryptTraffic(host, seed);
        z.setCardDepth(6, 2);
        Random rnd = new Random(seed);
        List<Apqn> lagging = new ArrayList<>(); // left zcrypt, flush comes with the next "scan"
        for (int op = 0; op < 20_000; op++) {
            int dice = rnd.nextInt(100);
            if (dice < 30) {
                Kind kind = rnd.nextInt(10) == 0 ? Kind.ADMIN : Kind.NORMAL;
                ZcryptTarget target = switch (rnd.nextInt(6)) {
                    case 0 -> ZcryptTarget.domains(4);
                    case 1 -> ZcryptTarget.apqn(all.get(rnd.nextInt(all.size())));
                    default -> ZcryptTarget.ANY;
                };
                z.submit(kind, target);
            } else if (dice < 55) {
                z.step();
            } else if (dice < 80) {
                z.tick(1 + rnd.nextInt(5));
            } else if (dice < 86) {
                z.flush(all.get(rnd.nextInt(all.size()))); // reset write: the queue stays usable
            } else if (dice < 92) {
                Apqn gone = all.get(rnd.nextInt(all.size()));
                host.remove(gone);
                if (rnd.nextBoolean()) {
                    z.flush(gone); // unbind / online=0: flushed right away
                } else {
                    lagging.add(gone); // checkstop / deconfig: flushed by the next scan
                }
            } else if (dice < 96) {
                lagging.forEach(z::flush);
                lagging.clear();
            } else {
                Apqn back = all.get(rnd.nextInt(all.size()));
                if (!lagging.contains(back)) {
                    host.add(back);
                }
            }
            if (op % 97 == 0) {
                assertThat(z.checkNoRequestLost()).as("after op %d", op).isEmpty();
            }
        }
        assertThat(z.checkNoRequestLost()).isEmpty();
        lagging.forEach(z::flush);
        host.add(all.toArray(Apqn[]::new));
        z.drain();
        assertThat(z.checkNoRequestLost()).isEmpty();
        return z.stats();
    }

    @Test
    void concurrentCallersAndAKernelThatFlushesUnderItsOwnLockDoNotDeadlockOrLoseRequests() throws Exception {
        Object kernelLock = new Object();
        List<Apqn> all = List.of(A, A2, B, C);
        FakeQueues view = new FakeQueues(all.toArray(Apqn[]::new));
        HostQueues kernel = () -> {
            synchronized (kernelLock) {
                return view.usableQueues();
            }
        };
        ZcryptTraffic z = new ZcryptTraffic(kernel, 3);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                int id = t;
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < 2000; i++) {
                        z.submit(i % 7 == 0 ? Kind.ADMIN : Kind.NORMAL);
                        if (i % 3 == id) {
                            z.step();
                        }
                    }
                }));
            }
            futures.add(pool.submit(() -> {
                for (int i = 0; i < 2000; i++) {
                    Apqn q = all.get(i % all.size());
                    synchronized (kernelLock) { // the simulated kernel flushes while holding its lock
                        view.remove(q);
                        z.flush(q);
                        view.add(q);
                    }
                }
            }));
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        z.drain();
        assertThat(z.checkNoRequestLost()).isEmpty();
        ZcryptStats s = z.stats();
        assertThat(s.submitted()).isEqualTo(6000);
        assertThat(s.inFlight()).isZero();
        assertThat(s.completed() + s.failedEio() + s.failedEnodev()).isEqualTo(6000);
    }
}
