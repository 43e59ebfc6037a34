package dev.apqn.apbus;

import dev.apqn.ap.ApCard;
import dev.apqn.ap.ApDriver;
import dev.apqn.ap.ApMask;
import dev.apqn.ap.ApMdev;
import dev.apqn.ap.ApQueue;
import dev.apqn.ap.Apqn;
import dev.apqn.apbus.NodeCapabilities.Evidence;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

import static dev.apqn.apbus.SysfsPaths.BUS;
import static dev.apqn.apbus.SysfsPaths.MATRIX;
import static dev.apqn.apbus.SysfsPaths.cardDir;

/**
 * The cached inventory of a {@link SysfsApBus} and how it is kept current: a full read, or an
 * incremental refresh that reads cheap signals and rereads only what they point at. Not
 * thread-safe: the owning {@link SysfsApBus} serialises all calls.
 *
 * <h2>Refresh strategy</h2>
 * A full read reads every attribute of every card and queue: about 6–7 calls per queue, so
 * ≈150,000 calls on a 256 × 85 node. {@link #refresh()} instead reads these signals, in this order:
 * <ol>
 *   <li>bus: {@code apmask}, {@code aqmask}, the three QCI masks, {@code ap_domain}, {@code bindings},
 *       {@code scans}; and whether {@code /sys/devices/vfio_ap/matrix} exists (module load/unload → full);</li>
 *   <li>the listings of {@code /sys/bus/ap/drivers/vfio_ap} and {@code …/cex4queue} (one call each):
 *       any queue whose name appears or disappears there is reread;</li>
 *   <li>the card set ({@code /sys/devices/ap}) and each card's {@code config}, {@code chkstop} and
 *       zcrypt {@code online}: a change rereads the card and all its queues;</li>
 *   <li>the mdev set, and each mdev's {@code ap_config} (or {@code matrix} + {@code control_domains}) and
 *       {@code guest_matrix}: a change rereads the queues in the old and new adapters × domains
 *       (their vfio {@code status} follows the matrix).</li>
 * </ol>
 * Then: an apmask bit that flipped rereads that card's queues; an aqmask bit that flipped rereads
 * that domain's queue on every card; a changed QCI mask rereads the affected cards in full and
 * relists their queues; a moved {@code scans} counter relists every card directory (one list call
 * per card) and reads only queues that appeared; a {@code bindings} change that the driver listings
 * do not explain (e.g. the driver directories cannot be listed) falls back to a full read. Queues
 * the owner changed itself ({@link #touched}) are reread on the next refresh, or by
 * {@link #rereadWritten()}, which rereads only what the owner's own writes changed (mask bits, mdevs,
 * queues) and reads no signal: the verification after a converge's writes.
 * Every {@link SysfsApBus.Options#fullResyncEvery()} refreshes, or after
 * {@link SysfsApBus.Options#fullResyncInterval()}, the refresh is a full read. What a refresh can
 * miss until then is listed on {@link SysfsApBus}.
 */
final class InventoryRefresher {

    private static final ApDriver[] LISTED_DRIVERS = {ApDriver.VFIO_AP, ApDriver.CEX4QUEUE};

    private final CountingSysfs sysfs;
    private final SysfsApBus.Options options;
    private final SysfsInventoryReader reader;
    private final SysfsValues values;

    private ApBusState bus;
    private NodeCapabilities caps;
    private final TreeMap<Integer, ApCard> cards = new TreeMap<>();
    private final TreeMap<Apqn, ApQueue> queues = new TreeMap<>();
    private final TreeMap<UUID, ApMdev> mdevs = new TreeMap<>();
    private final Map<ApDriver, Set<String>> driverListings = new HashMap<>();
    /**
     * The entries of each driver directory exactly as last listed, while {@link #driverListings} is
     * what they say: an identical listing is then known to change nothing without parsing it again
     * (on a large node the cex4queue directory lists some 20,000 queues at every refresh).
     */
    private final Map<ApDriver, List<String>> rawListings = new HashMap<>();
    private final Set<Apqn> touched = new HashSet<>();
    /** The owner wrote apmask or aqmask since the last read. */
    private boolean masksWritten;
    /** Mdevs the owner created, removed or (un)assigned since the last read. */
    private final Set<UUID> mdevsWritten = new HashSet<>();
    private int refreshesSinceFull;
    private long lastFullNanos;
    private ApRefreshStats lastStats = new ApRefreshStats(ApRefreshStats.Kind.FULL, 0, 0, 0, List.of());

