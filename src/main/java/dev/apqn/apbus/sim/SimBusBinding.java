package dev.apqn.apbus.sim;

import dev.apqn.ap.ApMask;
import dev.apqn.ap.ApSyntaxException;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.Errno;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which driver a device is bound to, in the simulated kernel: the {@code apmask}/{@code aqmask}
 * ownership rule and the 6.19 {@code driver_override} gate, {@code bind}/{@code unbind}/
 * {@code drivers_probe}, loading and unloading vfio_ap, and "bindings complete" (ap-bus.md §3, §4).
 * The state is the {@link SimKernel}'s; this class holds the rules. Runs under the kernel lock.
 *
 * <h2>Choices where ap-bus.md is open (§11)</h2>
 * <ul>
 *   <li>§11.1: a mask write re-probes the queues whose default ownership flipped, including
 *       currently unbound ones (they get bound to the now-matching driver). Unbound queues whose
 *       ownership did not flip stay unbound.</li>
 *   <li>§11.2: an apmask/aqmask write while any driver_override is set fails with EBUSY (checked
 *       before parsing). For the vfio_ap ownership check (EADDRNOTAVAIL) on 6.19, a queue with an
 *       override counts as host-owned iff it is bound to cex4queue; without an override the mask rule
 *       applies. {@code bindings_complete_count} prints {@code %u\n}. The veto itself is unchanged.</li>
 *   <li>§11.3: {@code bind} of an already bound device fails with EBUSY (newer driver core).</li>
 *   <li>§11.12: {@code drivers_autoprobe=0} stops binding of devices a scan creates and of a newly
 *       loaded driver; mask re-probes still bind (device_reprobe ignores autoprobe).</li>
 *   <li>Unbinding a card from cex4card removes zcrypt's card; its queues are then not usable by zcrypt
 *       but stay bound to cex4queue.</li>
 * </ul>
 */
final class SimBusBinding {

    private final SimKernel k;
    private final SimCapabilities caps;
    private long bindingsCompleteCount;
    /** The current "bindings complete" was counted; the next probe re-arms it. */
    private boolean bindingsCompleteDone;

    SimBusBinding(SimKernel kernel) {
        this.k = kernel;
        this.caps = kernel.capabilities();
    }

    /** Boot: nothing counted yet. */
    void resetBindingsComplete() {
        bindingsCompleteCount = 0;
        bindingsCompleteDone = false;
    }

    long bindingsCompleteCount() {
        return bindingsCompleteCount;
    }

