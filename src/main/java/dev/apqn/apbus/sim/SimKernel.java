package dev.apqn.apbus.sim;

import dev.apqn.apbus.ApMask;
import dev.apqn.apbus.ApSyntaxException;
import dev.apqn.apbus.Apqn;
import dev.apqn.apbus.Errno;
import dev.apqn.apbus.KernelNumbers;
import dev.apqn.apbus.Matrix;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.SortedMap;
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
 * <h2>Choices where ap-bus.md is open (§11) or where the model simplifies</h2>
 * <ul>
 *   <li>§11.1: a mask write re-probes the queues whose default ownership flipped, including
 *       currently unbound ones (they get bound to the now-matching driver). Unbound queues whose
 *       ownership did not flip stay unbound.</li>
 *   <li>§11.2: an apmask/aqmask write while any driver_override is set fails with EBUSY (checked
 *       before parsing). For the vfio_ap ownership check (EADDRNOTAVAIL) on 6.19, a queue with an
 *       override counts as host-owned iff it is bound to cex4queue; without an override the mask rule
 *       applies. {@code bindings_complete_count} prints {@code %u\n}. The veto itself is unchanged.</li>
 *   <li>§11.3: {@code bind} of an already bound device fails with EBUSY (newer driver core).</li>
 *   <li>§11.6: the shadow APCB ({@code guest_matrix}) is maintained whether or not a guest is attached.</li>
 *   <li>§11.8: SCLP configure/deconfigure never fails (inject errors with {@link SimFaults}); the card's
 *       {@code config} changes at once, its queues follow at the next scan.</li>
 *   <li>§11.11: a {@code reset} write flushes the queue and changes nothing else, on any driver.</li>
 *   <li>§11.12: {@code drivers_autoprobe=0} stops binding of devices a scan creates and of a newly
 *       loaded driver; mask re-probes still bind (device_reprobe ignores autoprobe).</li>
 *   <li>Zeroize counting: each zeroize point counts once per queue per operation (the AP bus ZAPQ
 *       and vfio_ap's own reset of a queue leaving vfio_ap count as one {@code LEFT_DRIVER}); only
 *       queues bound to vfio_ap are zeroized at the vfio points; removal from a guest by
 *       unassign/filtering zeroizes only while a guest is attached.</li>
 *   <li>Idempotent assign/unassign on every level (the legacy code could clear an already set bit
 *       on a failed re-assign; not modelled).</li>
 *   <li>zcrypt {@code online=1} is refused while checkstopped from level AP_CONFIG on (a late-2023 change).</li>
 *   <li>Every domain in the host usage-domain configuration up to {@code ap_max_domain_id} exists as a
 *       queue on every card device (TAPQ always finds it); checkstop and configuration are per adapter.</li>
 *   <li>The queue {@code request_count} of a queue bound to vfio_ap reads {@code -} even right after a
 *       scan created it (the "nudge" exception of §1.5 is not modelled). The card {@code request_count}
 *       is the sum of its queues' counters.</li>
 *   <li>Card devices are never re-created by a scan (the model has no card type/function changes).</li>
 *   <li>Unbinding a card from cex4card removes zcrypt's card; its queues are then not usable by zcrypt
 *       but stay bound to cex4queue.</li>
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

    // ---- firmware (machine) state: survives reboot ----
    private final SortedMap<Integer, AdapterHw> hardware = new TreeMap<>();
    private ApMask fwApm;
    private ApMask fwAqm;
    private ApMask fwAdm;

    // ---- kernel state: reset by reboot ----
    ApMask qciApm;
    ApMask qciAqm;
    ApMask qciAdm;
    ApMask apmask;
    ApMask aqmask;
    boolean vfioLoaded;
    final TreeMap<Integer, SimCard> cards = new TreeMap<>();
    final TreeMap<Apqn, SimQueue> queues = new TreeMap<>();
    SimVfioAp vfio;
    ZcryptTraffic traffic;
    long scans;
    long bindingsCompleteCount;
    private boolean bindingsCompleteDone;
    int apDomain;
    int configTime;
    boolean pollThread;
    long pollTimeout;
    boolean driversAutoprobe;
    private final List<Uevent> uevents = new ArrayList<>();
    private final Map<Apqn, Integer> zeroizeCounts = new TreeMap<>();
    private final List<ZeroizeEvent> zeroizeLog = new ArrayList<>();
    private int boots;

    /** Machine state of one installed card. */
    private static final class AdapterHw {
        final MachineProfile.Card card;
        boolean configured = true;
        boolean checkstopped;

        AdapterHw(MachineProfile.Card card) {
            this.card = card;
        }
    }

    private SimKernel(MachineProfile profile, long seed) {
        this.profile = Objects.requireNonNull(profile, "profile");
        this.caps = SimCapabilities.of(profile.kernel());
        this.seed = seed;
        for (MachineProfile.Card c : profile.cards()) {
            hardware.put(c.id(), new AdapterHw(c));
        }
        fwApm = profile.hostConfig().adapters();
        fwAqm = profile.hostConfig().usageDomains();
        fwAdm = profile.hostConfig().controlDomains();
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
        k.locked(() -> {
            k.bootLocked();
            return null;
        });
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
        locked(() -> {
            if (vfio != null) {
                vfio.abandonPendingRemovals();
            }
            bootLocked();
            return null;
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
        bindingsCompleteCount = 0;
        bindingsCompleteDone = false;
        apDomain = -1;
        configTime = 30;
        pollThread = false;
        pollTimeout = 250000;
        driversAutoprobe = true;
        uevents.clear();
        zeroizeCounts.clear();
        zeroizeLog.clear();
        scanLocked();
        if (init.vfioApLoaded()) {
            loadVfioApLocked();
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
        return locked(() -> ownedByMasks(apqn));
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
        return locked(() -> bindingsCompleteCount);
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
        return locked(() -> {
            List<Apqn> out = new ArrayList<>();
            for (SimQueue q : queues.values()) {
                SimCard c = cards.get(q.apqn().adapter());
                if (q.driver == SimDriver.CEX4QUEUE && q.initialised && q.zcryptOnline && q.config && !q.chkstop
                        && c != null && c.driver == SimDriver.CEX4CARD && c.zcryptOnline && c.config && !c.chkstop) {
                    out.add(q.apqn());
                }
            }
            return out;
        });
    }

    // =============================================================================================
    // AP bus: masks, bind/unbind, probe, driver_override
    // =============================================================================================

    /** A write to {@code /sys/bus/ap/apmask} (§3.2). */
    public void writeApmask(String raw) {
        locked(() -> {
            writeMask(true, raw);
            return null;
        });
    }

    /** A write to {@code /sys/bus/ap/aqmask} (§3.2). */
    public void writeAqmask(String raw) {
        locked(() -> {
            writeMask(false, raw);
            return null;
        });
    }

    private void writeMask(boolean adapters, String raw) {
        String name = adapters ? "apmask" : "aqmask";
        if (caps.driverOverride() && queues.values().stream().anyMatch(q -> q.driverOverride != null)) {
            // ap-bus.md §11.2: errno not verified; we choose EBUSY.
            throw new SimKernelException(Errno.EBUSY, name + " cannot change while a queue has a driver_override");
        }
        ApMask current = adapters ? apmask : aqmask;
        ApMask next;
        try {
            next = ApMask.parseWrite(raw, current);
        } catch (ApSyntaxException e) {
            throw new SimKernelException(e.errno(), e.getMessage());
        }
        if (next.equals(current)) {
            return;
        }
        if (caps.maskInUseVeto() && vfioLoaded) {
            ApMask reserved = next.andNot(current);
            if (!reserved.isEmpty()) {
                Optional<String> clash = adapters ? vfio.inUse(reserved, aqmask) : vfio.inUse(apmask, reserved);
                if (clash.isPresent()) {
                    throw new SimKernelException(Errno.EBUSY, "can not reserve for the host driver: " + clash.get());
                }
            }
        }
        Map<Apqn, Boolean> ownedBefore = new LinkedHashMap<>();
        for (Apqn a : queues.keySet()) {
            ownedBefore.put(a, ownedByMasks(a));
        }
        if (adapters) {
            apmask = next;
        } else {
            aqmask = next;
        }
        if (caps.maskUevents()) {
            uevent("change", "/devices/ap", Map.of(adapters ? "APMASK" : "AQMASK", next.toSysfs()));
        }
        // revise bindings (__ap_revise_reserved)
        for (Map.Entry<Apqn, Boolean> e : ownedBefore.entrySet()) {
            SimQueue q = queues.get(e.getKey());
            if (q == null) {
                continue;
            }
            boolean owned = ownedByMasks(q.apqn());
            if (q.driver != null) {
                if (q.driver.isDefault() != owned) {
                    leaveDriver(q);
                    probe(q);
                }
            } else if (owned != e.getValue()) {
                probe(q); // ap-bus.md §11.1: unbound queues whose ownership flipped are probed
            }
        }
    }

    /** A write to {@code /sys/bus/ap/drivers/<driver>/bind}. */
    public void bind(SimDriver driver, String raw) {
        locked(() -> {
            checkDriverLoaded(driver);
            String name = stripNewline(raw);
            Object dev = findDevice(name);
            if (dev == null) {
                throw new SimKernelException(Errno.ENODEV, "no AP device " + name);
            }
            if (dev instanceof SimCard c) {
                if (!driver.bindsCards()) {
                    throw new SimKernelException(Errno.ENODEV, driver.sysfsName() + " does not drive card devices");
                }
                if (c.driver != null) {
                    throw new SimKernelException(Errno.EBUSY, name + " is already bound to " + c.driver.sysfsName());
                }
                bindCard(c);
                return null;
            }
            SimQueue q = (SimQueue) dev;
            if (driver.bindsCards()) {
                throw new SimKernelException(Errno.ENODEV, driver.sysfsName() + " does not drive queue devices");
            }
            if (q.driver != null) {
                throw new SimKernelException(Errno.EBUSY, name + " is already bound to " + q.driver.sysfsName());
            }
            if (!gateAllows(q, driver)) {
                throw new SimKernelException(Errno.ENODEV, "the AP bus refused to bind " + name + " to " + driver.sysfsName()
                        + ": the queue is " + (ownedByMasks(q.apqn()) ? "" : "not ") + "owned by the host default drivers");
            }
            bindQueue(q, driver);
            return null;
        });
    }

    /** A write to {@code /sys/bus/ap/drivers/<driver>/unbind}. */
    public void unbind(SimDriver driver, String raw) {
        locked(() -> {
            checkDriverLoaded(driver);
            String name = stripNewline(raw);
            Object dev = findDevice(name);
            if (dev instanceof SimCard c && c.driver == driver) {
                c.driver = null;
                c.zcryptOnline = false;
                return null;
            }
            if (dev instanceof SimQueue q && q.driver == driver) {
                leaveDriver(q);
                return null;
            }
            throw new SimKernelException(Errno.ENODEV, name + " is not bound to " + driver.sysfsName());
        });
    }

    /** A write to {@code /sys/bus/ap/drivers_probe}: binds an unbound device to a matching driver, if any. */
    public void driversProbe(String raw) {
        locked(() -> {
            String name = stripNewline(raw);
            Object dev = findDevice(name);
            if (dev == null) {
                throw new SimKernelException(Errno.ENODEV, "no AP device " + name);
            }
            if (dev instanceof SimCard c) {
                if (c.driver == null) {
                    bindCard(c);
                }
            } else {
                SimQueue q = (SimQueue) dev;
                if (q.driver == null) {
                    probe(q);
                }
            }
            return null;
        });
    }

    /** A write to a queue's {@code driver_override} (6.19, §3.3). */
    public void writeDriverOverride(Apqn apqn, String raw) {
        locked(() -> {
            SimQueue q = requireQueue(apqn);
            if (!caps.driverOverride()) {
                throw new SimKernelException(Errno.EACCES, "driver_override needs kernel 6.19");
            }
            if (!(apmask.isFull() && aqmask.isFull())) {
                throw new SimKernelException(Errno.EINVAL,
                        "driver_override can only be set while apmask and aqmask are both all ones");
            }
            int nl = raw.indexOf('\n');
            String value = nl >= 0 ? raw.substring(0, nl) : raw;
            if (raw.length() >= 4096) {
                throw new SimKernelException(Errno.EINVAL, "driver_override too long");
            }
            q.driverOverride = value.isEmpty() ? null : value;
            return null;
        });
    }

    /** A write to {@code drivers_autoprobe} (kstrtobool). */
    public void writeDriversAutoprobe(String raw) {
        locked(() -> {
            driversAutoprobe = parseBool(raw);
            return null;
        });
    }

    /** Loads the vfio_ap module: the matrix device appears and unbound non-default queues bind (if autoprobe). */
    public void loadVfioAp() {
        locked(() -> {
            loadVfioApLocked();
            return null;
        });
    }

    private void loadVfioApLocked() {
        if (vfioLoaded) {
            return;
        }
        vfioLoaded = true;
        if (driversAutoprobe) {
            for (SimQueue q : List.copyOf(queues.values())) {
                if (q.driver == null && gateAllows(q, SimDriver.VFIO_AP)) {
                    bindQueue(q, SimDriver.VFIO_AP);
                }
            }
        }
        checkBindingsComplete();
    }

    /**
     * Unloads vfio_ap: EBUSY while mdevs exist (module reference); else all its queues are unbound
     * (flushed and zeroized) and stay unbound.
     */
    public void unloadVfioAp() {
        locked(() -> {
            if (!vfioLoaded) {
                return null;
            }
            if (!vfio.mdevs.isEmpty()) {
                throw new SimKernelException(Errno.EBUSY, "vfio_ap is in use by " + vfio.mdevs.size() + " mdev(s)");
            }
            for (SimQueue q : List.copyOf(queues.values())) {
                if (q.driver == SimDriver.VFIO_AP) {
                    leaveDriver(q);
                }
            }
            vfioLoaded = false;
            return null;
        });
    }

    boolean ownedByMasks(Apqn apqn) {
        return apmask.get(apqn.adapter()) && aqmask.get(apqn.domain());
    }

    /**
     * Whether vfio_ap must treat the APQN as owned by the host (EADDRNOTAVAIL, §5.3). On 6.19 a queue
     * with a driver_override counts as host-owned iff bound to a default driver (§3.3; §11.2 choice).
     */
    boolean ownedByDefaultForVfio(Apqn apqn) {
        if (caps.driverOverride()) {
            SimQueue q = queues.get(apqn);
            if (q != null && q.driverOverride != null) {
                return q.driver != null && q.driver.isDefault();
            }
        }
        return ownedByMasks(apqn);
    }

    private boolean gateAllows(SimQueue q, SimDriver driver) {
        if (caps.driverOverride() && q.driverOverride != null) {
            return q.driverOverride.equals(driver.sysfsName());
        }
        return ownedByMasks(q.apqn()) == driver.isDefault();
    }

    private boolean loaded(SimDriver driver) {
        return driver != SimDriver.VFIO_AP || vfioLoaded;
    }

    private void checkDriverLoaded(SimDriver driver) {
        if (!loaded(driver)) {
            throw new SimKernelException(Errno.ENOENT, "driver " + driver.sysfsName() + " is not loaded");
        }
    }

    /** Tries the queue drivers in order, binding the first one the gate allows. */
    private void probe(SimQueue q) {
        for (SimDriver d : List.of(SimDriver.CEX4QUEUE, SimDriver.VFIO_AP)) {
            if (loaded(d) && gateAllows(q, d)) {
                bindQueue(q, d);
                return;
            }
        }
    }

    private void bindCard(SimCard c) {
        c.driver = SimDriver.CEX4CARD;
        c.zcryptOnline = true;
    }

    private void bindQueue(SimQueue q, SimDriver driver) {
        q.driver = driver;
        bindingsCompleteDone = false; // every probe re-arms the completion
        if (driver == SimDriver.CEX4QUEUE) {
            q.initialised = true; // RAPQ + init of the host state machine
            q.zcryptOnline = true;
        } else {
            q.initialised = false;
            vfio.onQueueProbe(q);
        }
    }

    /** A queue leaves its driver: flush (-EAGAIN), driver remove callback, ZAPQ (§4.1). */
    void leaveDriver(SimQueue q) {
        SimDriver old = q.driver;
        if (old == null) {
            return;
        }
        q.driver = null;
        q.initialised = false;
        q.zcryptOnline = false;
        traffic.flush(q.apqn());
        if (old == SimDriver.VFIO_AP) {
            vfio.onQueueRemove(q);
        }
        zeroize(q.apqn(), ZeroizeEvent.Reason.LEFT_DRIVER);
    }

    void zeroize(Apqn apqn, ZeroizeEvent.Reason reason) {
        zeroizeCounts.merge(apqn, 1, Integer::sum);
        zeroizeLog.add(new ZeroizeEvent(apqn, reason));
    }

    // =============================================================================================
    // Bus scan, firmware changes
    // =============================================================================================

    /**
     * A bus scan (periodic, forced by a {@code scans} write, or after a config change): picks up
     * host configuration changes, creates/removes devices, tracks config/checkstop, then checks
     * "bindings complete". Synchronous.
     */
    public void scan() {
        locked(() -> {
            scanLocked();
            return null;
        });
    }

    private void scanLocked() {
        boolean configChanged = !(fwApm.equals(qciApm) && fwAqm.equals(qciAqm) && fwAdm.equals(qciAdm));
        if (configChanged) {
            qciApm = fwApm;
            qciAqm = fwAqm;
            qciAdm = fwAdm;
            vfio.onConfigChanged();
        }
        for (int a = 0; a <= profile.maxAdapterId(); a++) {
            AdapterHw hw = hardware.get(a);
            SimCard c = cards.get(a);
            if (hw == null || !qciApm.get(a)) {
                if (c != null) {
                    removeCard(c);
                }
                continue;
            }
            if (c == null) {
                c = new SimCard(hw.card, functionsOf(hw.card), hw.configured, hw.checkstopped, serialOf(hw.card));
                cards.put(a, c);
                uevent("add", devpath(c), cardUeventEnv(c));
                if (driversAutoprobe) {
                    bindCard(c);
                }
            } else {
                if (c.chkstop != hw.checkstopped) {
                    c.chkstop = hw.checkstopped;
                }
                if (c.config != hw.configured) {
                    c.config = hw.configured;
                    uevent("change", devpath(c), Map.of("CONFIG", c.config ? "1" : "0"));
                }
            }
            for (int d = 0; d <= profile.maxDomainId(); d++) {
                Apqn apqn = Apqn.of(a, d);
                SimQueue q = queues.get(apqn);
                if (!qciAqm.get(d)) {
                    if (q != null) {
                        removeQueue(q);
                    }
                    continue;
                }
                if (q == null) {
                    q = new SimQueue(apqn, hw.configured, hw.checkstopped);
                    queues.put(apqn, q);
                    uevent("add", devpath(q), Map.of("MODE", modeName(c)));
                    if (driversAutoprobe) {
                        probe(q);
                    }
                } else {
                    updateQueueState(q, hw.configured, hw.checkstopped);
                }
            }
        }
        if (configChanged) {
            vfio.onScanComplete();
        }
        if (apDomain < 0) {
            selectDefaultDomain();
        }
        scans++;
        if (scans == 1) {
            uevent("change", "/devices/ap", Map.of("INITSCAN", "done"));
        }
        checkBindingsComplete();
    }

    private void selectDefaultDomain() {
        for (SimQueue q : queues.values()) {
            if (aqmask.get(q.apqn().domain())) {
                apDomain = q.apqn().domain();
                return;
            }
        }
    }

    private void updateQueueState(SimQueue q, boolean configured, boolean checkstopped) {
        if (checkstopped && !q.chkstop) {
            q.chkstop = true;
            traffic.flush(q.apqn());
        } else if (!checkstopped && q.chkstop) {
            q.chkstop = false;
        }
        if (!configured && q.config) {
            q.config = false;
            uevent("change", devpath(q), Map.of("CONFIG", "0"));
            traffic.flush(q.apqn());
        } else if (configured && !q.config) {
            q.config = true;
            uevent("change", devpath(q), Map.of("CONFIG", "1"));
        }
    }

    private void removeQueue(SimQueue q) {
        leaveDriver(q);
        queues.remove(q.apqn());
        uevent("remove", devpath(q), Map.of());
    }

    private void removeCard(SimCard c) {
        for (SimQueue q : List.copyOf(queues.subMap(Apqn.of(c.id(), 0), true, Apqn.of(c.id(), 255), true).values())) {
            removeQueue(q);
        }
        c.driver = null;
        cards.remove(c.id());
        uevent("remove", devpath(c), Map.of());
    }

    private void checkBindingsComplete() {
        if (scans < 1) {
            return;
        }
        long bound = queues.values().stream().filter(q -> q.driver != null).count();
        if (bound == queues.size() && !bindingsCompleteDone) {
            bindingsCompleteDone = true;
            bindingsCompleteCount++;
            uevent("change", "/devices/ap", Map.of("BINDINGS", "complete", "COMPLETECOUNT", Long.toString(bindingsCompleteCount)));
        }
    }

    /** The {@code bindings} text without newline, e.g. {@code 12/12 (complete)}. */
    String bindingsText() {
        long bound = queues.values().stream().filter(q -> q.driver != null).count();
        return bound + "/" + queues.size() + (scans >= 1 && bound == queues.size() ? " (complete)" : "");
    }

    /**
     * Changes what the firmware (QCI) reports: configured adapters, usage and control domains (an
     * HMC/DPM change). Visible at the next {@link #scan()}.
     */
    public void setHostConfiguration(ApMask adapters, ApMask usageDomains, ApMask controlDomains) {
        locked(() -> {
            fwApm = Objects.requireNonNull(adapters);
            fwAqm = Objects.requireNonNull(usageDomains);
            fwAdm = Objects.requireNonNull(controlDomains);
            return null;
        });
    }

    /** Checkstops (or recovers) an installed adapter and all its queues; visible at the next {@link #scan()}. */
    public void setCheckstop(int adapter, boolean checkstopped) {
        locked(() -> {
            requireHardware(adapter).checkstopped = checkstopped;
            return null;
        });
    }

    /** A write to a card's {@code config} (SCLP configure/deconfigure, §6.4). */
    public void writeCardConfig(int adapter, String raw) {
        locked(() -> {
            SimCard c = requireCard(adapter);
            int v = sscanfInt(raw).filter(i -> i == 0 || i == 1)
                    .orElseThrow(() -> new SimKernelException(Errno.EINVAL, "config takes 0 or 1"));
            boolean cfg = v == 1;
            if (cfg != c.config) {
                hardware.get(adapter).configured = cfg;
                c.config = cfg;
                uevent("change", devpath(c), Map.of("CONFIG", cfg ? "1" : "0"));
            }
            return null;
        });
    }

    // =============================================================================================
    // zcrypt and core queue/card attributes
    // =============================================================================================

    /** A write to a card's zcrypt {@code online} (§1.4, invariant 18). */
    public void writeCardOnline(int adapter, String raw) {
        locked(() -> {
            SimCard c = requireCard(adapter);
            requireZcryptCard(c);
            boolean on = parseOnline(raw);
            if (on && (!c.config || (caps.onlineRefusedWhileCheckstopped() && c.chkstop))) {
                throw new SimKernelException(Errno.ENODEV, c.name() + " is " + (c.config ? "checkstopped" : "deconfigured"));
            }
            c.zcryptOnline = on;
            uevent("change", devpath(c), Map.of("ONLINE", on ? "1" : "0"));
            for (SimQueue q : queuesOf(adapter)) {
                if (q.driver == SimDriver.CEX4QUEUE) {
                    boolean was = q.zcryptOnline;
                    q.zcryptOnline = on;
                    if (!on) {
                        traffic.flush(q.apqn());
                    }
                    if (was != on) {
                        uevent("change", devpath(q), Map.of("ONLINE", on ? "1" : "0"));
                    }
                }
            }
            return null;
        });
    }

    /** A write to a queue's zcrypt {@code online} (§1.5, invariant 18). */
    public void writeQueueOnline(Apqn apqn, String raw) {
        locked(() -> {
            SimQueue q = requireQueue(apqn);
            if (q.driver != SimDriver.CEX4QUEUE) {
                throw new SimKernelException(Errno.ENOENT, apqn + " is not bound to cex4queue");
            }
            SimCard c = cards.get(apqn.adapter());
            boolean on = parseOnline(raw);
            boolean stopped = caps.onlineRefusedWhileCheckstopped() && (q.chkstop || c.chkstop);
            if (on && (!q.config || !c.config || stopped)) {
                throw new SimKernelException(Errno.ENODEV, apqn + " or its card is deconfigured or checkstopped");
            }
            if (on && !(c.driver == SimDriver.CEX4CARD && c.zcryptOnline)) {
                throw new SimKernelException(Errno.EINVAL, "card " + c.name() + " is offline");
            }
            q.zcryptOnline = on;
            if (!on) {
                traffic.flush(apqn);
            }
            uevent("change", devpath(q), Map.of("ONLINE", on ? "1" : "0"));
            return null;
        });
    }

    /** A write to a queue's {@code reset}: flushes it (-EAGAIN) and restarts its state machine. */
    public void resetQueue(Apqn apqn) {
        locked(() -> {
            requireQueue(apqn);
            traffic.flush(apqn);
            return null;
        });
    }

    /** A write to a queue's {@code request_count}: resets its counter. */
    public void resetQueueRequestCount(Apqn apqn) {
        locked(() -> {
            requireQueue(apqn);
            traffic.resetRequestCount(apqn);
            return null;
        });
    }

    /** A write to a card's {@code request_count}: resets the counters of the card and all its queues. */
    public void resetCardRequestCount(int adapter) {
        locked(() -> {
            requireCard(adapter);
            for (SimQueue q : queuesOf(adapter)) {
                traffic.resetRequestCount(q.apqn());
            }
            return null;
        });
    }

    /** A write to {@code ap_domain} ({@code sscanf %i}). */
    public void writeApDomain(String raw) {
        locked(() -> {
            long d = sscanfI(raw).orElse(-1L);
            if (d < 0 || d > profile.maxDomainId() || !aqmask.get((int) d)) {
                throw new SimKernelException(Errno.EINVAL, "ap_domain must be a domain set in aqmask");
            }
            apDomain = (int) d;
            return null;
        });
    }

    /** A write to {@code config_time} (5..120 seconds). */
    public void writeConfigTime(String raw) {
        locked(() -> {
            int v = sscanfInt(raw).filter(i -> i >= 5 && i <= 120)
                    .orElseThrow(() -> new SimKernelException(Errno.EINVAL, "config_time takes 5..120"));
            configTime = v;
            return null;
        });
    }

    /** A write to {@code poll_thread} (kstrtobool; starting is a no-op since interrupts are in use). */
    public void writePollThread(String raw) {
        locked(() -> {
            parseBool(raw);
            pollThread = false;
            return null;
        });
    }

    /** A write to {@code poll_timeout} (kstrtoul base 0, at most 120 s in ns). */
    public void writePollTimeout(String raw) {
        locked(() -> {
            long v;
            try {
                v = KernelNumbers.kstrtoul(raw);
            } catch (ApSyntaxException e) {
                throw new SimKernelException(e.errno(), e.getMessage());
            }
            if (v > 120_000_000_000L) {
                throw new SimKernelException(Errno.EINVAL, "poll_timeout at most 120000000000 ns");
            }
            pollTimeout = v;
            return null;
        });
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
        locked(() -> {
            requireVfio();
            vfio.remove(vfio.require(uuid), raw);
            return null;
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
        locked(() -> {
            requireVfio();
            vfio.assign(vfio.require(uuid), what, raw);
            return null;
        });
    }

    /** A write to an mdev's {@code unassign_*}. */
    public void unassign(String uuid, Resource what, String raw) {
        locked(() -> {
            requireVfio();
            vfio.unassign(vfio.require(uuid), what, raw);
            return null;
        });
    }

    /** A write to an mdev's {@code ap_config} (6.10+). */
    public void writeApConfig(String uuid, String raw) {
        locked(() -> {
            requireVfio();
            if (!caps.apConfig()) {
                throw new SimKernelException(Errno.ENOENT, "ap_config needs kernel 6.10");
            }
            vfio.writeApConfig(vfio.require(uuid), raw);
            return null;
        });
    }

    /**
     * QEMU opens the mdev for a guest. EPERM if the guest already has another mdev; EBUSY if the mdev
     * is already open; ENODEV if there is no such mdev.
     */
    public void attachGuest(String mdevUuid, String guestId) {
        locked(() -> {
            requireVfio();
            vfio.attach(vfio.require(mdevUuid), guestId);
            return null;
        });
    }

    /** QEMU closes the guest's mdev: its queues are zeroized; a blocked {@code remove} completes. */
    public void detachGuest(String guestId) {
        locked(() -> {
            vfio.detach(guestId);
            return null;
        });
    }

    /** QEMU issues VFIO_DEVICE_RESET for the guest's mdev: its queues are zeroized. */
    public void resetGuestDevice(String guestId) {
        locked(() -> {
            vfio.reset(guestId);
            return null;
        });
    }

    /**
     * Test hook: how many mdevs the type allows in total (default {@link #MAX_MDEV_INSTANCES}), so that
     * {@code create}'s "no instances left" error can be reached.
     */
    public void limitMdevInstances(int max) {
        locked(() -> {
            vfio.maxInstances = max;
            return null;
        });
    }

    /**
     * Called (outside the kernel lock) when an mdev {@code remove} blocks because a guest holds the
     * device: the vfio core's request to user space to release it. Default: nothing.
     */
    public void setReleaseRequestListener(Consumer<MdevRemoveBlockedException> listener) {
        locked(() -> {
            vfio.releaseListener = listener;
            return null;
        });
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

    List<SimQueue> queuesOf(int adapter) {
        return new ArrayList<>(queues.subMap(Apqn.of(adapter, 0), true, Apqn.of(adapter, 255), true).values());
    }

    private Object findDevice(String name) {
        if (name.matches("card[0-9a-f]{2}")) {
            return cards.get(Integer.parseInt(name.substring(4), 16));
        }
        if (name.matches("[0-9a-f]{2}\\.[0-9a-f]{4}")) {
            Apqn a = Apqn.parse(name);
            return queues.get(a);
        }
        return null;
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

    private void requireZcryptCard(SimCard c) {
        if (c.driver != SimDriver.CEX4CARD) {
            throw new SimKernelException(Errno.ENOENT, c.name() + " is not bound to cex4card");
        }
    }

    private AdapterHw requireHardware(int adapter) {
        AdapterHw hw = hardware.get(adapter);
        if (hw == null) {
            throw new IllegalArgumentException("no card installed at adapter " + adapter);
        }
        return hw;
    }

    private void uevent(String action, String devpath, Map<String, String> env) {
        uevents.add(new Uevent(action, devpath, env));
    }

    static String devpath(SimCard c) {
        return "/devices/ap/" + c.name();
    }

    static String devpath(SimQueue q) {
        return "/devices/ap/" + q.apqn().cardName() + "/" + q.apqn();
    }

    private static Map<String, String> cardUeventEnv(SimCard c) {
        return Map.of("DEV_TYPE", String.format("%04X", c.hardware().generation().hwtype()),
                "MODALIAS", String.format("ap:t%02X", c.hardware().generation().hwtype()),
                "MODE", modeName(c));
    }

    static String modeName(SimCard c) {
        return switch (c.hardware().mode()) {
            case CCA -> "cca";
            case ACCELERATOR -> "accel";
            case EP11 -> "ep11";
        };
    }

    private int functionsOf(MachineProfile.Card card) {
        if (card.functions() != 0) {
            return card.functions();
        }
        boolean apxa = profile.maxAdapterId() > 63 || profile.maxDomainId() > 15;
        int f = switch (card.mode()) {
            case CCA -> 0x80000000 | 0x40000000 | 0x20000000 | 0x10000000 | 0x00800000;
            case EP11 -> 0x80000000 | 0x04000000 | 0x00800000;
            case ACCELERATOR -> 0x40000000 | 0x20000000 | 0x08000000 | 0x00800000;
        };
        return apxa ? f | 0x02000000 : f;
    }

    private String serialOf(MachineProfile.Card card) {
        Random r = new Random(seed * 31 + card.id());
        String alphabet = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ";
        StringBuilder sb = new StringBuilder("93");
        for (int i = 0; i < 6; i++) {
            sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    static String lower(String uuid) {
        return uuid == null ? "" : uuid.toLowerCase(Locale.ROOT);
    }

    static String stripNewline(String raw) {
        return raw.endsWith("\n") ? raw.substring(0, raw.length() - 1) : raw;
    }

    private static boolean parseOnline(String raw) {
        return sscanfInt(raw).filter(i -> i == 0 || i == 1)
                .orElseThrow(() -> new SimKernelException(Errno.EINVAL, "online takes 0 or 1")) == 1;
    }

    /** {@code sscanf(buf, "%d")}: leading white space, optional sign, decimal digits; the rest is ignored. */
    static Optional<Integer> sscanfInt(String s) {
        int i = 0;
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        int start = i;
        if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            i++;
        }
        int digits = i;
        while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
            i++;
        }
        if (i == digits || i - digits > 9) {
            return Optional.empty();
        }
        return Optional.of(Integer.parseInt(s.substring(start, i)));
    }

    /** {@code sscanf(buf, "%i")}: like %d but with 0x hex and 0-prefixed octal. */
    static Optional<Long> sscanfI(String s) {
        int i = 0;
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        boolean neg = false;
        if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            neg = s.charAt(i) == '-';
            i++;
        }
        KernelNumbers.Parsed p = KernelNumbers.simpleStrtoul(s, i);
        if (p.end() == i || p.overflow() || p.value().bitLength() > 31) {
            return Optional.empty();
        }
        long v = p.value().longValue();
        return Optional.of(neg ? -v : v);
    }

    /** {@code kstrtobool}: first char 1/y/Y/0/n/N, or on/off. */
    static boolean parseBool(String s) {
        if (!s.isEmpty()) {
            switch (s.charAt(0)) {
                case '1', 'y', 'Y', 't', 'T':
                    return true;
                case '0', 'n', 'N', 'f', 'F':
                    return false;
                case 'o', 'O':
                    if (s.length() > 1 && (s.charAt(1) == 'n' || s.charAt(1) == 'N')) {
                        return true;
                    }
                    if (s.length() > 1 && (s.charAt(1) == 'f' || s.charAt(1) == 'F')) {
                        return false;
                    }
                    break;
                default:
                    break;
            }
        }
        throw new SimKernelException(Errno.EINVAL, "expected a boolean (1/0, y/n, on/off)");
    }

    @Override
    public String toString() {
        return "SimKernel[" + profile.name() + ", " + profile.kernel() + "]";
    }

    /** Unmodifiable view helper for SimSysfs. */
    static <T> List<T> view(List<T> l) {
        return Collections.unmodifiableList(l);
    }
}