    InventoryRefresher(CountingSysfs sysfs, SysfsApBus.Options options, SysfsInventoryReader reader) {
        this.sysfs = sysfs;
        this.options = options;
        this.reader = reader;
        this.values = reader.values();
    }

    /** The capabilities as of the last read; null before the first. */
    NodeCapabilities capabilities() {
        return caps;
    }

    ApRefreshStats lastStats() {
        return lastStats;
    }

    /** The owner changed this queue; the next refresh rereads it. */
    void touched(Apqn apqn) {
        touched.add(apqn);
    }

    /** The owner wrote apmask or aqmask; {@link #rereadWritten()} rereads them and the queues of the flipped bits. */
    void masksWritten() {
        masksWritten = true;
    }

    /** The owner created, removed or (un)assigned this mdev; {@link #rereadWritten()} rereads it and its queues. */
    void mdevWritten(UUID mdev) {
        mdevsWritten.add(mdev);
    }

    /** Reads everything and replaces the cache. */
    ApInventory full(ApRefreshStats.Kind kind, List<String> reasons) throws SysfsException {
        CountingSysfs.Counts before = sysfs.counts();
        ApBusState newBus = reader.readBusState();

        boolean vfio = sysfs.exists(MATRIX);
        Optional<Set<String>> matrixFeatures = vfio ? values.readIfPresent(MATRIX + "/features").map(SysfsValues::words) : Optional.empty();
        Set<UUID> mdevIds = vfio ? reader.listMdevs() : Set.of();
        NodeCapabilities partial = CapabilityDetector.fromBusAndMatrix(sysfs, caps, newBus, vfio, matrixFeatures);
        if (!mdevIds.isEmpty() && (partial.apConfig() == Evidence.UNKNOWN || partial.guestMatrix() == Evidence.UNKNOWN)) {
            partial = CapabilityDetector.withMdevEvidence(sysfs, partial, mdevIds.iterator().next());
        }

        TreeMap<UUID, ApMdev> newMdevs = new TreeMap<>();
        for (UUID id : mdevIds) {
            reader.readMdev(id, partial).ifPresent(m -> newMdevs.put(id, m));
        }

        CapabilityDetector detect = new CapabilityDetector(partial).decideOwnershipFromFirstQueue();
        TreeMap<Integer, ApCard> newCards = new TreeMap<>();
        TreeMap<Apqn, ApQueue> newQueues = new TreeMap<>();
        for (int id : reader.listCards()) {
            Optional<ApCard> card = reader.readCardIfPresent(id);
            if (card.isEmpty()) {
                continue;
            }
            newCards.put(id, card.get());
            for (Apqn q : reader.listQueues(id)) {
                reader.readQueueIfPresent(q, detect).ifPresent(v -> newQueues.put(q, v));
            }
        }
        if (detect.ownership == null) {
            detect.ownership = CapabilityDetector.ownershipWithoutQueues(sysfs);
        }
        Map<ApDriver, Set<String>> listings = new HashMap<>();
        Map<ApDriver, List<String>> raw = new HashMap<>();
        for (ApDriver d : LISTED_DRIVERS) {
            reader.listDriverEntries(d).ifPresent(entries -> {
                raw.put(d, entries);
                listings.put(d, SysfsInventoryReader.queueNames(entries));
            });
        }

        bus = newBus;
        caps = detect.result(partial);
        cards.clear();
        cards.putAll(newCards);
        queues.clear();
        queues.putAll(newQueues);
        mdevs.clear();
        mdevs.putAll(newMdevs);
        driverListings.clear();
        driverListings.putAll(listings);
        rawListings.clear();
        rawListings.putAll(raw);
        forgetWrites();
        refreshesSinceFull = 0;
        lastFullNanos = options.nanoTime().getAsLong();
        CountingSysfs.Counts cost = sysfs.counts().minus(before);
        lastStats = new ApRefreshStats(kind, cost.readCalls(), newCards.size(), newQueues.size(), reasons);
        return snapshot();
    }