    /** A write to {@code apmask} ({@code adapters}) or {@code aqmask} (§3.2). */
    void writeMask(boolean adapters, String raw) {
        String name = adapters ? "apmask" : "aqmask";
        if (caps.driverOverride() && k.queues().values().stream().anyMatch(q -> q.driverOverride != null)) {
            // ap-bus.md §11.2: errno not verified; we choose EBUSY.
            throw new SimKernelException(Errno.EBUSY, name + " cannot change while a queue has a driver_override");
        }
        ApMask current = adapters ? k.apmask() : k.aqmask();
        ApMask next;
        try {
            next = ApMask.parseWrite(raw, current);
        } catch (ApSyntaxException e) {
            throw new SimKernelException(e.errno(), e.getMessage());
        }
        if (next.equals(current)) {
            return;
        }
        if (caps.maskInUseVeto() && k.vfioApLoaded()) {
            ApMask reserved = next.andNot(current);
            if (!reserved.isEmpty()) {
                Optional<String> clash = adapters ? k.vfio().inUse(reserved, k.aqmask()) : k.vfio().inUse(k.apmask(), reserved);
                if (clash.isPresent()) {
                    throw new SimKernelException(Errno.EBUSY, "can not reserve for the host driver: " + clash.get());
                }
            }
        }
        Map<Apqn, Boolean> ownedBefore = new LinkedHashMap<>();
        for (Apqn a : k.queues().keySet()) {
            ownedBefore.put(a, ownedByMasks(a));
        }
        k.changeMask(adapters, next);
        if (caps.maskUevents()) {
            k.uevent("change", "/devices/ap", Map.of(adapters ? "APMASK" : "AQMASK", next.toSysfs()));
        }
        // revise bindings (__ap_revise_reserved)
        for (Map.Entry<Apqn, Boolean> e : ownedBefore.entrySet()) {
            SimQueue q = k.queues().get(e.getKey());
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
    void bind(SimDriver driver, String raw) {
        checkDriverLoaded(driver);
        String name = KernelInput.stripNewline(raw);
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
            return;
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
    }

    /** A write to {@code /sys/bus/ap/drivers/<driver>/unbind}. */
    void unbind(SimDriver driver, String raw) {
        checkDriverLoaded(driver);
        String name = KernelInput.stripNewline(raw);
        Object dev = findDevice(name);
        if (dev instanceof SimCard c && c.driver == driver) {
            c.driver = null;
            c.zcryptOnline = false;
            return;
        }
        if (dev instanceof SimQueue q && q.driver == driver) {
            leaveDriver(q);
            return;
        }
        throw new SimKernelException(Errno.ENODEV, name + " is not bound to " + driver.sysfsName());
    }

    /** A write to {@code /sys/bus/ap/drivers_probe}: binds an unbound device to a matching driver, if any. */
    void driversProbe(String raw) {
        String name = KernelInput.stripNewline(raw);
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
    }

    /** A write to a queue's {@code driver_override} (6.19, §3.3). */
    void writeDriverOverride(Apqn apqn, String raw) {
        SimQueue q = k.requireQueue(apqn);
        if (!caps.driverOverride()) {
            throw new SimKernelException(Errno.EACCES, "driver_override needs kernel 6.19");
        }
        if (!(k.apmask().isFull() && k.aqmask().isFull())) {
            throw new SimKernelException(Errno.EINVAL,
                    "driver_override can only be set while apmask and aqmask are both all ones");
        }
        int nl = raw.indexOf('\n');
        String value = nl >= 0 ? raw.substring(0, nl) : raw;
        if (raw.length() >= 4096) {
            throw new SimKernelException(Errno.EINVAL, "driver_override too long");
        }
        q.driverOverride = value.isEmpty() ? null : value;
    }

    /** The matrix device appears and unbound non-default queues bind (if autoprobe). */
    void loadVfioAp() {
        if (k.vfioApLoaded()) {
            return;
        }
        k.vfioLoaded(true);
        if (k.attributes().driversAutoprobe()) {
            for (SimQueue q : List.copyOf(k.queues().values())) {
                if (q.driver == null && gateAllows(q, SimDriver.VFIO_AP)) {
                    bindQueue(q, SimDriver.VFIO_AP);
                }
            }
        }
        checkBindingsComplete();
    }

    /** EBUSY while mdevs exist (module reference); else all its queues are unbound (flushed and zeroized). */
    void unloadVfioAp() {
        if (!k.vfioApLoaded()) {
            return;
        }
        if (!k.vfio().mdevs.isEmpty()) {
            throw new SimKernelException(Errno.EBUSY, "vfio_ap is in use by " + k.vfio().mdevs.size() + " mdev(s)");
        }
        for (SimQueue q : List.copyOf(k.queues().values())) {
            if (q.driver == SimDriver.VFIO_AP) {
                leaveDriver(q);
            }
        }
        k.vfioLoaded(false);
    }

    /** Invariant 2: {@code apmask[a] ∧ aqmask[q]}. */
    boolean ownedByMasks(Apqn apqn) {
        return k.apmask().get(apqn.adapter()) && k.aqmask().get(apqn.domain());
    }

    /** See {@link SimKernel#ownedByDefaultForVfio}. */
    boolean ownedByDefaultForVfio(Apqn apqn) {
        if (caps.driverOverride()) {
            SimQueue q = k.queues().get(apqn);
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
        return driver != SimDriver.VFIO_AP || k.vfioApLoaded();
    }

    private void checkDriverLoaded(SimDriver driver) {
        if (!loaded(driver)) {
            throw new SimKernelException(Errno.ENOENT, "driver " + driver.sysfsName() + " is not loaded");
        }
    }

    /** Tries the queue drivers in order, binding the first one the gate allows. */
    void probe(SimQueue q) {
        for (SimDriver d : List.of(SimDriver.CEX4QUEUE, SimDriver.VFIO_AP)) {
            if (loaded(d) && gateAllows(q, d)) {
                bindQueue(q, d);
                return;
            }
        }
    }

    void bindCard(SimCard c) {
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
            k.vfio().onQueueProbe(q);
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
        k.traffic().flush(q.apqn());
        if (old == SimDriver.VFIO_AP) {
            k.vfio().onQueueRemove(q);
        }
        k.zeroize(q.apqn(), ZeroizeEvent.Reason.LEFT_DRIVER);
    }

    /** After the first scan: counts and announces the moment every queue is bound, once per re-arm. */
    void checkBindingsComplete() {
        if (k.scans() < 1) {
            return;
        }
        long bound = k.queues().values().stream().filter(q -> q.driver != null).count();
        if (bound == k.queues().size() && !bindingsCompleteDone) {
            bindingsCompleteDone = true;
            bindingsCompleteCount++;
            k.uevent("change", "/devices/ap", Map.of("BINDINGS", "complete", "COMPLETECOUNT", Long.toString(bindingsCompleteCount)));
        }
    }

    /** The {@code bindings} text without newline, e.g. {@code 12/12 (complete)}. */
    String bindingsText() {
        long bound = k.queues().values().stream().filter(q -> q.driver != null).count();
        return bound + "/" + k.queues().size() + (k.scans() >= 1 && bound == k.queues().size() ? " (complete)" : "");
    }

    private Object findDevice(String name) {
        if (name.matches("card[0-9a-f]{2}")) {
            return k.cards().get(Integer.parseInt(name.substring(4), 16));
        }
        if (name.matches("[0-9a-f]{2}\\.[0-9a-f]{4}")) {
            Apqn a = Apqn.parse(name);
            return k.queues().get(a);
        }
        return null;
    }
}
