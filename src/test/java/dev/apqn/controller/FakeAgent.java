package dev.apqn.controller;

import dev.apqn.status.Reason;

import dev.apqn.ap.ApMask;
import dev.apqn.ap.CardGeneration;
import dev.apqn.ap.Matrix;
import dev.apqn.api.v1alpha1.APNodeState;
import dev.apqn.api.v1alpha1.APNodeStateStatus;
import dev.apqn.api.v1alpha1.CardMode;
import dev.apqn.api.v1alpha1.CardStatus;
import dev.apqn.api.v1alpha1.HostConfigStatus;
import dev.apqn.api.v1alpha1.MatrixRanges;
import dev.apqn.api.v1alpha1.MdevStatus;
import dev.apqn.api.v1alpha1.NodeMdev;
import dev.apqn.api.v1alpha1.NodeMode;
import dev.apqn.api.v1alpha1.QueueGroup;
import dev.apqn.api.v1alpha1.ReservationSync;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A test-scope stand-in for a node agent (style §8): renews the node's Lease, reads its APNodeState
 * spec and writes status as an agent would (inventory from a tiny fixed machine, mdevs, per-reservation
 * sync state, observedGeneration), under its own field manager. Knobs: pause reporting, a guest in
 * use, a foreign mdev, an inventory change.
 */
final class FakeAgent implements AutoCloseable {

    static final String FIELD_MANAGER = "fake-agent";

    private final KubernetesClient client;
    private final String node;
    private final String leaseNamespace;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private volatile ApMask adapters;
    private volatile ApMask domains;
    private volatile long inventoryGeneration = 1;
    private volatile boolean paused;
    private final Object reporting = new Object();
    private volatile boolean leaseRenewing = true;
    private final Set<String> inUse = ConcurrentHashMap.newKeySet();
    private final Map<String, Matrix> foreign = new ConcurrentHashMap<>();
    private final Set<String> seen = ConcurrentHashMap.newKeySet();
    private final Map<String, String[]> failing = new ConcurrentHashMap<>();

    FakeAgent(KubernetesClient client, String node, String leaseNamespace, ApMask adapters, ApMask domains) {
        this.client = client;
        this.node = node;
        this.leaseNamespace = leaseNamespace;
        this.adapters = adapters;
        this.domains = domains;
    }

    FakeAgent start() {
        timer.scheduleWithFixedDelay(this::tick, 0, 200, TimeUnit.MILLISECONDS);
        return this;
    }

    /** Pauses (or resumes) reporting; a report already under way finishes first, so nothing is reported after this returns. */
    void pause(boolean p) {
        synchronized (reporting) {
            paused = p;
        }
    }

    void stopLease() {
        leaseRenewing = false;
    }

    void guestInUse(String reservationKey, boolean on) {
        if (on) {
            inUse.add(reservationKey);
        } else {
            inUse.remove(reservationKey);
        }
    }

    /** Reports the reservation Failed with this reason and message (null reason: back to normal). */
    void fail(String reservationKey, String reason, String message) {
        if (reason == null) {
            failing.remove(reservationKey);
        } else {
            failing.put(reservationKey, new String[] {reason, message});
        }
    }

    void foreignMdev(String uuid, Matrix m) {
        foreign.put(uuid, m);
    }

    void inventory(ApMask a, ApMask d) {
        adapters = a;
        domains = d;
        inventoryGeneration++;
    }

    private void tick() {
        try {
            if (leaseRenewing) {
                renewLease();
            }
            synchronized (reporting) {
                if (!paused) {
                    report();
                }
            }
        } catch (RuntimeException e) {
            // the next tick retries (conflicts, the API server restarting, ...)
        }
    }

    private void renewLease() {
        var leases = client.resources(Lease.class).inNamespace(leaseNamespace);
        Lease l = new Lease();
        l.setMetadata(new ObjectMetaBuilder().withName(APNodeState.leaseName(node)).withNamespace(leaseNamespace).build());
        LeaseSpec spec = new LeaseSpec();
        spec.setHolderIdentity("fake-agent-" + node);
        spec.setLeaseDurationSeconds(40);
        spec.setRenewTime(ZonedDateTime.now());
        spec.setAcquireTime(ZonedDateTime.now());
        l.setSpec(spec);
        leases.resource(l).patch(PatchContext.of(PatchType.SERVER_SIDE_APPLY));
    }

