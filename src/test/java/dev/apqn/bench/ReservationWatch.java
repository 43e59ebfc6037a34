package dev.apqn.bench;

import dev.apqn.api.v1alpha1.APQNReservation;
import dev.apqn.api.v1alpha1.Phase;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A plain watch on the benchmark's namespace: when each reservation was first seen Ready and when it
 * was seen DELETED (System.nanoTime of the event), and every departure from Ready while not being
 * deleted. After 10 s without progress a list fills in what the watch missed (counted, so a broken
 * watch shows).
 */
final class ReservationWatch implements AutoCloseable {

    private final KubernetesClient client;
    private final String namespace;
    private final int timeoutSeconds;
    private final Map<String, Long> readyAt = new ConcurrentHashMap<>();
    private final Map<String, Long> goneAt = new ConcurrentHashMap<>();
    private final AtomicInteger leftReady = new AtomicInteger();
    private final Map<String, Integer> leftReadyTo = new ConcurrentHashMap<>();
    private final AtomicInteger seenByListOnly = new AtomicInteger();
    private final AtomicInteger closedByServer = new AtomicInteger();
    private Watch watch;

    private ReservationWatch(KubernetesClient client, String namespace, int timeoutSeconds) {
        this.client = client;
        this.namespace = namespace;
        this.timeoutSeconds = timeoutSeconds;
    }

    static ReservationWatch start(KubernetesClient client, String namespace, int timeoutSeconds) {
        var w = new ReservationWatch(client, namespace, timeoutSeconds);
        w.watch = client.resources(APQNReservation.class).inNamespace(namespace).watch(w.new Listener());
        return w;
    }

    private final class Listener implements Watcher<APQNReservation> {
        @Override
        public void eventReceived(Action action, APQNReservation r) {
            long t = System.nanoTime();
            String name = r.getMetadata().getName();
            switch (action) {
                case ADDED, MODIFIED -> {
                    if (r.getStatus() != null && r.getStatus().getPhase() == Phase.Ready) {
                        readyAt.putIfAbsent(name, t);
                    } else if (readyAt.containsKey(name) && r.getMetadata().getDeletionTimestamp() == null) {
                        leftReady.incrementAndGet();
                        String to = r.getStatus() == null || r.getStatus().getPhase() == null ? "none"
                                : r.getStatus().getPhase().name() + ": " + r.getStatus().getMessage();
                        leftReadyTo.merge(to.length() > 200 ? to.substring(0, 200) : to, 1, Integer::sum);
                    }
                }
                case DELETED -> goneAt.putIfAbsent(name, t);
                default -> {
                }
            }
        }

        @Override
        public void onClose(WatcherException cause) {
            // a watch the client could not resume; the waits fall back to listing
            closedByServer.incrementAndGet();
            Bench.log("watch closed: " + cause.getMessage());
        }
    }

    /** Waits until every reservation was seen Ready; false on timeout or when {@code dead} names a dead process. */
    boolean awaitReady(List<APQNReservation> plan, Supplier<String> dead) throws InterruptedException {
        return await("Ready", plan, readyAt, this::listReady, dead);
    }

    boolean awaitGone(List<APQNReservation> plan, Supplier<String> dead) throws InterruptedException {
        return await("gone", plan, goneAt, () -> listGone(plan), dead);
    }

