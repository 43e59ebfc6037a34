package dev.apqn.apbus.sim;

import dev.apqn.ap.ApMask;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.Errno;
import dev.apqn.ap.Matrix;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The simulated kernel ("AP bus model"): the Linux AP bus, the zcrypt default drivers
 * ({@code cex4card}, {@code cex4queue}), vfio_ap and the mdev core as user space sees them, with
 * the rules, errnos and invariants of ap-bus.md §3–§5 and §10. The feature set follows the
 * profile's {@link KernelLevel}, see {@link SimCapabilities} (which also pins LEGACY to ≈5.12).
 *
 * <h2>How to use</h2>
 * <pre>{@code
 * SimKernel k = SimKernel.boot(profile, 42);      // boot: initial scan, drivers, boot-time mdevs
 * Sysfs sysfs = new SimSysfs(k);                  // the only way production code observes it
 * sysfs.write("/sys/bus/ap/apmask", "-5\n");     // kernel rules, exact errnos
 * k.attachGuest(uuid, "vm1");                     // what QEMU does through ioctls
 * k.setHostConfiguration(apm, aqm, adm); k.scan();// firmware changes take effect at a scan
 * k.zeroizeCount(Apqn.of(5, 4));                  // test observation (not visible in sysfs)
 * }</pre>
 * Every public method is atomic under one kernel lock; failures are {@link SimKernelException}s
 * carrying the errno the kernel returns. Methods taking a {@code String raw} accept exactly what a
 * sysfs {@code write()} would carry (trailing newline included) and apply the kernel's grammar.
 *
 * <h2>Firmware vs. kernel state</h2>
 * The machine (firmware) state — the QCI host configuration ({@link #setHostConfiguration}),
 * adapter configured/checkstopped ({@link #setCheckstop}, card {@code config} writes) — survives
 * {@link #reboot()}. Host configuration and checkstop changes become visible only at the next bus
 * {@link #scan()} (there is no periodic timer: a test or a {@code scans} write drives scans); the
 * QCI masks in sysfs show the configuration as of the last scan.
 *
 * <h2>Structure</h2>
 * This class is the facade and holds the kernel state (its package-private fields are read by
 * {@link SimSysfs} and {@link SimVfioAp}); the rules live in collaborators that act on that state
 * under the kernel lock: {@link SimBusBinding} (masks, driver_override, bind/unbind/probe, vfio_ap
 * load/unload), {@link SimBusScan} (scans, device creation, card {@code config}) over the
 * {@link SimFirmware} (machine state), {@link SimZcrypt} (zcrypt {@code online}, resets),
 * {@link SimBusAttributes} (bus tunables, parsed by {@link KernelInput}) and {@link SimVfioAp}
 * (mdevs, assignment, guests). Each collaborator lists the choices it makes where ap-bus.md is open.
 *
 * <h2>Choices where ap-bus.md is open (§11) or where the model simplifies, in SimVfioAp, SimSysfs and the zeroize log</h2>
 * <ul>
 *   <li>§11.6: the shadow APCB ({@code guest_matrix}) is maintained whether or not a guest is attached.</li>
 *   <li>Zeroize counting: each zeroize point counts once per queue per operation (the AP bus ZAPQ
 *       and vfio_ap's own reset of a queue leaving vfio_ap count as one {@code LEFT_DRIVER}); only
 *       queues bound to vfio_ap are zeroized at the vfio points; removal from a guest by
 *       unassign/filtering zeroizes only while a guest is attached.</li>
 *   <li>Idempotent assign/unassign on every level (the legacy code could clear an already set bit
 *       on a failed re-assign; not modelled).</li>
 *   <li>The queue {@code request_count} of a queue bound to vfio_ap reads {@code -} even right after a
 *       scan created it (the "nudge" exception of §1.5 is not modelled). The card {@code request_count}
 *       is the sum of its queues' counters.</li>
 * </ul>
 */
public final class SimKernel implements HostQueues {

    /** {@code available_instances} of a fresh matrix device: 256 × 256. */
    public static final int MAX_MDEV_INSTANCES = 65536;
    /** Card {@code max_msg_size}. */
    public static final int MAX_MSG_SIZE = 12288;

    final ReentrantLock lock = new ReentrantLock();

    private final MachineProfile profile;
    private final SimCapabilities caps;
    private final long seed;

    /** Firmware (machine) state: survives reboot. */
    private final SimFirmware firmware;

    // ---- kernel state: reset by reboot ----
    private ApMask qciApm;
    private ApMask qciAqm;
    private ApMask qciAdm;
    private ApMask apmask;
    private ApMask aqmask;
    private boolean vfioLoaded;
    private final TreeMap<Integer, SimCard> cards = new TreeMap<>();
    private final TreeMap<Apqn, SimQueue> queues = new TreeMap<>();
    // What the collaborators read: the devices change only through putCard/putQueue/removeCard/removeQueue
    private final NavigableMap<Integer, SimCard> cardsView = Collections.unmodifiableNavigableMap(cards);
    private final NavigableMap<Apqn, SimQueue> queuesView = Collections.unmodifiableNavigableMap(queues);
    private SimVfioAp vfio;
    private ZcryptTraffic traffic;
    private long scans;
    private final List<Uevent> uevents = new ArrayList<>();
    private final Map<Apqn, Integer> zeroizeCounts = new TreeMap<>();
    private final List<ZeroizeEvent> zeroizeLog = new ArrayList<>();
    private int boots;

    // ---- the rules, acting on the state above ----
    private final SimBusBinding binding;
    private final SimBusScan scanner;
    private final SimZcrypt zcrypt;
    private final SimBusAttributes attributes;

    private SimKernel(MachineProfile profile, long seed) {
        this.profile = Objects.requireNonNull(profile, "profile");
        this.caps = SimCapabilities.of(profile.kernel());
        this.seed = seed;
        this.firmware = new SimFirmware(profile);
        this.binding = new SimBusBinding(this);
        this.scanner = new SimBusScan(this, firmware, binding);
        this.zcrypt = new SimZcrypt(this);
        this.attributes = new SimBusAttributes(this);
    }


    /**
     * Boots a node: kernel defaults from the profile (masks, vfio_ap loaded or not), the initial bus
     * scan (devices created and bound), then the boot-time mdevs of the profile (created and assigned
     * through the normal kernel paths, as mdevctl would).
     *
     * @throws IllegalArgumentException if a boot-time mdev cannot be created or assigned
     */
    public static SimKernel boot(MachineProfile profile, long seed) {
        SimKernel k = new SimKernel(profile, seed);
        k.atomically(k::bootLocked);
        return k;
    }

    /**
     * A node reboot: every piece of kernel state goes back to the boot defaults of the profile
     * (masks, drivers, bindings, counters, uevent and zeroize logs); mdevs other than the profile's
     * boot-time ones are gone; guests are gone; blocked removals are released. Firmware state
     * (host configuration, adapter config/checkstop) is kept. {@link #traffic()} is a new object
     * afterwards.
     */
    public void reboot() {
        atomically(() -> {
            if (vfio != null) {
                vfio.abandonPendingRemovals();
            }
            bootLocked();
        });
    }

    private void bootLocked() {
        boots++;
        MachineProfile.InitialState init = profile.initial() != null ? profile.initial()
                : new MachineProfile.InitialState(ApMask.all(), ApMask.all(), false, List.of());
        qciApm = ApMask.none();
        qciAqm = ApMask.none();
        qciAdm = ApMask.none();
        apmask = init.apmask() != null ? init.apmask() : ApMask.all();
        aqmask = init.aqmask() != null ? init.aqmask() : ApMask.all();
        vfioLoaded = false;
        cards.clear();
        queues.clear();
        vfio = new SimVfioAp(this);
        traffic = new ZcryptTraffic(this, seed);
        scans = 0;
        binding.resetBindingsComplete();
        attributes.reset();
        uevents.clear();
        zeroizeCounts.clear();
        zeroizeLog.clear();
        scanner.scan();
        if (init.vfioApLoaded()) {
            binding.loadVfioAp();
        }
        List<MachineProfile.Mdev> mdevs = init.mdevs() != null ? init.mdevs() : List.of();
        for (MachineProfile.Mdev m : mdevs) {
            try {
                vfio.createBootMdev(m);
            } catch (SimKernelException e) {
                throw new IllegalArgumentException("boot-time mdev " + m.uuid() + " of profile " + profile.name()
                        + " cannot be set up: " + e.errno() + ": " + e.getMessage(), e);
            }
        }
    }

    // =============================================================================================
    // Observation (for tests and SimSysfs; production code observes only through sysfs)
    // =============================================================================================

    public MachineProfile profile() {
        return profile;
    }

    public SimCapabilities capabilities() {
        return caps;
    }

    public KernelLevel level() {
        return profile.kernel();
    }

    /** The zcrypt traffic model of the current boot. */
    public ZcryptTraffic traffic() {
        return locked(() -> traffic);
    }

    /** How many times the node booted (1 after {@link #boot}). */
    public int boots() {
        return locked(() -> boots);
    }

    public ApMask apmask() {
        return locked(() -> apmask);
    }

    public ApMask aqmask() {
        return locked(() -> aqmask);
    }

    public boolean vfioApLoaded() {
        return locked(() -> vfioLoaded);
    }

    /** The host configuration as of the last bus scan (what the QCI mask attributes show). */
    public MachineProfile.HostConfig hostConfiguration() {
        return locked(() -> new MachineProfile.HostConfig(qciApm, qciAqm, qciAdm));
    }

    /** APQN (a, q) is default-owned by the masks: {@code apmask[a] ∧ aqmask[q]} (invariant 2). */
    public boolean defaultOwnedByMasks(Apqn apqn) {
        return locked(() -> binding.ownedByMasks(apqn));
    }

    public Optional<SimCard> card(int adapter) {
        return locked(() -> Optional.ofNullable(cards.get(adapter)));
    }

    public Optional<SimQueue> queue(Apqn apqn) {
        return locked(() -> Optional.ofNullable(queues.get(apqn)));
    }

    /** The existing queue devices, by APQN. */
    public List<Apqn> queueDevices() {
        return locked(() -> List.copyOf(queues.keySet()));
    }

    /** The existing card devices' adapter ids. */
    public List<Integer> cardDevices() {
        return locked(() -> List.copyOf(cards.keySet()));
    }

    /** The driver a queue is bound to, empty if unbound or absent. */
    public Optional<SimDriver> driverOf(Apqn apqn) {
        return locked(() -> Optional.ofNullable(queues.get(apqn)).map(q -> q.driver));
    }

    public long scans() {
        return locked(() -> scans);
    }

    public long bindingsCompleteCount() {
        return locked(binding::bindingsCompleteCount);
    }

    // Narrow writers for the collaborators (SimBusScan, SimBusBinding); they run under the kernel lock.

    /** A bus scan saw this host configuration (the QCI masks). */
    void adoptHostConfiguration(ApMask apm, ApMask aqm, ApMask adm) {
        qciApm = apm;
        qciAqm = aqm;
        qciAdm = adm;
    }

    ApMask qciApm() {
        return qciApm;
    }

    ApMask qciAqm() {
        return qciAqm;
    }

    ApMask qciAdm() {
        return qciAdm;
    }

    /** A validated write to {@code apmask} ({@code adapters}) or {@code aqmask}. */
    void changeMask(boolean adapters, ApMask next) {
        if (adapters) {
            apmask = next;
        } else {
            aqmask = next;
        }
    }

    /** vfio_ap was loaded or unloaded. */
    void vfioLoaded(boolean loaded) {
        vfioLoaded = loaded;
    }

    /** The card devices by adapter id (read-only; a bus scan changes them). */
    NavigableMap<Integer, SimCard> cards() {
        return cardsView;
    }

    /** The queue devices by APQN (read-only; a bus scan changes them). */
    NavigableMap<Apqn, SimQueue> queues() {
        return queuesView;
    }

    /** A bus scan created a card device. */
    void putCard(int adapter, SimCard card) {
        cards.put(adapter, card);
    }

    /** A bus scan removed a card device. */
    void removeCard(int adapter) {
        cards.remove(adapter);
    }

    /** A bus scan created a queue device. */
    void putQueue(Apqn apqn, SimQueue queue) {
        queues.put(apqn, queue);
    }

    /** A bus scan removed a queue device. */
    void removeQueue(Apqn apqn) {
        queues.remove(apqn);
    }

    /** The vfio_ap driver model of this boot. */
    SimVfioAp vfio() {
        return vfio;
    }

    /** Counts a completed bus scan; the new count. */
    long countScan() {
        return ++scans;
    }

    /** The bus tunables (ap_domain, config_time, poll_thread, poll_timeout, drivers_autoprobe). */
    SimBusAttributes attributes() {
        return attributes;
    }

    /** Every uevent sent since boot, oldest first. */
    public List<Uevent> uevents() {
        return locked(() -> List.copyOf(uevents));
    }

    /** How many times the queue was zeroized since boot. */
    public int zeroizeCount(Apqn apqn) {
        return locked(() -> zeroizeCounts.getOrDefault(apqn, 0));
    }

    /** Every zeroize since boot, oldest first. */
    public List<ZeroizeEvent> zeroizeLog() {
        return locked(() -> List.copyOf(zeroizeLog));
    }

    /** The mdevs by lower-case UUID. */
    public List<String> mdevUuids() {
        return locked(() -> List.copyOf(vfio.mdevs.keySet()));
    }

    /** A snapshot of an mdev's assignment ({@code matrix} + control domains). */
    public Optional<Matrix> mdevMatrix(String uuid) {
        return locked(() -> Optional.ofNullable(vfio.mdevs.get(lower(uuid))).map(m -> m.matrix));
    }

    /** A snapshot of an mdev's shadow APCB ({@code guest_matrix} + filtered control domains). */
    public Optional<Matrix> mdevShadow(String uuid) {
        return locked(() -> Optional.ofNullable(vfio.mdevs.get(lower(uuid))).map(m -> m.shadow));
    }

    /** The guest attached to an mdev, if any. */
    public Optional<String> guestOf(String uuid) {
        return locked(() -> Optional.ofNullable(vfio.mdevs.get(lower(uuid))).map(m -> m.guest));
    }

    /**
     * What the guest sees right now: its mdev's shadow APCB (legacy kernels: the full {@code matrix}),
     * empty if the guest is not attached.
     */
    public Optional<Matrix> guestView(String guestId) {
        return locked(() -> vfio.guestView(guestId));
    }

    /** {@link HostQueues}: queues zcrypt may use now, sorted by APQN. */
    @Override
    public List<Apqn> usableQueues() {
        return locked(zcrypt::usableQueues);
    }


    // =============================================================================================
    // AP bus: masks, bind/unbind, probe, driver_override (SimBusBinding)
    // =============================================================================================

    /** A write to {@code /sys/bus/ap/apmask} (§3.2). */
    public void writeApmask(String raw) {
        atomically(() -> binding.writeMask(true, raw));
    }

    /** A write to {@code /sys/bus/ap/aqmask} (§3.2). */
    public void writeAqmask(String raw) {
        atomically(() -> binding.writeMask(false, raw));
    }

    /** A write to {@code /sys/bus/ap/drivers/<driver>/bind}. */
    public void bind(SimDriver driver, String raw) {
        atomically(() -> binding.bind(driver, raw));
    }

    /** A write to {@code /sys/bus/ap/drivers/<driver>/unbind}. */
    public void unbind(SimDriver driver, String raw) {
        atomically(() -> binding.unbind(driver, raw));
    }

    /** A write to {@code /sys/bus/ap/drivers_probe}: binds an unbound device to a matching driver, if any. */
    public void driversProbe(String raw) {
        atomically(() -> binding.driversProbe(raw));
    }

    /** A write to a queue's {@code driver_override} (6.19, §3.3). */
    public void writeDriverOverride(Apqn apqn, String raw) {
        atomically(() -> binding.writeDriverOverride(apqn, raw));
    }

    /** A write to {@code drivers_autoprobe} (kstrtobool). */
    public void writeDriversAutoprobe(String raw) {
        atomically(() -> attributes.writeDriversAutoprobe(raw));
    }

    /** Loads the vfio_ap module: the matrix device appears and unbound non-default queues bind (if autoprobe). */
    public void loadVfioAp() {
        atomically(binding::loadVfioAp);
    }

    /**
     * Unloads vfio_ap: EBUSY while mdevs exist (module reference); else all its queues are unbound
     * (flushed and zeroized) and stay unbound.
     */
    public void unloadVfioAp() {
        atomically(binding::unloadVfioAp);
    }

    /**
     * Whether vfio_ap must treat the APQN as owned by the host (EADDRNOTAVAIL, §5.3). On 6.19 a queue
     * with a driver_override counts as host-owned iff bound to a default driver (§3.3; §11.2 choice).
     */
    boolean ownedByDefaultForVfio(Apqn apqn) {
        return binding.ownedByDefaultForVfio(apqn);
    }

    void zeroize(Apqn apqn, ZeroizeEvent.Reason reason) {
        zeroizeCounts.merge(apqn, 1, Integer::sum);
        zeroizeLog.add(new ZeroizeEvent(apqn, reason));
    }

    /** The {@code bindings} text without newline, e.g. {@code 12/12 (complete)}. */
    String bindingsText() {
        return binding.bindingsText();
    }

    // =============================================================================================
    // Bus scan, firmware changes (SimBusScan, SimFirmware)
    // =============================================================================================

    /**
     * A bus scan (periodic, forced by a {@code scans} write, or after a config change): picks up
     * host configuration changes, creates/removes devices, tracks config/checkstop, then checks
     * "bindings complete". Synchronous.
     */
    public void scan() {
        atomically(scanner::scan);
    }

    /**
     * Changes what the firmware (QCI) reports: configured adapters, usage and control domains (an
     * HMC/DPM change). Visible at the next {@link #scan()}.
     */
    public void setHostConfiguration(ApMask adapters, ApMask usageDomains, ApMask controlDomains) {
        atomically(() -> firmware.setHostConfiguration(adapters, usageDomains, controlDomains));
    }

    /** Checkstops (or recovers) an installed adapter and all its queues; visible at the next {@link #scan()}. */
    public void setCheckstop(int adapter, boolean checkstopped) {
        atomically(() -> firmware.requireAdapter(adapter).checkstopped = checkstopped);
    }

    /** A write to a card's {@code config} (SCLP configure/deconfigure, §6.4). */
    public void writeCardConfig(int adapter, String raw) {
        atomically(() -> scanner.writeCardConfig(adapter, raw));
    }

    // =============================================================================================
    // zcrypt and core queue/card attributes (SimZcrypt, SimBusAttributes)
    // =============================================================================================

    /** A write to a card's zcrypt {@code online} (§1.4, invariant 18). */
    public void writeCardOnline(int adapter, String raw) {
        atomically(() -> zcrypt.writeCardOnline(adapter, raw));
    }

    /** A write to a queue's zcrypt {@code online} (§1.5, invariant 18). */
    public void writeQueueOnline(Apqn apqn, String raw) {
        atomically(() -> zcrypt.writeQueueOnline(apqn, raw));
    }

    /** A write to a queue's {@code reset}: flushes it (-EAGAIN) and restarts its state machine. */
    public void resetQueue(Apqn apqn) {
        atomically(() -> zcrypt.resetQueue(apqn));
    }

    /** A write to a queue's {@code request_count}: resets its counter. */
    public void resetQueueRequestCount(Apqn apqn) {
        atomically(() -> zcrypt.resetQueueRequestCount(apqn));
    }

    /** A write to a card's {@code request_count}: resets the counters of the card and all its queues. */
    public void resetCardRequestCount(int adapter) {
        atomically(() -> zcrypt.resetCardRequestCount(adapter));
    }

    /** A write to {@code ap_domain} ({@code sscanf %i}). */
    public void writeApDomain(String raw) {
        atomically(() -> attributes.writeApDomain(raw));
    }

    /** A write to {@code config_time} (5..120 seconds). */
    public void writeConfigTime(String raw) {
        atomically(() -> attributes.writeConfigTime(raw));
    }

    /** A write to {@code poll_thread} (kstrtobool; starting is a no-op since interrupts are in use). */
    public void writePollThread(String raw) {
        atomically(() -> attributes.writePollThread(raw));
    }

    /** A write to {@code poll_timeout} (kstrtoul base 0, at most 120 s in ns). */
    public void writePollTimeout(String raw) {
        atomically(() -> attributes.writePollTimeout(raw));
    }

    // =============================================================================================
    // vfio_ap: mdevs, assignment, guests (delegated to SimVfioAp)
    // =============================================================================================

    /** A write to {@code mdev_supported_types/vfio_ap-passthrough/create}; returns the lower-case UUID. */
    public String createMdev(String raw) {
        return locked(() -> {
            requireVfio();
            return vfio.create(raw);
        });
    }

    /**
     * A write to an mdev's {@code remove}. Legacy kernels: EBUSY while a guest is attached. Modern
     * kernels: the call blocks — this method then throws {@link MdevRemoveBlockedException}, whose
     * {@link MdevRemoveBlockedException#pending()} completes when the guest detaches (the removal is
     * applied then, even if the caller stopped waiting).
     */
    public void writeRemove(String uuid, String raw) {
        atomically(() -> {
            requireVfio();
            vfio.remove(vfio.require(uuid), raw);
        });
    }

    /** What an {@code assign_*}/{@code unassign_*} file assigns. */
    public enum Resource {
        ADAPTER("adapter"), DOMAIN("domain"), CONTROL_DOMAIN("control_domain");

        private final String fileSuffix;

        Resource(String fileSuffix) {
            this.fileSuffix = fileSuffix;
        }

        /** The suffix of {@code assign_}/{@code unassign_} file names. */
        public String fileSuffix() {
            return fileSuffix;
        }
    }

    /** A write to an mdev's {@code assign_adapter}/{@code assign_domain}/{@code assign_control_domain}. */
    public void assign(String uuid, Resource what, String raw) {
        atomically(() -> {
            requireVfio();
            vfio.assign(vfio.require(uuid), what, raw);
        });
    }

    /** A write to an mdev's {@code unassign_*}. */
    public void unassign(String uuid, Resource what, String raw) {
        atomically(() -> {
            requireVfio();
            vfio.unassign(vfio.require(uuid), what, raw);
        });
    }

    /** A write to an mdev's {@code ap_config} (6.10+). */
    public void writeApConfig(String uuid, String raw) {
        atomically(() -> {
            requireVfio();
            if (!caps.apConfig()) {
                throw new SimKernelException(Errno.ENOENT, "ap_config needs kernel 6.10");
            }
            vfio.writeApConfig(vfio.require(uuid), raw);
        });
    }

    /**
     * QEMU opens the mdev for a guest. EPERM if the guest already has another mdev; EBUSY if the mdev
     * is already open; ENODEV if there is no such mdev.
     */
    public void attachGuest(String mdevUuid, String guestId) {
        atomically(() -> {
            requireVfio();
            vfio.attach(vfio.require(mdevUuid), guestId);
        });
    }

    /** QEMU closes the guest's mdev: its queues are zeroized; a blocked {@code remove} completes. */
    public void detachGuest(String guestId) {
        atomically(() -> vfio.detach(guestId));
    }

    /** QEMU issues VFIO_DEVICE_RESET for the guest's mdev: its queues are zeroized. */
    public void resetGuestDevice(String guestId) {
        atomically(() -> vfio.reset(guestId));
    }

    /**
     * Test hook: how many mdevs the type allows in total (default {@link #MAX_MDEV_INSTANCES}), so that
     * {@code create}'s "no instances left" error can be reached.
     */
    public void limitMdevInstances(int max) {
        atomically(() -> vfio.maxInstances = max);
    }

    /**
     * Called (outside the kernel lock) when an mdev {@code remove} blocks because a guest holds the
     * device: the vfio core's request to user space to release it. Default: nothing.
     */
    public void setReleaseRequestListener(Consumer<MdevRemoveBlockedException> listener) {
        atomically(() -> vfio.releaseListener = listener);
    }

    private void requireVfio() {
        if (!vfioLoaded) {
            throw new SimKernelException(Errno.ENOENT, "vfio_ap is not loaded");
        }
    }

    // =============================================================================================
    // helpers
    // =============================================================================================

    /** Runs under the kernel lock. */
    <T> T locked(Supplier<T> body) {
        lock.lock();
        try {
            return body.get();
        } finally {
            lock.unlock();
        }
    }

    /** Runs under the kernel lock, for bodies without a result. */
    private void atomically(Runnable body) {
        locked(() -> {
            body.run();
            return null;
        });
    }

    List<SimQueue> queuesOf(int adapter) {
        return new ArrayList<>(queues.subMap(Apqn.of(adapter, 0), true, Apqn.of(adapter, 255), true).values());
    }

    SimQueue requireQueue(Apqn apqn) {
        SimQueue q = queues.get(apqn);
        if (q == null) {
            throw new SimKernelException(Errno.ENOENT, "no queue device " + apqn);
        }
        return q;
    }

    SimCard requireCard(int adapter) {
        SimCard c = cards.get(adapter);
        if (c == null) {
            throw new SimKernelException(Errno.ENOENT, "no card device " + String.format("card%02x", adapter));
        }
        return c;
    }

    long seed() {
        return seed;
    }

    /** zcrypt can send a CPRB to this queue now (bound, online, healthy); caller holds the lock. */
    boolean zcryptUsable(SimQueue q) {
        return zcrypt.usable(q);
    }

    void uevent(String action, String devpath, Map<String, String> env) {
        uevents.add(new Uevent(action, devpath, env));
    }

    static String devpath(SimCard c) {
        return "/devices/ap/" + c.name();
    }

    static String devpath(SimQueue q) {
        return "/devices/ap/" + q.apqn().cardName() + "/" + q.apqn();
    }

    static String lower(String uuid) {
        return uuid == null ? "" : uuid.toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return "SimKernel[" + profile.name() + ", " + profile.kernel() + "]";
    }
}