    private void report() {
        APNodeState ns = client.resources(APNodeState.class).withName(node).get();
        if (ns == null) {
            return;
        }
        List<NodeMdev> wanted = ns.getSpec() == null || ns.getSpec().getMdevs() == null || ns.getSpec().getHostEdits() == null
                ? List.of() : ns.getSpec().getMdevs();
        var st = new APNodeStateStatus();
        st.setObservedGeneration(ns.getMetadata().getGeneration());
        st.setMode(NodeMode.Masks);
        st.setInventoryGeneration(inventoryGeneration);
        Map<Integer, Set<Integer>> assigned = new LinkedHashMap<>();
        List<MdevStatus> mdevs = new ArrayList<>();
        List<ReservationSync> syncs = new ArrayList<>();
        Set<String> present = new HashSet<>();
        for (NodeMdev m : wanted) {
            Matrix mx = m.getMatrix().toMatrix();
            mdevs.add(mdev(m.getUuid(), true, m.getReservation(), mx, inUse.contains(m.getReservation())));
            mx.apqns().forEach(q -> assigned.computeIfAbsent(q.adapter(), k -> new HashSet<>()).add(q.domain()));
            String[] f = failing.get(m.getReservation());
            ReservationSync x = sync(m.getReservation(), m.getUuid(), f == null ? ReservationSync.State.Ready
                    : ReservationSync.State.Failed);
            if (f != null) {
                x.setReason(Reason.parse(f[0]).orElseThrow());
                x.setMessage(f[1]);
            }
            syncs.add(x);
            present.add(m.getReservation());
            seen.add(m.getReservation());
        }
        for (String key : new ArrayList<>(seen)) {
            if (present.contains(key)) {
                continue;
            }
            if (inUse.contains(key)) {
                syncs.add(sync(key, null, ReservationSync.State.InUse));
            } else {
                syncs.add(sync(key, null, ReservationSync.State.Released));
            }
        }
        foreign.forEach((uuid, m) -> {
            mdevs.add(mdev(uuid, false, null, m, false));
            m.apqns().forEach(q -> assigned.computeIfAbsent(q.adapter(), k -> new HashSet<>()).add(q.domain()));
        });
        List<CardStatus> cards = new ArrayList<>();
        for (int a : adapters.idList()) {
            var c = new CardStatus();
            c.setAdapter(a);
            c.setType("CEX8C");
            c.setGeneration(CardGeneration.CEX8);
            c.setMode(CardMode.CCA);
            c.setConfig(true);
            c.setOnline(true);
            ApMask vfio = ApMask.of(new ArrayList<>(assigned.getOrDefault(a, Set.of()))).and(domains);
            ApMask host = domains.andNot(vfio);
            List<QueueGroup> groups = new ArrayList<>();
            if (!host.isEmpty()) {
                groups.add(new QueueGroup(QueueGroup.Driver.cex4queue, QueueGroup.State.Online, host.toRangeList()));
            }
            if (!vfio.isEmpty()) {
                groups.add(new QueueGroup(QueueGroup.Driver.vfio_ap, QueueGroup.State.Assigned, vfio.toRangeList()));
            }
            c.setQueues(groups);
            cards.add(c);
        }
        st.setCards(cards);
        var hc = new HostConfigStatus();
        ApMask offA = ns.getSpec() != null && ns.getSpec().getHostEdits() != null
                && ns.getSpec().getHostEdits().getAdaptersOffHost() != null
                ? ApMask.of(ns.getSpec().getHostEdits().getAdaptersOffHost()) : ApMask.none();
        ApMask offD = ns.getSpec() != null && ns.getSpec().getHostEdits() != null
                && ns.getSpec().getHostEdits().getDomainsOffHost() != null
                ? ApMask.of(ns.getSpec().getHostEdits().getDomainsOffHost()) : ApMask.none();
        hc.setApmask(ApMask.all().andNot(offA).toRangeList());
        hc.setAqmask(ApMask.all().andNot(offD).toRangeList());
        hc.setAdaptersOffHostByOperator(offA.toRangeList());
        hc.setDomainsOffHostByOperator(offD.toRangeList());
        st.setHostConfig(hc);
        st.setMdevs(mdevs.isEmpty() ? null : mdevs);
        st.setReservations(syncs.isEmpty() ? null : syncs);
        var apply = new APNodeState();
        apply.setMetadata(new ObjectMetaBuilder().withName(node).build());
        apply.setSpec(null);
        apply.setStatus(st);
        client.resource(apply).subresource("status").patch(new PatchContext.Builder()
                .withPatchType(PatchType.SERVER_SIDE_APPLY).withFieldManager(FIELD_MANAGER).withForce(true).build());
    }

    private static MdevStatus mdev(String uuid, boolean owned, String reservation, Matrix m, boolean inUse) {
        var s = new MdevStatus();
        s.setUuid(uuid);
        s.setOwned(owned);
        s.setReservation(reservation);
        s.setMatrix(MatrixRanges.of(m));
        s.setGuestMatrix(MatrixRanges.of(m));
        s.setInUse(inUse ? true : null);
        return s;
    }

    private static ReservationSync sync(String key, String uuid, ReservationSync.State state) {
        var s = new ReservationSync();
        s.setReservation(key);
        s.setMdevUuid(uuid);
        s.setState(state);
        return s;
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