    /** Rereads what the signals point at, or everything when it is time for a full resync (see class comment). */
    ApInventory refresh() throws SysfsException {
        if (bus == null) {
            return full(ApRefreshStats.Kind.FULL, List.of("first inventory"));
        }
        refreshesSinceFull++;
        if (refreshesSinceFull >= options.fullResyncEvery()) {
            return full(ApRefreshStats.Kind.PERIODIC_FULL, List.of("periodic resync after " + refreshesSinceFull + " refreshes"));
        }
        if (options.nanoTime().getAsLong() - lastFullNanos >= options.fullResyncInterval().toNanos()) {
            return full(ApRefreshStats.Kind.PERIODIC_FULL, List.of("periodic resync after " + options.fullResyncInterval()));
        }
        CountingSysfs.Counts before = sysfs.counts();
        List<String> reasons = new ArrayList<>();
        RereadPlan plan = new RereadPlan();

        ApBusState old = bus;
        boolean vfioNow = sysfs.exists(MATRIX);
        if (vfioNow != caps.vfioAp()) {
            return full(ApRefreshStats.Kind.FULL, List.of("vfio_ap " + (vfioNow ? "loaded" : "unloaded")));
        }
        boolean masksFlipped = busSignals(old, reasons, plan);
        boolean listingsExplain = driverListings(reasons, plan);
        if (!old.bindings().equals(bus.bindings()) && !listingsExplain && !masksFlipped) {
            return full(ApRefreshStats.Kind.FULL, List.of("bindings changed " + old.bindings().map(ApBindings::toString).orElse("-")
                    + " -> " + bus.bindings().map(ApBindings::toString).orElse("-") + " and the driver directories cannot tell which queues"));
        }
        cardSignals(reasons, plan);
        if (caps.vfioAp()) {
            mdevSignals(reasons, plan);
        }
        if (!touched.isEmpty()) {
            reasons.add("queues changed through this ApBus: " + abbreviate(touched.stream().map(Apqn::toString).toList()));
            touched.forEach(plan::queue);
        }
        forgetWrites(); // the masks and every mdev were read as signals above

        CapabilityDetector detect = new CapabilityDetector(caps);
        Reread reread = reread(plan, detect);
        caps = detect.result(caps);
        CountingSysfs.Counts cost = sysfs.counts().minus(before);
        lastStats = new ApRefreshStats(ApRefreshStats.Kind.INCREMENTAL, cost.readCalls(), reread.cards(), reread.queues(), reasons);
        return snapshot();
    }

    /**
     * Rereads only what the owner's own writes since the last read can have changed, and nothing
     * else: apmask and aqmask if written, then the queues of the bits that flipped (as
     * {@link #refresh()} would); each written mdev, then the queues of its old and new matrix (their
     * vfio {@code status} follows it); each queue written directly (override, bind, unbind, probe).
     * The driver-listing snapshot is brought up to date for the queues reread, so the next refresh
     * does not read them again; a change made by someone else meanwhile still differs from every
     * snapshot and is found by the next refresh or the periodic full read. Not a refresh: it does not
     * count towards {@link SysfsApBus.Options#fullResyncEvery()}.
     */
    ApInventory rereadWritten() throws SysfsException {
        if (bus == null) {
            return full(ApRefreshStats.Kind.FULL, List.of("first inventory"));
        }
        CountingSysfs.Counts before = sysfs.counts();
        List<String> reasons = new ArrayList<>();
        RereadPlan plan = new RereadPlan();
        if (masksWritten) {
            ApBusState old = bus;
            ApMask apmask = values.readMask(BUS + "/apmask");
            ApMask aqmask = values.readMask(BUS + "/aqmask");
            bus = new ApBusState(apmask, aqmask, old.hostAdapters(), old.hostUsageDomains(), old.hostControlDomains(),
                    old.maxAdapterId(), old.maxDomainId(), old.apDomain(), old.bindings(), old.scans(), old.features());
            masksFlipped(old, reasons, plan);
        }
        for (UUID id : mdevsWritten) {
            if (caps.vfioAp() && (caps.apConfig() == Evidence.UNKNOWN || caps.guestMatrix() == Evidence.UNKNOWN)) {
                caps = CapabilityDetector.withMdevEvidence(sysfs, caps, id);
            }
            ApMdev was = mdevs.get(id);
            Optional<ApMdev> now = reader.readMdev(id, caps);
            if (!now.equals(Optional.ofNullable(was))) {
                reasons.add("mdev " + id + (was == null ? " created" : now.isEmpty() ? " removed" : " changed"));
                plan.matrix(was);
                now.ifPresentOrElse(m -> {
                    plan.matrix(m);
                    mdevs.put(id, m);
                }, () -> mdevs.remove(id));
            }
        }
        if (!touched.isEmpty()) {
            reasons.add("queues changed through this ApBus: " + abbreviate(touched.stream().map(Apqn::toString).toList()));
            touched.forEach(plan::queue);
        }
        forgetWrites();
        CapabilityDetector detect = new CapabilityDetector(caps);
        Reread reread = reread(plan, detect);
        caps = detect.result(caps);
        for (Apqn q : reread.apqns()) {
            noteListed(q);
        }
        CountingSysfs.Counts cost = sysfs.counts().minus(before);
        lastStats = new ApRefreshStats(ApRefreshStats.Kind.WRITTEN, cost.readCalls(), reread.cards(), reread.queues(), reasons);
        return snapshot();
    }

