package dev.apqn.apbus;

import dev.apqn.ap.ApDriver;
import dev.apqn.ap.ApMask;
import dev.apqn.ap.ApMdev;
import dev.apqn.ap.ApQueue;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.Errno;
import dev.apqn.ap.Matrix;
import dev.apqn.apbus.SysfsException.Operation;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.LongSupplier;

/**
 * {@link ApBus} over a {@link Sysfs}: with {@link SysfsPaths}, {@link SysfsValues} and
 * {@link SysfsInventoryReader} the only code that knows sysfs paths and formats (ap-bus.md §1, §2).
 * It wraps the given Sysfs in a {@link CountingSysfs} to report what each inventory costs
 * ({@link #lastRefreshStats()}). This class does the writes; reads go to the
 * {@link SysfsInventoryReader}, and the cached inventory with its refresh strategy is the
 * {@link InventoryRefresher}'s.
 *
 * <h2>Refresh</h2>
 * {@link #inventory()} reads every attribute of every card and queue; {@link #refresh()} reads cheap
 * signals (masks, {@code bindings}, {@code scans}, driver listings, card flags, mdevs) and rereads
 * only what they point at, and queues this object changed itself (driver_override, bind, unbind,
 * probe). Every {@link Options#fullResyncEvery()} refreshes, or after
 * {@link Options#fullResyncInterval()}, the refresh is a full read. {@link #rereadWritten()} reads
 * only what this object's writes changed (mask bits, mdevs, queues): the check after a converge's writes.
 *
 * <p><b>What a quiet refresh can miss until the periodic full resync</b> (none of these moves a
 * signal; {@link InventoryRefresher} lists the signals):
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

    static final String BUS = SysfsPaths.BUS;
    static final String DEVICES = SysfsPaths.DEVICES;
    static final String MATRIX = SysfsPaths.MATRIX;
    static final String MDEV_TYPE = SysfsPaths.MDEV_TYPE;


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
    private final SysfsInventoryReader reader;
    private final SysfsValues values;
    /** The cached inventory; guarded by this. */
    private final InventoryRefresher refresher;

    public SysfsApBus(Sysfs sysfs) {
        this(sysfs, Options.defaults());
    }

    public SysfsApBus(Sysfs sysfs, Options options) {
        Objects.requireNonNull(sysfs, "sysfs");
        this.sysfs = sysfs instanceof CountingSysfs c ? c : new CountingSysfs(sysfs);
        this.options = Objects.requireNonNull(options, "options");
        this.reader = new SysfsInventoryReader(this.sysfs);
        this.values = reader.values();
        this.refresher = new InventoryRefresher(this.sysfs, this.options, reader);
    }

    /** The counting Sysfs every call goes through. */
    public CountingSysfs counting() {
        return sysfs;
    }

    // =============================================================================================
    // inventory

    @Override
    public synchronized ApInventory inventory() throws SysfsException {
        return refresher.full(ApRefreshStats.Kind.FULL, List.of());
    }

    @Override
    public synchronized ApInventory refresh() throws SysfsException {
        return refresher.refresh();
    }

    @Override
    public synchronized ApInventory rereadWritten() throws SysfsException {
        return refresher.rereadWritten();
    }

    @Override
    public synchronized ApRefreshStats lastRefreshStats() {
        return refresher.lastStats();
    }

    @Override
    public synchronized NodeCapabilities capabilities() throws SysfsException {
        if (refresher.capabilities() == null) {
            inventory();
        }
        return refresher.capabilities();
    }

    // =============================================================================================
    // single reads

    @Override
    public ApBusState busState() throws SysfsException {
        return reader.readBusState();
    }

    @Override
    public ApQueue queue(Apqn apqn) throws SysfsException {
        NodeCapabilities c;
        synchronized (this) {
            c = refresher.capabilities();
        }
        CapabilityDetector detect = new CapabilityDetector(c != null ? c : CapabilityDetector.beforeInventory());
        if (c == null) {
            detect.decideOwnershipFromFirstQueue();
        }
        return reader.readQueue(apqn, detect);
    }

    @Override
    public int inFlight(Apqn apqn) throws SysfsException {
        String dir = queueDir(apqn);
        return values.readInt(dir + "/requestq_count") + values.readInt(dir + "/pendingq_count");
    }

    @Override
    public ApDriver driverOf(Apqn apqn) throws SysfsException {
        return reader.readDriver(queueDir(apqn));
    }

    @Override
    public Optional<ApMdev> mdev(UUID uuid) throws SysfsException {
        return reader.readMdev(uuid, capabilities());
    }

    // =============================================================================================
    // masks

    @Override
    public ApMask readApmask() throws SysfsException {
        return values.readMask(BUS + "/apmask");
    }

    @Override
    public ApMask readAqmask() throws SysfsException {
        return values.readMask(BUS + "/aqmask");
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
        masksWritten();
        sysfs.write(path, mask.toSysfs());
        return values.readMask(path);
    }

    private ApMask editMask(String path, ApMask set, ApMask clear) throws SysfsException {
        ApMask current = values.readMask(path);
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
        refresher.touched(apqn);
    }

    private synchronized void masksWritten() {
        refresher.masksWritten();
    }

    private synchronized void mdevWritten(UUID mdev) {
        refresher.mdevWritten(mdev);
    }

    /** The driver directory for bind/unbind, which only the bindable drivers have. */
    private static String driverDir(ApDriver driver) {
        if (!driver.isBindable()) {
            throw new IllegalArgumentException("bind/unbind take cex4queue or vfio_ap, not " + driver);
        }
        return SysfsPaths.driverDir(driver);
    }

    // =============================================================================================
    // scans

    @Override
    public long triggerScan() throws SysfsException {
        sysfs.write(BUS + "/scans", "1");
        return values.readLong(BUS + "/scans");
    }

    @Override
    public ApBindings awaitBindingsComplete(Duration timeout) throws SysfsException {
        long start = options.nanoTime().getAsLong();
        long deadline = start + timeout.toNanos();
        while (true) {
            ApBindings b = reader.readBindings();
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

    // =============================================================================================
    // mdevs

    @Override
    public ApMdev createMdev(UUID uuid) throws SysfsException {
        mdevWritten(uuid);
        sysfs.write(MDEV_TYPE + "/create", uuid.toString());
        return reader.readMdev(uuid, capabilities()).orElseThrow(() -> new SysfsException(Errno.ENOENT, Operation.READ,
                SysfsPaths.mdevDir(uuid), null, "the kernel accepted the create but the mediated device did not appear"));
    }

    @Override
    public void removeMdev(UUID uuid) throws SysfsException {
        mdevWritten(uuid);
        sysfs.write(SysfsPaths.mdevDir(uuid) + "/remove", "1");
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
        mdevWritten(mdev);
        sysfs.write(SysfsPaths.mdevDir(mdev) + "/" + attr, Integer.toString(id));
    }

    @Override
    public Matrix readApConfig(UUID mdev) throws SysfsException {
        String path = SysfsPaths.mdevDir(mdev) + "/ap_config";
        return values.read(path, Matrix::parseApConfigText);
    }

    @Override
    public Matrix writeApConfig(UUID mdev, Matrix matrix) throws SysfsException {
        mdevWritten(mdev);
        sysfs.write(SysfsPaths.mdevDir(mdev) + "/ap_config", matrix.toApConfigText());
        return readApConfig(mdev);
    }

    // =============================================================================================
    // paths (kept here for the tests that build sysfs trees)

    static String cardDir(int adapter) {
        return SysfsPaths.cardDir(adapter);
    }

    static String queueDir(Apqn apqn) {
        return SysfsPaths.queueDir(apqn);
    }

    static String mdevDir(UUID uuid) {
        return SysfsPaths.mdevDir(uuid);
    }

    @Override
    public java.util.OptionalInt mdevIommuGroup(UUID mdev) throws SysfsException {
        java.util.Optional<String> link = sysfs.readLink(SysfsPaths.mdevDir(mdev) + "/iommu_group");
        if (link.isEmpty()) {
            return java.util.OptionalInt.empty();
        }
        String target = link.get();
        return java.util.OptionalInt.of(Integer.parseInt(target.substring(target.lastIndexOf('/') + 1).trim()));
    }
}
