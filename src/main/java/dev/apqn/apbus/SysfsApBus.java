package dev.apqn.apbus;

import dev.apqn.apbus.NodeCapabilities.Evidence;
import dev.apqn.apbus.NodeCapabilities.Ownership;
import dev.apqn.apbus.SysfsException.Operation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * {@link ApBus} over a {@link Sysfs}: the only code that knows sysfs paths and formats
 * (ap-bus.md §1, §2). It wraps the given Sysfs in a {@link CountingSysfs} to report what each
 * inventory costs ({@link #lastRefreshStats()}).
 *
 * <h2>Refresh strategy</h2>
 * A full {@link #inventory()} reads every attribute of every card and queue: about 6–7 calls per
 * queue, so ≈150,000 calls on a 256 × 85 node. {@link #refresh()} instead reads these cheap
 * signals, in this order, and rereads only what they point at:
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
 * this object changed itself (driver_override, bind, unbind, probe) are reread on the next refresh.
 * Every {@link Options#fullResyncEvery()} refreshes, or after {@link Options#fullResyncInterval()},
 * the refresh is a full read.
 *
 * <p><b>What a quiet refresh can miss until the periodic full resync</b> (none of these moves a
 * signal above):
 * <ul>
 *   <li>a queue's zcrypt {@code online} flag flipped for that queue alone (chzcrypt on one APQN; a
 *       card-level chzcrypt is seen through the card's {@code online});</li>
 *   <li>a single queue's {@code config}/{@code chkstop} changing at a periodic bus scan while its
 *       card's flags stay the same;</li>
 *   <li>a {@code driver_override} set or cleared by someone else without a rebind (with a rebind the
 *       driver listings show it);</li>
 *   <li>vfio {@code status} changing between {@code assigned} and {@code in use} when a guest attaches
 *       or detaches without the {@code guest_matrix} text changing (e.g. the shadow is kept while no
 *       guest runs, ap-bus.md §11.6);</li>
 *   <li>{@code requestq_count}/{@code pendingq_count}: the inventory's in-flight numbers are from the
 *       last time the queue was read; use {@link #inFlight(Apqn)} for a live value.</li>
 * </ul>
 * Two refreshes that race a change can also see the new state of one signal and the old of
 * another; the next refresh catches up, since every signal is compared with the last one seen.
 */
public final class SysfsApBus implements ApBus {

    static final String BUS = "/sys/bus/ap";
    static final String DEVICES = "/sys/devices/ap";
    static final String MATRIX = "/sys/devices/vfio_ap/matrix";
    static final String MDEV_TYPE = MATRIX + "/mdev_supported_types/vfio_ap-passthrough";

    private static final Pattern CARD = Pattern.compile("card[0-9a-f]{2}");
    private static final Pattern QUEUE = Pattern.compile("[0-9a-f]{2}\\.[0-9a-f]{4}");
    private static final Pattern UUID_DIR = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final ApDriver[] LISTED_DRIVERS = {ApDriver.VFIO_AP, ApDriver.CEX4QUEUE};

    /** Sleeps between polls; tests pass one that advances a fake clock. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    /**
     * Tuning.
     *
     * @param fullResyncEvery     every this many refreshes, refresh reads everything (≥ 1)
     * @param fullResyncInterval  refresh reads everything when the last full read is this old
     * @param pollInterval        how long {@link #awaitBindingsComplete} waits between reads of {@code bindings}
     * @param nanoTime            monotonic clock (System::nanoTime)
     * @param sleeper             how to wait between polls (Thread::sleep)
     */
    public record Options(int fullResyncEvery, Duration fullResyncInterval, Duration pollInterval,
                          LongSupplier nanoTime, Sleeper sleeper) {

        public Options {
            if (fullResyncEvery < 1) {
                throw new IllegalArgumentException("fullResyncEvery must be at least 1, got " + fullResyncEvery);
            }
            Objects.requireNonNull(fullResyncInterval, "fullResyncInterval");
            Objects.requireNonNull(pollInterval, "pollInterval");
            Objects.requireNonNull(nanoTime, "nanoTime");
            Objects.requireNonNull(sleeper, "sleeper");
        }

        /** Full resync every 100 refreshes or 10 minutes; bindings polled every 50 ms. */
        public static Options defaults() {
            return new Options(100, Duration.ofMinutes(10), Duration.ofMillis(50), System::nanoTime,
                    d -> Thread.sleep(d.toMillis(), d.toNanosPart() % 1_000_000));
        }

        public Options withFullResync(int every, Duration interval) {
            return new Options(every, interval, pollInterval, nanoTime, sleeper);
        }

        public Options withClock(LongSupplier nanoTime, Sleeper sleeper) {
            return new Options(fullResyncEvery, fullResyncInterval, pollInterval, nanoTime, sleeper);
        }
    }

    private final CountingSysfs sysfs;
    private final Options options;

    // cached state, guarded by this
    private ApBusState bus;
    private NodeCapabilities caps;
    private final TreeMap<Integer, ApCard> cards = new TreeMap<>();
    private final TreeMap<Apqn, ApQueue> queues = new TreeMap<>();
    private final TreeMap<UUID, ApMdev> mdevs = new TreeMap<>();
    private final Map<ApDriver, Set<String>> driverListings = new HashMap<>();
    private final Set<Apqn> touched = new HashSet<>();
    private int refreshesSinceFull;
    private long lastFullNanos;
    private ApRefreshStats lastStats = new ApRefreshStats(ApRefreshStats.Kind.FULL, 0, 0, 0, List.of());

    public SysfsApBus(Sysfs sysfs) {
        this(sysfs, Options.defaults());
    }

    public SysfsApBus(Sysfs sysfs, Options options) {
        Objects.requireNonNull(sysfs, "sysfs");
        this.sysfs = sysfs instanceof CountingSysfs c ? c : new CountingSysfs(sysfs);
        this.options = Objects.requireNonNull(options, "options");
    }

    /** The counting Sysfs every call goes through. */
    public CountingSysfs counting() {
        return sysfs;
    }

    // =============================================================================================
    // inventory

    @Override
    public synchronized ApInventory inventory() throws SysfsException {
        return full(ApRefreshStats.Kind.FULL, List.of());
    }

    @Override
    public synchronized ApInventory refresh() throws SysfsException {
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
        Dirty dirty = new Dirty();

        // 1. bus signals
        ApBusState old = bus;
        boolean vfioNow = sysfs.exists(MATRIX);
        if (vfioNow != caps.vfioAp()) {
            return full(ApRefreshStats.Kind.FULL, List.of("vfio_ap " + (vfioNow ? "loaded" : "unloaded")));
        }
        ApMask apmask = readMask(BUS + "/apmask");
        ApMask aqmask = readMask(BUS + "/aqmask");
        Optional<ApMask> qciA = readQciMask(BUS + "/ap_adapter_mask");
        Optional<ApMask> qciU = readQciMask(BUS + "/ap_usage_domain_mask");
        Optional<ApMask> qciC = readQciMask(BUS + "/ap_control_domain_mask");
        int apDomain = readInt(BUS + "/ap_domain");
        Optional<ApBindings> bindings = caps.scansAndBindings() ? Optional.of(readBindings()) : Optional.empty();
        OptionalLong scans = caps.scansAndBindings() ? OptionalLong.of(readLong(BUS + "/scans")) : OptionalLong.empty();
        bus = new ApBusState(apmask, aqmask, qciA, qciU, qciC, old.maxAdapterId(), old.maxDomainId(), apDomain,
                bindings, scans, old.features());

        ApMask apFlipped = apmask.andNot(old.apmask()).or(old.apmask().andNot(apmask));
        if (!apFlipped.isEmpty()) {
            reasons.add("apmask changed at adapters " + apFlipped.toRangeList());
            apFlipped.ids().filter(cards::containsKey).forEach(a -> dirty.domains(a, ApMask.all()));
        }
        ApMask aqFlipped = aqmask.andNot(old.aqmask()).or(old.aqmask().andNot(aqmask));
        if (!aqFlipped.isEmpty()) {
            reasons.add("aqmask changed at domains " + aqFlipped.toRangeList());
            cards.keySet().forEach(a -> dirty.domains(a, aqFlipped));
        }
        ApMask qciAFlipped = flipped(old.hostAdapters(), qciA);
        ApMask qciUFlipped = flipped(old.hostUsageDomains(), qciU);
        if (!qciAFlipped.isEmpty() || !qciUFlipped.isEmpty() || !old.hostControlDomains().equals(qciC)) {
            reasons.add("host configuration (QCI masks) changed");
            qciAFlipped.ids().forEach(dirty.relist::add);
            if (!qciUFlipped.isEmpty()) {
                dirty.relist.addAll(cards.keySet());
            }
        }
        if (!old.scans().equals(scans)) {
            reasons.add("scans moved " + old.scans().orElse(-1) + " -> " + scans.orElse(-1));
            dirty.relistAllCards = true;
        }

        // 2. driver listings
        boolean listingsExplain = true;
        for (ApDriver d : LISTED_DRIVERS) {
            Optional<Set<String>> now = listDriver(d);
            Set<String> before2 = driverListings.getOrDefault(d, Set.of());
            Set<String> nowSet = now.orElse(Set.of());
            if (now.isEmpty()) {
                listingsExplain = false;
            }
            if (!nowSet.equals(before2)) {
                Set<String> diff = new TreeSet<>(nowSet);
                diff.addAll(before2);
                Set<String> both = new HashSet<>(nowSet);
                both.retainAll(before2);
                diff.removeAll(both);
                reasons.add(d + " bindings changed for " + abbreviate(diff));
                diff.forEach(n -> dirty.queue(Apqn.parse(n)));
                driverListings.put(d, nowSet);
            }
        }
        if (!old.bindings().equals(bindings) && !listingsExplain && apFlipped.isEmpty() && aqFlipped.isEmpty()) {
            return full(ApRefreshStats.Kind.FULL, List.of("bindings changed " + old.bindings().map(ApBindings::toString).orElse("-")
                    + " -> " + bindings.map(ApBindings::toString).orElse("-") + " and the driver directories cannot tell which queues"));
        }

        // 3. cards: set and cheap flags
        Set<Integer> cardIds = listCards();
        for (Integer gone : new ArrayList<>(cards.keySet())) {
            if (!cardIds.contains(gone)) {
                reasons.add("card " + String.format("%02x", gone) + " disappeared");
                cards.remove(gone);
                queues.keySet().removeIf(q -> q.adapter() == gone);
                dirty.forget(gone);
            }
        }
        for (int id : cardIds) {
            ApCard c = cards.get(id);
            if (c == null) {
                reasons.add("card " + String.format("%02x", id) + " appeared");
                dirty.relist.add(id);
                continue;
            }
            String dir = cardDir(id);
            boolean config = readFlag(dir + "/config", true);
            boolean chkstop = readFlag(dir + "/chkstop", false);
            Optional<Boolean> online = readIfPresent(dir + "/online", SysfsApBus::parseFlag);
            if (config != c.config() || chkstop != c.chkstop() || !online.equals(c.online())) {
                reasons.add(c.name() + " config/chkstop/online changed");
                cards.put(id, new ApCard(id, c.hwtype(), c.type(), c.functions(), config, chkstop, online));
                dirty.domains(id, ApMask.all());
            }
        }

        // 4. mdevs
        if (caps.vfioAp()) {
            Set<UUID> ids = listMdevs();
            boolean unknownCaps = caps.apConfig() == Evidence.UNKNOWN || caps.guestMatrix() == Evidence.UNKNOWN;
            if (unknownCaps && !ids.isEmpty()) {
                caps = withMdevEvidence(caps, ids.iterator().next());
            }
            for (UUID gone : new ArrayList<>(mdevs.keySet())) {
                if (!ids.contains(gone)) {
                    reasons.add("mdev " + gone + " removed");
                    dirty.matrix(mdevs.remove(gone));
                }
            }
            for (UUID id : ids) {
                ApMdev before2 = mdevs.get(id);
                Optional<ApMdev> now = readMdev(id, caps);
                if (now.isEmpty()) {
                    continue; // removed between the listing and the read; the next refresh drops it
                }
                if (!now.get().equals(before2)) {
                    reasons.add("mdev " + id + (before2 == null ? " created" : " changed"));
                    dirty.matrix(before2);
                    dirty.matrix(now.get());
                    mdevs.put(id, now.get());
                }
            }
        }

        // 5. own writes
        if (!touched.isEmpty()) {
            reasons.add("queues changed through this ApBus: " + abbreviate(touched.stream().map(Apqn::toString).toList()));
            touched.forEach(dirty::queue);
            touched.clear();
        }

        // apply
        Detect detect = new Detect(caps);
        int cardsReread = 0;
        int queuesReread = 0;
        if (dirty.relistAllCards) {
            for (int id : cards.keySet()) {
                if (dirty.relist.contains(id)) {
                    continue;
                }
                Set<Apqn> listed = listQueues(id);
                Set<Apqn> known = queuesOfCard(id);
                for (Apqn q : known) {
                    if (!listed.contains(q)) {
                        queues.remove(q);
                    }
                }
                for (Apqn q : listed) {
                    if (!known.contains(q)) {
                        dirty.queue(q);
                    }
                }
            }
        }
        for (int id : dirty.relist) {
            Optional<ApCard> card = readCardIfPresent(id);
            if (card.isEmpty()) {
                cards.remove(id);
                queues.keySet().removeIf(q -> q.adapter() == id);
                continue;
            }
            cards.put(id, card.get());
            cardsReread++;
            queues.keySet().removeIf(q -> q.adapter() == id);
            for (Apqn q : listQueues(id)) {
                readQueueIfPresent(q, detect).ifPresent(v -> queues.put(q, v));
                queuesReread++;
            }
            dirty.forget(id);
        }
        for (Map.Entry<Integer, ApMask> e : dirty.domainsByCard.entrySet()) {
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
                if (!known && !dirty.queues.contains(q)) {
                    continue; // no such queue device
                }
                Optional<ApQueue> v = readQueueIfPresent(q, detect);
                queuesReread++;
                if (v.isPresent()) {
                    queues.put(q, v.get());
                } else {
                    queues.remove(q);
                }
            }
        }
        caps = detect.result(caps);
        CountingSysfs.Counts cost = sysfs.counts().minus(before);
        lastStats = new ApRefreshStats(ApRefreshStats.Kind.INCREMENTAL, cost.readCalls(), cardsReread, queuesReread, reasons);
        return snapshot();
    }

    @Override
    public synchronized ApRefreshStats lastRefreshStats() {
        return lastStats;
    }

    @Override
    public synchronized NodeCapabilities capabilities() throws SysfsException {
        if (caps == null) {
            inventory();
        }
        return caps;
    }

    private ApInventory full(ApRefreshStats.Kind kind, List<String> reasons) throws SysfsException {
        CountingSysfs.Counts before = sysfs.counts();
        ApBusState newBus = readBusState();

        boolean vfio = sysfs.exists(MATRIX);
        Optional<Set<String>> matrixFeatures = vfio ? readIfPresent(MATRIX + "/features").map(SysfsApBus::words) : Optional.empty();
        Set<UUID> mdevIds = vfio ? listMdevs() : Set.of();
        Evidence apConfig = Evidence.UNKNOWN;
        Evidence guestMatrix = Evidence.UNKNOWN;
        if (matrixFeatures.isPresent()) {
            apConfig = matrixFeatures.get().contains("ap_config") ? Evidence.PRESENT : Evidence.ABSENT;
            guestMatrix = matrixFeatures.get().contains("guest_matrix") ? Evidence.PRESENT : Evidence.ABSENT;
        }
        NodeCapabilities partial = new NodeCapabilities(Ownership.MASKS, vfio, apConfig, guestMatrix,
                caps == null ? Evidence.UNKNOWN : caps.queueStatus(),
                newBus.scans().isPresent() && newBus.bindings().isPresent(),
                !newBus.features().isEmpty() || sysfs.exists(BUS + "/features"), newBus.features(),
                matrixFeatures.isPresent(), matrixFeatures.orElse(Set.of()));
        if (!mdevIds.isEmpty() && (apConfig == Evidence.UNKNOWN || guestMatrix == Evidence.UNKNOWN)) {
            partial = withMdevEvidence(partial, mdevIds.iterator().next());
        }

        TreeMap<UUID, ApMdev> newMdevs = new TreeMap<>();
        for (UUID id : mdevIds) {
            readMdev(id, partial).ifPresent(m -> newMdevs.put(id, m));
        }

        Detect detect = new Detect(partial);
        detect.ownership = null; // decided from the first queue seen
        TreeMap<Integer, ApCard> newCards = new TreeMap<>();
        TreeMap<Apqn, ApQueue> newQueues = new TreeMap<>();
        for (int id : listCards()) {
            Optional<ApCard> card = readCardIfPresent(id);
            if (card.isEmpty()) {
                continue;
            }
            newCards.put(id, card.get());
            for (Apqn q : listQueues(id)) {
                readQueueIfPresent(q, detect).ifPresent(v -> newQueues.put(q, v));
            }
        }
        if (detect.ownership == null) {
            detect.ownership = sysfs.exists(BUS + "/bindings_complete_count") ? Ownership.DRIVER_OVERRIDE : Ownership.MASKS;
        }
        Map<ApDriver, Set<String>> listings = new HashMap<>();
        for (ApDriver d : LISTED_DRIVERS) {
            listDriver(d).ifPresent(s -> listings.put(d, s));
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
        touched.clear();
        refreshesSinceFull = 0;
        lastFullNanos = options.nanoTime().getAsLong();
        CountingSysfs.Counts cost = sysfs.counts().minus(before);
        lastStats = new ApRefreshStats(kind, cost.readCalls(), newCards.size(), newQueues.size(), reasons);
        return snapshot();
    }

    private ApInventory snapshot() {
        return new ApInventory(bus, caps, cards, queues, mdevs);
    }

    private NodeCapabilities withMdevEvidence(NodeCapabilities c, UUID mdev) throws SysfsException {
        String dir = mdevDir(mdev);
        Evidence apConfig = c.apConfig() != Evidence.UNKNOWN ? c.apConfig()
                : sysfs.exists(dir + "/ap_config") ? Evidence.PRESENT : Evidence.ABSENT;
        Evidence guest = c.guestMatrix() != Evidence.UNKNOWN ? c.guestMatrix()
                : sysfs.exists(dir + "/guest_matrix") ? Evidence.PRESENT : Evidence.ABSENT;
        return new NodeCapabilities(c.ownership(), c.vfioAp(), apConfig, guest, c.queueStatus(), c.scansAndBindings(),
                c.busFeaturesFile(), c.busFeatures(), c.matrixFeaturesFile(), c.matrixFeatures());
    }

    /** Capabilities learnt while reading queues. */
    private final class Detect {
        Ownership ownership;
        Evidence queueStatus;

        Detect(NodeCapabilities c) {
            ownership = c.ownership();
            queueStatus = c.queueStatus();
        }

        NodeCapabilities result(NodeCapabilities c) {
            return new NodeCapabilities(ownership == null ? c.ownership() : ownership, c.vfioAp(), c.apConfig(),
                    c.guestMatrix(), queueStatus, c.scansAndBindings(), c.busFeaturesFile(), c.busFeatures(),
                    c.matrixFeaturesFile(), c.matrixFeatures());
        }
    }

    /** What a refresh has to reread. */
    private static final class Dirty {
        final Set<Integer> relist = new TreeSet<>();
        final Map<Integer, ApMask> domainsByCard = new TreeMap<>();
        final Set<Apqn> queues = new HashSet<>();
        boolean relistAllCards;

        void domains(int adapter, ApMask domains) {
            domainsByCard.merge(adapter, domains, ApMask::or);
        }

        void queue(Apqn q) {
            queues.add(q);
            domains(q.adapter(), ApMask.of(q.domain()));
        }

        void matrix(ApMdev m) {
            if (m == null) {
                return;
            }
            ApMask aqm = m.matrix().domains();
            ApMask doms = m.guestMatrix().map(g -> aqm.or(g.domains())).orElse(aqm);
            ApMask aps = m.guestMatrix().map(g -> m.matrix().adapters().or(g.adapters())).orElse(m.matrix().adapters());
            if (!doms.isEmpty()) {
                aps.ids().forEach(a -> domains(a, doms));
            }
        }

        void forget(int adapter) {
            domainsByCard.remove(adapter);
        }
    }

    // =============================================================================================
    // single reads

    @Override
    public ApBusState busState() throws SysfsException {
        return readBusState();
    }

    private ApBusState readBusState() throws SysfsException {
        ApMask apmask = readMask(BUS + "/apmask");
        ApMask aqmask = readMask(BUS + "/aqmask");
        Optional<ApMask> qciA = readQciMask(BUS + "/ap_adapter_mask");
        Optional<ApMask> qciU = readQciMask(BUS + "/ap_usage_domain_mask");
        Optional<ApMask> qciC = readQciMask(BUS + "/ap_control_domain_mask");
        int maxA = readInt(BUS + "/ap_max_adapter_id");
        int maxD = readInt(BUS + "/ap_max_domain_id");
        int apDomain = readInt(BUS + "/ap_domain");
        Optional<ApBindings> bindings = readIfPresent(BUS + "/bindings", ApBindings::parse);
        Optional<Long> scansValue = readIfPresent(BUS + "/scans", t -> Long.parseLong(t.strip()));
        OptionalLong scans = scansValue.map(OptionalLong::of).orElse(OptionalLong.empty());
        Set<String> features = readIfPresent(BUS + "/features").map(SysfsApBus::words).orElse(Set.of());
        features = features.equals(Set.of("-")) ? Set.of() : features;
        return new ApBusState(apmask, aqmask, qciA, qciU, qciC, maxA, maxD, apDomain, bindings, scans, features);
    }

    @Override
    public ApQueue queue(Apqn apqn) throws SysfsException {
        NodeCapabilities c;
        synchronized (this) {
            c = caps;
        }
        Detect detect = new Detect(c != null ? c : new NodeCapabilities(Ownership.MASKS, true, Evidence.UNKNOWN,
                Evidence.UNKNOWN, Evidence.UNKNOWN, true, false, Set.of(), false, Set.of()));
        if (c == null) {
            detect.ownership = null;
        }
        return readQueue(apqn, detect);
    }

    @Override
    public int inFlight(Apqn apqn) throws SysfsException {
        String dir = queueDir(apqn);
        return readInt(dir + "/requestq_count") + readInt(dir + "/pendingq_count");
    }

    private Optional<ApCard> readCardIfPresent(int id) throws SysfsException {
        try {
            return Optional.of(readCard(id));
        } catch (SysfsException e) {
            if (e.errno() == Errno.ENOENT) {
                return Optional.empty();
            }
            throw e;
        }
    }

    private ApCard readCard(int id) throws SysfsException {
        String dir = cardDir(id);
        int hwtype = readInt(dir + "/hwtype");
        Optional<String> type = readIfPresent(dir + "/type").map(String::strip);
        int functions = parse(dir + "/ap_functions", sysfs.read(dir + "/ap_functions"), SysfsApBus::parseFunctions);
        boolean config = readFlag(dir + "/config", true);
        boolean chkstop = readFlag(dir + "/chkstop", false);
        Optional<Boolean> online = readIfPresent(dir + "/online", SysfsApBus::parseFlag);
        return new ApCard(id, hwtype, type, functions, config, chkstop, online);
    }

    private Optional<ApQueue> readQueueIfPresent(Apqn apqn, Detect detect) throws SysfsException {
        try {
            return Optional.of(readQueue(apqn, detect));
        } catch (SysfsException e) {
            if (e.errno() == Errno.ENOENT) {
                return Optional.empty();
            }
            throw e;
        }
    }

    private ApQueue readQueue(Apqn apqn, Detect detect) throws SysfsException {
        String dir = queueDir(apqn);
        ApDriver driver = readDriver(dir);
        if (detect.ownership == null) {
            detect.ownership = sysfs.exists(dir + "/driver_override") ? Ownership.DRIVER_OVERRIDE : Ownership.MASKS;
        }
        Optional<Boolean> online = driver == ApDriver.CEX4QUEUE
                ? readIfPresent(dir + "/online", SysfsApBus::parseFlag) : Optional.empty();
        boolean config = readFlag(dir + "/config", true);
        boolean chkstop = readFlag(dir + "/chkstop", false);
        Optional<ApQueue.VfioStatus> status = Optional.empty();
        if (driver == ApDriver.VFIO_AP && detect.queueStatus != Evidence.ABSENT) {
            status = readIfPresent(dir + "/status", ApQueue.VfioStatus::parse);
            detect.queueStatus = status.isPresent() ? Evidence.PRESENT : Evidence.ABSENT;
        }
        int requestq = readInt(dir + "/requestq_count");
        int pendingq = readInt(dir + "/pendingq_count");
        Optional<String> override = detect.ownership == Ownership.DRIVER_OVERRIDE
                ? readIfPresent(dir + "/driver_override").map(String::strip).filter(s -> !s.isEmpty() && !s.equals("(null)"))
                : Optional.empty();
        return new ApQueue(apqn, driver, online, config, chkstop, status, requestq, pendingq, override);
    }

    private ApDriver readDriver(String queueDir) throws SysfsException {
        Optional<String> target = sysfs.readLink(queueDir + "/driver");
        return target.map(t -> ApDriver.ofName(t.substring(t.lastIndexOf('/') + 1))).orElse(ApDriver.NONE);
    }

    @Override
    public ApDriver driverOf(Apqn apqn) throws SysfsException {
        return readDriver(queueDir(apqn));
    }

    private Optional<ApMdev> readMdev(UUID id, NodeCapabilities c) throws SysfsException {
        String dir = mdevDir(id);
        try {
            // capabilities still UNKNOWN (no mdev existed at the last inventory): look at this mdev's files
            boolean hasApConfig = c.apConfig() == Evidence.PRESENT
                    || (c.apConfig() == Evidence.UNKNOWN && sysfs.exists(dir + "/ap_config"));
            boolean hasGuestMatrix = c.guestMatrix() == Evidence.PRESENT
                    || (c.guestMatrix() == Evidence.UNKNOWN && sysfs.exists(dir + "/guest_matrix"));
            Matrix matrix;
            if (hasApConfig) {
                matrix = parse(dir + "/ap_config", sysfs.read(dir + "/ap_config"), Matrix::parseApConfigText);
            } else {
                Matrix m = parse(dir + "/matrix", sysfs.read(dir + "/matrix"), Matrix::parseMatrixText);
                ApMask adm = parse(dir + "/control_domains", sysfs.read(dir + "/control_domains"), Matrix::parseControlDomainsText);
                matrix = m.withControlDomains(adm);
            }
            Optional<Matrix> guest = hasGuestMatrix
                    ? Optional.of(parse(dir + "/guest_matrix", sysfs.read(dir + "/guest_matrix"), Matrix::parseMatrixText))
                    : Optional.empty();
            return Optional.of(new ApMdev(id, matrix, guest));
        } catch (SysfsException e) {
            if (e.errno() == Errno.ENOENT && !sysfs.exists(dir)) {
                return Optional.empty();
            }
            throw e;
        }
    }

    @Override
    public Optional<ApMdev> mdev(UUID uuid) throws SysfsException {
        return readMdev(uuid, capabilities());
    }

    // =============================================================================================
    // masks

    @Override
    public ApMask readApmask() throws SysfsException {
        return readMask(BUS + "/apmask");
    }

    @Override
    public ApMask readAqmask() throws SysfsException {
        return readMask(BUS + "/aqmask");
    }

    @Override
    public ApMask writeApmask(ApMask mask) throws SysfsException {
        return writeMask(BUS + "/apmask", mask);
    }

    @Override
    public ApMask writeAqmask(ApMask mask) throws SysfsException {
        return writeMask(BUS + "/aqmask", mask);
    }

    @Override
    public ApMask editApmask(ApMask set, ApMask clear) throws SysfsException {
        return editMask(BUS + "/apmask", set, clear);
    }

    @Override
    public ApMask editAqmask(ApMask set, ApMask clear) throws SysfsException {
        return editMask(BUS + "/aqmask", set, clear);
    }

    private ApMask writeMask(String path, ApMask mask) throws SysfsException {
        sysfs.write(path, mask.toSysfs());
        return readMask(path);
    }

    private ApMask editMask(String path, ApMask set, ApMask clear) throws SysfsException {
        ApMask current = readMask(path);
        ApMask wanted = current.or(set).andNot(clear);
        if (wanted.equals(current)) {
            return current;
        }
        return writeMask(path, wanted);
    }

    // =============================================================================================
    // driver_override, bind, unbind, probe

    @Override
    public void setDriverOverride(Apqn apqn, ApDriver driver) throws SysfsException {
        if (!driver.isBindable()) {
            throw new IllegalArgumentException("driver_override takes cex4queue or vfio_ap, not " + driver);
        }
        touch(apqn);
        sysfs.write(queueDir(apqn) + "/driver_override", driver.sysfsName());
    }

    @Override
    public void clearDriverOverride(Apqn apqn) throws SysfsException {
        touch(apqn);
        sysfs.write(queueDir(apqn) + "/driver_override", "\n");
    }

    @Override
    public void probe(Apqn apqn) throws SysfsException {
        touch(apqn);
        sysfs.write(BUS + "/drivers_probe", apqn.toString());
    }

    @Override
    public void bind(Apqn apqn, ApDriver driver) throws SysfsException {
        touch(apqn);
        sysfs.write(driverDir(driver) + "/bind", apqn.toString());
    }

    @Override
    public void unbind(Apqn apqn, ApDriver driver) throws SysfsException {
        touch(apqn);
        sysfs.write(driverDir(driver) + "/unbind", apqn.toString());
    }

    @Override
    public ApQueue moveToVfio(Apqn apqn) throws SysfsException {
        setDriverOverride(apqn, ApDriver.VFIO_AP);
        ApDriver current = driverOf(apqn);
        if (current != ApDriver.VFIO_AP) {
            if (current == ApDriver.CEX4QUEUE) {
                unbind(apqn, current);
            } else if (current == ApDriver.OTHER) {
                throw new SysfsException(Errno.EBUSY, Operation.WRITE, queueDir(apqn) + "/driver", null,
                        "the queue is bound to a driver this operator does not manage; unbind it by hand first");
            }
            probe(apqn);
        }
        return queue(apqn);
    }

    @Override
    public ApQueue returnToHost(Apqn apqn) throws SysfsException {
        clearDriverOverride(apqn);
        ApDriver current = driverOf(apqn);
        if (current != ApDriver.CEX4QUEUE) {
            if (current == ApDriver.VFIO_AP) {
                unbind(apqn, current);
            } else if (current == ApDriver.OTHER) {
                throw new SysfsException(Errno.EBUSY, Operation.WRITE, queueDir(apqn) + "/driver", null,
                        "the queue is bound to a driver this operator does not manage; unbind it by hand first");
            }
            probe(apqn);
        }
        return queue(apqn);
    }

    private synchronized void touch(Apqn apqn) {
        touched.add(apqn);
    }

    private static String driverDir(ApDriver driver) {
        if (!driver.isBindable()) {
            throw new IllegalArgumentException("bind/unbind take cex4queue or vfio_ap, not " + driver);
        }
        return BUS + "/drivers/" + driver.sysfsName();
    }

    // =============================================================================================
    // scans

    @Override
    public long triggerScan() throws SysfsException {
        sysfs.write(BUS + "/scans", "1");
        return readLong(BUS + "/scans");
    }

    @Override
    public ApBindings awaitBindingsComplete(Duration timeout) throws SysfsException {
        long start = options.nanoTime().getAsLong();
        long deadline = start + timeout.toNanos();
        while (true) {
            ApBindings b = readBindings();
            if (b.complete()) {
                return b;
            }
            long now = options.nanoTime().getAsLong();
            if (now - deadline >= 0) {
                throw new SysfsException(Errno.ETIMEDOUT, Operation.READ, BUS + "/bindings", null,
                        "the AP bus bindings did not become complete within " + timeout.toMillis() + " ms; last seen \""
                                + b + "\" (a queue may have no driver that can take it)");
            }
            long wait = Math.min(options.pollInterval().toNanos(), deadline - now);
            try {
                options.sleeper().sleep(Duration.ofNanos(wait));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SysfsException(Errno.ETIMEDOUT, Operation.READ, BUS + "/bindings", null,
                        "interrupted while waiting for the AP bus bindings to become complete; last seen \"" + b + "\"");
            }
        }
    }

    private ApBindings readBindings() throws SysfsException {
        String path = BUS + "/bindings";
        return parse(path, sysfs.read(path), ApBindings::parse);
    }

    // =============================================================================================
    // mdevs

    @Override
    public ApMdev createMdev(UUID uuid) throws SysfsException {
        sysfs.write(MDEV_TYPE + "/create", uuid.toString());
        return readMdev(uuid, capabilities()).orElseThrow(() -> new SysfsException(Errno.ENOENT, Operation.READ,
                mdevDir(uuid), null, "the kernel accepted the create but the mediated device did not appear"));
    }

    @Override
    public void removeMdev(UUID uuid) throws SysfsException {
        sysfs.write(mdevDir(uuid) + "/remove", "1");
    }

    @Override
    public void assignAdapter(UUID mdev, int adapter) throws SysfsException {
        writeNumber(mdev, "assign_adapter", adapter);
    }

    @Override
    public void unassignAdapter(UUID mdev, int adapter) throws SysfsException {
        writeNumber(mdev, "unassign_adapter", adapter);
    }

    @Override
    public void assignDomain(UUID mdev, int domain) throws SysfsException {
        writeNumber(mdev, "assign_domain", domain);
    }

    @Override
    public void unassignDomain(UUID mdev, int domain) throws SysfsException {
        writeNumber(mdev, "unassign_domain", domain);
    }

    @Override
    public void assignControlDomain(UUID mdev, int domain) throws SysfsException {
        writeNumber(mdev, "assign_control_domain", domain);
    }

    @Override
    public void unassignControlDomain(UUID mdev, int domain) throws SysfsException {
        writeNumber(mdev, "unassign_control_domain", domain);
    }

    private void writeNumber(UUID mdev, String attr, int id) throws SysfsException {
        Apqn.checkId(attr.endsWith("adapter") ? "adapter" : "domain", id);
        sysfs.write(mdevDir(mdev) + "/" + attr, Integer.toString(id));
    }

    @Override
    public Matrix readApConfig(UUID mdev) throws SysfsException {
        String path = mdevDir(mdev) + "/ap_config";
        return parse(path, sysfs.read(path), Matrix::parseApConfigText);
    }

    @Override
    public Matrix writeApConfig(UUID mdev, Matrix matrix) throws SysfsException {
        sysfs.write(mdevDir(mdev) + "/ap_config", matrix.toApConfigText());
        return readApConfig(mdev);
    }

    // =============================================================================================
    // paths, listings, parsing

    static String cardDir(int adapter) {
        return DEVICES + "/" + String.format("card%02x", adapter);
    }

    static String queueDir(Apqn apqn) {
        return cardDir(apqn.adapter()) + "/" + apqn;
    }

    static String mdevDir(UUID uuid) {
        return MATRIX + "/" + uuid;
    }

    private Set<Integer> listCards() throws SysfsException {
        Set<Integer> ids = new TreeSet<>();
        for (String n : sysfs.list(DEVICES)) {
            if (CARD.matcher(n).matches()) {
                ids.add(Integer.parseInt(n.substring(4), 16));
            }
        }
        return ids;
    }

    private Set<Apqn> listQueues(int adapter) throws SysfsException {
        Set<Apqn> out = new TreeSet<>();
        List<String> names;
        try {
            names = sysfs.list(cardDir(adapter));
        } catch (SysfsException e) {
            if (e.errno() == Errno.ENOENT) {
                return out;
            }
            throw e;
        }
        for (String n : names) {
            if (QUEUE.matcher(n).matches()) {
                Apqn q = Apqn.parse(n);
                if (q.adapter() == adapter) {
                    out.add(q);
                }
            }
        }
        return out;
    }

    private Set<Apqn> queuesOfCard(int adapter) {
        return new TreeSet<>(queues.subMap(Apqn.of(adapter, 0), true, Apqn.of(adapter, ApMask.MAX_ID), true).keySet());
    }

    private Set<UUID> listMdevs() throws SysfsException {
        Set<UUID> ids = new LinkedHashSet<>();
        List<String> names;
        try {
            names = sysfs.list(MATRIX);
        } catch (SysfsException e) {
            if (e.errno() == Errno.ENOENT) {
                return ids;
            }
            throw e;
        }
        for (String n : names) {
            if (UUID_DIR.matcher(n).matches()) {
                ids.add(UUID.fromString(n));
            }
        }
        return ids;
    }

    /** Queue names bound to the driver, from its directory's symlinks; empty if it cannot be listed. */
    private Optional<Set<String>> listDriver(ApDriver d) throws SysfsException {
        try {
            Set<String> out = new TreeSet<>();
            for (String n : sysfs.list(BUS + "/drivers/" + d.sysfsName())) {
                if (QUEUE.matcher(n).matches()) {
                    out.add(n);
                }
            }
            return Optional.of(out);
        } catch (SysfsException e) {
            if (e.errno() == Errno.ENOENT) {
                return Optional.empty();
            }
            throw e;
        }
    }

    private Optional<String> readIfPresent(String path) throws SysfsException {
        try {
            return Optional.of(sysfs.read(path));
        } catch (SysfsException e) {
            if (e.errno() == Errno.ENOENT) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Reads and parses a file that may be absent (ENOENT → empty); other errors and bad content throw. */
    private <T> Optional<T> readIfPresent(String path, Function<String, T> parser) throws SysfsException {
        Optional<String> text = readIfPresent(path);
        return text.isPresent() ? Optional.of(parse(path, text.get(), parser)) : Optional.empty();
    }

    private ApMask readMask(String path) throws SysfsException {
        return parse(path, sysfs.read(path), ApMask::parseSysfs);
    }

    private Optional<ApMask> readQciMask(String path) throws SysfsException {
        String text = sysfs.read(path);
        if (text.strip().equals("not supported")) {
            return Optional.empty();
        }
        return Optional.of(parse(path, text, ApMask::parseSysfs));
    }

    private int readInt(String path) throws SysfsException {
        return parse(path, sysfs.read(path), t -> Integer.parseInt(t.strip()));
    }

    private long readLong(String path) throws SysfsException {
        return parse(path, sysfs.read(path), t -> Long.parseLong(t.strip()));
    }

    private boolean readFlag(String path, boolean ifAbsent) throws SysfsException {
        return readIfPresent(path, SysfsApBus::parseFlag).orElse(ifAbsent);
    }

    private static boolean parseFlag(String text) {
        return Integer.parseInt(text.strip()) != 0;
    }

    private static int parseFunctions(String text) {
        String s = text.strip();
        if (!s.startsWith("0x") && !s.startsWith("0X")) {
            throw new NumberFormatException("no 0x prefix");
        }
        return Integer.parseUnsignedInt(s.substring(2), 16);
    }

    private static Set<String> words(String text) {
        String s = text.strip();
        return s.isEmpty() ? Set.of() : new TreeSet<>(Arrays.asList(s.split("\\s+")));
    }

    private static ApMask flipped(Optional<ApMask> before, Optional<ApMask> now) {
        ApMask b = before.orElse(ApMask.none());
        ApMask n = now.orElse(ApMask.none());
        return b.andNot(n).or(n.andNot(b));
    }

    private static String abbreviate(java.util.Collection<String> names) {
        List<String> sorted = new ArrayList<>(new TreeSet<>(names));
        return sorted.size() <= 8 ? String.join(",", sorted)
                : String.join(",", sorted.subList(0, 8)) + ",… (" + sorted.size() + ")";
    }

    /** Parses kernel output; a shape we do not expect becomes an EIO SysfsException naming the file and text. */
    private static <T> T parse(String path, String text, Function<String, T> parser) throws SysfsException {
        try {
            return parser.apply(text);
        } catch (RuntimeException e) {
            throw unexpected(path, text, e);
        }
    }

    private static SysfsException unexpected(String path, String text, RuntimeException e) {
        return new SysfsException(Errno.EIO, Operation.READ, path, null,
                "the file holds " + KernelNumbers.quoted(text) + ", which is not in the format this operator expects ("
                        + e.getMessage() + ")");
    }
}