    /** The driver-listing snapshot for a queue just reread: listed under the driver its link names, if any. */
    private void noteListed(Apqn q) {
        String name = q.toString();
        ApQueue v = queues.get(q);
        for (ApDriver d : LISTED_DRIVERS) {
            Set<String> listed = driverListings.get(d);
            if (listed == null) {
                continue; // that directory could not be listed: nothing to keep in step
            }
            boolean changed = v != null && v.driver() == d ? listed.add(name) : listed.remove(name);
            if (changed) {
                rawListings.remove(d); // the last listing no longer says what the snapshot holds
            }
        }
    }

    private void forgetWrites() {
        touched.clear();
        masksWritten = false;
        mdevsWritten.clear();
    }

    private ApInventory snapshot() {
        return new ApInventory(bus, caps, cards, queues, mdevs);
    }

    /** Step 1: the bus attributes. Returns whether apmask or aqmask changed. */
    private boolean busSignals(ApBusState old, List<String> reasons, RereadPlan plan) throws SysfsException {
        ApMask apmask = values.readMask(BUS + "/apmask");
        ApMask aqmask = values.readMask(BUS + "/aqmask");
        Optional<ApMask> qciA = values.readQciMask(BUS + "/ap_adapter_mask");
        Optional<ApMask> qciU = values.readQciMask(BUS + "/ap_usage_domain_mask");
        Optional<ApMask> qciC = values.readQciMask(BUS + "/ap_control_domain_mask");
        int apDomain = values.readInt(BUS + "/ap_domain");
        Optional<ApBindings> bindings = caps.scansAndBindings() ? Optional.of(reader.readBindings()) : Optional.empty();
        OptionalLong scans = caps.scansAndBindings() ? OptionalLong.of(values.readLong(BUS + "/scans")) : OptionalLong.empty();
        bus = new ApBusState(apmask, aqmask, qciA, qciU, qciC, old.maxAdapterId(), old.maxDomainId(), apDomain,
                bindings, scans, old.features());

        boolean masksFlipped = masksFlipped(old, reasons, plan);
        ApMask qciAFlipped = flipped(old.hostAdapters(), qciA);
        ApMask qciUFlipped = flipped(old.hostUsageDomains(), qciU);
        if (!qciAFlipped.isEmpty() || !qciUFlipped.isEmpty() || !old.hostControlDomains().equals(qciC)) {
            reasons.add("host configuration (QCI masks) changed");
            qciAFlipped.ids().forEach(plan.relist::add);
            if (!qciUFlipped.isEmpty()) {
                plan.relist.addAll(cards.keySet());
            }
        }
        if (!old.scans().equals(scans)) {
            reasons.add("scans moved " + old.scans().orElse(-1) + " -> " + scans.orElse(-1));
            plan.relistAllCards = true;
        }
        return masksFlipped;
    }