    private boolean await(String what, List<APQNReservation> plan, Map<String, Long> seen, Supplier<Set<String>> list,
                          Supplier<String> dead) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        int last = -1;
        long lastProgress = System.nanoTime();
        long lastLog = System.nanoTime();
        while (true) {
            int n = count(plan, seen);
            if (n >= plan.size()) {
                return true;
            }
            long now = System.nanoTime();
            if (n != last) {
                last = n;
                lastProgress = now;
            }
            if (now - lastLog > TimeUnit.SECONDS.toNanos(10)) {
                Bench.log("  " + what + ": " + n + "/" + plan.size());
                lastLog = now;
                String why = dead.get();
                if (why != null) {
                    Bench.log("stopped waiting for " + what + ": " + why);
                    return false;
                }
            }
            if (now - lastProgress > TimeUnit.SECONDS.toNanos(10)) {
                for (String name : list.get()) {
                    if (seen.putIfAbsent(name, now) == null) {
                        seenByListOnly.incrementAndGet();
                    }
                }
                lastProgress = now;
            }
            if (now > deadline) {
                Bench.log("timed out waiting for " + what + ": " + n + "/" + plan.size() + "; phases: " + phases());
                return false;
            }
            Thread.sleep(20);
        }
    }

    /** Phase counts of what is left, for the message of a timed-out wait. */
    private Map<String, Long> phases() {
        Map<String, Long> out = new TreeMap<>();
        try {
            client.resources(APQNReservation.class).inNamespace(namespace).list().getItems().forEach(r -> out.merge(
                    r.getStatus() == null || r.getStatus().getPhase() == null ? "none" : r.getStatus().getPhase().name()
                            + (r.getMetadata().getDeletionTimestamp() != null ? "(deleting)" : ""), 1L, Long::sum));
        } catch (RuntimeException e) {
            out.put("list failed: " + e.getMessage(), 0L);
        }
        return out;
    }

    private Set<String> listReady() {
        Set<String> out = new HashSet<>();
        client.resources(APQNReservation.class).inNamespace(namespace).list().getItems().forEach(r -> {
            if (r.getStatus() != null && r.getStatus().getPhase() == Phase.Ready) {
                out.add(r.getMetadata().getName());
            }
        });
        return out;
    }

    private Set<String> listGone(List<APQNReservation> plan) {
        Set<String> present = new HashSet<>();
        client.resources(APQNReservation.class).inNamespace(namespace).list().getItems()
                .forEach(r -> present.add(r.getMetadata().getName()));
        Set<String> gone = new HashSet<>();
        plan.forEach(r -> {
            if (!present.contains(r.getMetadata().getName())) {
                gone.add(r.getMetadata().getName());
            }
        });
        return gone;
    }

    int readyCount(List<APQNReservation> plan) {
        return count(plan, readyAt);
    }

    int goneCount(List<APQNReservation> plan) {
        return count(plan, goneAt);
    }

    long lastReady(List<APQNReservation> plan) {
        return last(plan, readyAt);
    }

    long lastGone(List<APQNReservation> plan) {
        return last(plan, goneAt);
    }

    /** Milliseconds from {@code sent[k]} to reservation k seen Ready ({@code ready}) or gone. */
    double[] sinceSent(List<APQNReservation> plan, long[] sent, boolean ready) {
        Map<String, Long> seen = ready ? readyAt : goneAt;
        long[] to = new long[plan.size()];
        for (int k = 0; k < plan.size(); k++) {
            to[k] = seen.getOrDefault(plan.get(k).getMetadata().getName(), 0L);
        }
        return Latencies.between(sent, to);
    }

    int leftReady() {
        return leftReady.get();
    }

    Map<String, Integer> leftReadyTo() {
        return new TreeMap<>(leftReadyTo);
    }

    Map<String, Object> health() {
        return Map.of("closedByServer", closedByServer.get(), "seenByListOnly", seenByListOnly.get());
    }

    private static int count(List<APQNReservation> plan, Map<String, Long> seen) {
        int n = 0;
        for (APQNReservation r : plan) {
            if (seen.containsKey(r.getMetadata().getName())) {
                n++;
            }
        }
        return n;
    }

    private static long last(List<APQNReservation> plan, Map<String, Long> seen) {
        return plan.stream().mapToLong(r -> seen.getOrDefault(r.getMetadata().getName(), 0L)).max().orElse(0);
    }

    @Override
    public void close() {
        watch.close();
    }
}