    /** Plans the reread of the queues whose apmask or aqmask bit differs between {@code old} and {@link #bus}; true if any did. */
    private boolean masksFlipped(ApBusState old, List<String> reasons, RereadPlan plan) {
        ApMask apFlipped = flipped(Optional.of(old.apmask()), Optional.of(bus.apmask()));
        if (!apFlipped.isEmpty()) {
            reasons.add("apmask changed at adapters " + apFlipped.toRangeList());
            apFlipped.ids().filter(cards::containsKey).forEach(a -> plan.domains(a, ApMask.all()));
        }
        ApMask aqFlipped = flipped(Optional.of(old.aqmask()), Optional.of(bus.aqmask()));
        if (!aqFlipped.isEmpty()) {
            reasons.add("aqmask changed at domains " + aqFlipped.toRangeList());
            cards.keySet().forEach(a -> plan.domains(a, aqFlipped));
        }
        return !apFlipped.isEmpty() || !aqFlipped.isEmpty();
    }

    /** Step 2: the driver directories. Returns whether all could be listed (so they explain binding changes). */
    private boolean driverListings(List<String> reasons, RereadPlan plan) throws SysfsException {
        boolean listingsExplain = true;
        for (ApDriver d : LISTED_DRIVERS) {
            Optional<List<String>> entries = reader.listDriverEntries(d);
            if (entries.isPresent() && entries.get().equals(rawListings.get(d))) {
                continue; // listed exactly as last time: no binding moved here
            }
            entries.ifPresentOrElse(e -> rawListings.put(d, e), () -> rawListings.remove(d));
            Optional<Set<String>> now = entries.map(SysfsInventoryReader::queueNames);
            Set<String> before = driverListings.getOrDefault(d, Set.of());
            Set<String> nowSet = now.orElseGet(TreeSet::new); // mutable: rereadWritten keeps it in step
            if (now.isEmpty()) {
                listingsExplain = false;
            }
            if (!nowSet.equals(before)) {
                Set<String> diff = new TreeSet<>(nowSet);
                diff.addAll(before);
                Set<String> both = new HashSet<>(nowSet);
                both.retainAll(before);
                diff.removeAll(both);
                reasons.add(d + " bindings changed for " + abbreviate(diff));
                diff.forEach(n -> plan.queue(Apqn.parse(n)));
                driverListings.put(d, nowSet);
            }
        }
        return listingsExplain;
    }

    /** Step 3: the card set and each card's cheap flags. */
    private void cardSignals(List<String> reasons, RereadPlan plan) throws SysfsException {
        Set<Integer> cardIds = reader.listCards();
        for (Integer gone : new ArrayList<>(cards.keySet())) {
            if (!cardIds.contains(gone)) {
                reasons.add("card " + String.format("%02x", gone) + " disappeared");
                cards.remove(gone);
                queues.keySet().removeIf(q -> q.adapter() == gone);
                plan.forget(gone);
            }
        }
        for (int id : cardIds) {
            ApCard c = cards.get(id);
            if (c == null) {
                reasons.add("card " + String.format("%02x", id) + " appeared");
                plan.relist.add(id);
                continue;
            }
            String dir = cardDir(id);
            boolean config = values.readFlag(dir + "/config", true);
            boolean chkstop = values.readFlag(dir + "/chkstop", false);
            Optional<Boolean> online = values.readIfPresent(dir + "/online", SysfsValues::parseFlag);
            if (config != c.config() || chkstop != c.chkstop() || !online.equals(c.online())) {
                reasons.add(c.name() + " config/chkstop/online changed");
                cards.put(id, new ApCard(id, c.hwtype(), c.type(), c.functions(), config, chkstop, online));
                plan.domains(id, ApMask.all());
            }
        }
    }

    /** Step 4: the mdev set and each mdev's matrix and shadow. */
    private void mdevSignals(List<String> reasons, RereadPlan plan) throws SysfsException {
        Set<UUID> ids = reader.listMdevs();
        boolean unknownCaps = caps.apConfig() == Evidence.UNKNOWN || caps.guestMatrix() == Evidence.UNKNOWN;
        if (unknownCaps && !ids.isEmpty()) {
            caps = CapabilityDetector.withMdevEvidence(sysfs, caps, ids.iterator().next());
        }
        for (UUID gone : new ArrayList<>(mdevs.keySet())) {
            if (!ids.contains(gone)) {
                reasons.add("mdev " + gone + " removed");
                plan.matrix(mdevs.remove(gone));
            }
        }
        for (UUID id : ids) {
            ApMdev before = mdevs.get(id);
            Optional<ApMdev> now = reader.readMdev(id, caps);
            if (now.isEmpty()) {
                continue; // removed between the listing and the read; the next refresh drops it
            }
            if (!now.get().equals(before)) {
                reasons.add("mdev " + id + (before == null ? " created" : " changed"));
                plan.matrix(before);
                plan.matrix(now.get());
                mdevs.put(id, now.get());
            }
        }
    }

    /** What a reread read: cards and queue reads, and the queues whose cache entry it replaced or dropped. */
    private record Reread(int cards, int queues, Set<Apqn> apqns) {
    }

    /** Carries out the plan: relists, then rereads cards and queues. */
    private Reread reread(RereadPlan plan, CapabilityDetector detect) throws SysfsException {
        int cardsReread = 0;
        int queuesReread = 0;
        Set<Apqn> apqns = new TreeSet<>();
        if (plan.relistAllCards) {
            for (int id : cards.keySet()) {
                if (plan.relist.contains(id)) {
                    continue;
                }
                Set<Apqn> listed = reader.listQueues(id);
                Set<Apqn> known = queuesOfCard(id);
                for (Apqn q : known) {
                    if (!listed.contains(q)) {
                        queues.remove(q);
                    }
                }
                for (Apqn q : listed) {
                    if (!known.contains(q)) {
                        plan.queue(q);
                    }
                }
            }
        }
        for (int id : plan.relist) {
            Optional<ApCard> card = reader.readCardIfPresent(id);
            if (card.isEmpty()) {
                cards.remove(id);
                queues.keySet().removeIf(q -> q.adapter() == id);
                continue;
            }
            cards.put(id, card.get());
            cardsReread++;
            apqns.addAll(queuesOfCard(id));
            queues.keySet().removeIf(q -> q.adapter() == id);
            for (Apqn q : reader.listQueues(id)) {
                reader.readQueueIfPresent(q, detect).ifPresent(v -> queues.put(q, v));
                apqns.add(q);
                queuesReread++;
            }
            plan.forget(id);
        }
        for (Map.Entry<Integer, ApMask> e : plan.domainsByCard.entrySet()) {
            int a = e.getKey();
            ApMask doms = e.getValue();
            Set<Apqn> candidates = new TreeSet<>();
            if (doms.isFull()) {
                candidates.addAll(queuesOfCard(a));
            } else {
                doms.ids().forEach(d -> candidates.add(Apqn.of(a, d)));
            }
            for (Apqn q : candidates) {
                boolean known = queues.containsKey(q);
                if (!known && !plan.queues.contains(q)) {
                    continue; // no such queue device
                }
                Optional<ApQueue> v = reader.readQueueIfPresent(q, detect);
                queuesReread++;
                apqns.add(q);
                if (v.isPresent()) {
                    queues.put(q, v.get());
                } else {
                    queues.remove(q);
                }
            }
        }
        return new Reread(cardsReread, queuesReread, apqns);
    }

    private Set<Apqn> queuesOfCard(int adapter) {
        return new TreeSet<>(queues.subMap(Apqn.of(adapter, 0), true, Apqn.of(adapter, ApMask.MAX_ID), true).keySet());
    }

    private static ApMask flipped(Optional<ApMask> before, Optional<ApMask> now) {
        ApMask b = before.orElse(ApMask.none());
        ApMask n = now.orElse(ApMask.none());
        return b.andNot(n).or(n.andNot(b));
    }

    private static String abbreviate(Collection<String> names) {
        List<String> sorted = new ArrayList<>(new TreeSet<>(names));
        return sorted.size() <= 8 ? String.join(",", sorted)
                : String.join(",", sorted.subList(0, 8)) + ",… (" + sorted.size() + ")";
    }
}
