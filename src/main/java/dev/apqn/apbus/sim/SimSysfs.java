package dev.apqn.apbus.sim;

import dev.apqn.ap.Apqn;
import dev.apqn.ap.Errno;
import dev.apqn.apbus.Sysfs;
import dev.apqn.apbus.SysfsException.Operation;
import dev.apqn.apbus.SysfsException;
import dev.apqn.apbus.SysfsTimeoutException;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The simulated kernel's virtual sysfs: the kernel's paths (ap-bus.md §1.1), read formats
 * (trailing newlines included), write grammars and errnos. Everything is computed from the
 * {@link SimKernel} state at call time; there is no change feed — like on a real node, the only
 * way to observe is to read files.
 *
 * <p>Symlinks ({@code /sys/bus/ap/devices/*}, driver links, {@code driver}, {@code subsystem},
 * {@code module}, {@code iommu_group}, {@code mdev_type}, {@code /sys/bus/mdev/devices/*},
 * {@code /sys/class/mdev_bus/matrix}, {@code /sys/bus/matrix/devices/matrix}) are relative, as in the
 * kernel, and are followed by every operation except {@link #readLink}. The driver-core files
 * (device {@code uevent}, the links and their targets under {@code /sys/module} and
 * {@code /sys/kernel/iommu_groups}) come from {@link SimDriverCore}, zcrypt's CCA/EP11 information
 * attributes from {@link SimZcryptInfo}.
 *
 * <p>Errno choices: a missing path is ENOENT; a write to a read-only attribute and a read of a
 * write-only attribute are EACCES (kernfs refuses the open even for root); reading or writing a
 * directory is EISDIR and listing a file ENOTDIR, as for real files.
 *
 * <p>Timeouts: every call that blocks — an injected hang ({@link SimFaults}) or an mdev
 * {@code remove} while a guest holds the device on a modern kernel — waits at most
 * {@link #callTimeout()} (default 5 s; {@code null} = forever) and then throws
 * {@link SysfsTimeoutException}. A timed-out write still lands later: a hung write when its hang is
 * released, a blocked {@code remove} when the guest detaches.
 */
public final class SimSysfs implements Sysfs {

    static final int RO = 0444;
    static final int RW = 0644;
    static final int WO = 0200;

    private static final String TYPE_DIR = "vfio_ap-passthrough";

    private final SimKernel k;
    private final SimDriverCore core;
    private final SimZcryptInfo info;
    private final SimFaults faults = new SimFaults();
    private volatile Duration callTimeout = Duration.ofSeconds(5);

    public SimSysfs(SimKernel kernel) {
        this.k = kernel;
        this.core = new SimDriverCore(kernel);
        this.info = new SimZcryptInfo(kernel);
    }

    public SimKernel kernel() {
        return k;
    }

    /** The fault injector of this sysfs view. */
    public SimFaults faults() {
        return faults;
    }

    public Duration callTimeout() {
        return callTimeout;
    }

    /** How long a blocking call waits before {@link SysfsTimeoutException}; null waits forever. */
    public SimSysfs withCallTimeout(Duration timeout) {
        this.callTimeout = timeout;
        return this;
    }

    // =============================================================================================
    // Sysfs port
    // =============================================================================================

    @Override
    public String read(String path) throws SysfsException {
        if (!faults.isEmpty()) {
            injectReadFaults(path);
        }
        return inLock(Operation.READ, path, null, () -> {
            Resolved r = resolve(path, true, Operation.READ, null);
            if (r.node instanceof FileNode f) {
                if (f.reader == null) {
                    throw new SysfsException(Errno.EACCES, Operation.READ, path, null, path + " is write-only");
                }
                return f.reader.get();
            }
            throw new SysfsException(Errno.EISDIR, Operation.READ, path, null, path + " is a directory");
        });
    }

    private void injectReadFaults(String path) throws SysfsException {
        String canonical = k.locked(() -> resolveOrNull(path, true)).map(Resolved::path).orElse(null);
        Errno injected = faults.takeReadFailure(path, canonical);
        if (injected != null) {
            throw new SysfsException(injected, Operation.READ, path, null, "injected fault");
        }
        SimFaults.Hang hang = faults.readHang(path, canonical);
        if (hang != null) {
            hang.countBlocked();
            if (!awaitHang(hang)) {
                throw new SysfsTimeoutException(Operation.READ, path, null, callTimeout);
            }
        }
    }

    @Override
    public void write(String path, String value) throws SysfsException {
        if (faults.isEmpty()) {
            apply(path, value);
            return;
        }
        String canonical = k.locked(() -> resolveOrNull(path, true)).map(Resolved::path).orElse(null);
        Errno injected = faults.takeWriteFailure(path, canonical);
        if (injected != null) {
            throw new SysfsException(injected, Operation.WRITE, path, value, "injected fault");
        }
        SimFaults.Hang hang = faults.writeHang(path, canonical);
        if (hang != null) {
            hang.countBlocked();
            if (!awaitHang(hang)) {
                boolean deferred = hang.defer(() -> {
                    SysfsException error = null;
                    try {
                        apply(path, value);
                    } catch (SysfsException e) {
                        error = e;
                    }
                    hang.recordLanded(new SimFaults.LandedWrite(path, value, error));
                });
                if (deferred) {
                    throw new SysfsTimeoutException(Operation.WRITE, path, value, callTimeout);
                }
            }
        }
        apply(path, value);
    }

    @Override
    public List<String> list(String path) throws SysfsException {
        return inLock(Operation.LIST, path, null, () -> {
            Resolved r = resolve(path, true, Operation.LIST, null);
            if (!(r.node instanceof DirNode)) {
                throw new SysfsException(Errno.ENOTDIR, Operation.LIST, path, null, path + " is not a directory");
            }
            return List.copyOf(children(r.path).keySet());
        });
    }

    @Override
    public boolean exists(String path) {
        return k.locked(() -> resolveOrNull(path, true)).isPresent();
    }

    @Override
    public Optional<String> readLink(String path) throws SysfsException {
        return inLock(Operation.READLINK, path, null, () -> {
            Resolved r;
            try {
                r = resolve(path, false, Operation.READLINK, null);
            } catch (SysfsException e) {
                // same contract as FileSysfs: a missing entry in an existing directory (an unbound
                // queue's "driver" link) is "not a link"; a missing directory is ENOENT
                String parent = path.substring(0, Math.max(1, path.lastIndexOf('/')));
                if (e.errno() == Errno.ENOENT && !parent.equals(path)) {
                    resolve(parent, true, Operation.READLINK, null);
                    return Optional.empty();
                }
                throw e;
            }
            return r.node instanceof LinkNode l ? Optional.of(l.target) : Optional.empty();
        });
    }

    /** What {@code lstat(2)} tells about an entry of the virtual tree, for serving it as real files. */
    public record Entry(Kind kind, int mode, String linkTarget) {
        public enum Kind { DIRECTORY, FILE, SYMLINK }
    }

    /**
     * The entry at {@code path} without following a final symlink, as {@code lstat(2)} sees it:
     * directories 0755, attributes with their kernfs mode (0444, 0644, 0200), symlinks 0777 with
     * their relative target. Empty if the path does not exist. No fault injection: looking at the
     * tree is not a sysfs call of the kernel's attribute handlers.
     */
    public Optional<Entry> lstat(String path) {
        return k.locked(() -> resolveOrNull(path, false)).map(r -> {
            if (r.node instanceof FileNode f) {
                return new Entry(Entry.Kind.FILE, f.mode(), null);
            }
            if (r.node instanceof LinkNode l) {
                return new Entry(Entry.Kind.SYMLINK, 0777, l.target());
            }
            return new Entry(Entry.Kind.DIRECTORY, 0755, null);
        });
    }

    private boolean awaitHang(SimFaults.Hang hang) {
        try {
            return hang.await(callTimeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Applies a write to the kernel (no fault injection). */
    private void apply(String path, String value) throws SysfsException {
        MdevRemoveBlockedException blocked;
        try {
            inLock(Operation.WRITE, path, value, () -> {
                Resolved r = resolve(path, true, Operation.WRITE, value);
                if (!(r.node instanceof FileNode f)) {
                    throw new SysfsException(Errno.EISDIR, Operation.WRITE, path, value, path + " is a directory");
                }
                if (f.writer == null) {
                    throw new SysfsException(Errno.EACCES, Operation.WRITE, path, value, path + " is read-only");
                }
                if (value.isEmpty()) {
                    return null; // kernfs' sysfs_kf_write returns 0 for a zero-length write before the store handler
                }
                f.writer.accept(value);
                return null;
            });
            return;
        } catch (MdevRemoveBlockedException e) {
            blocked = e;
        }
        Consumer<MdevRemoveBlockedException> listener = k.locked(() -> k.vfio().releaseListener());
        listener.accept(blocked);
        boolean done;
        try {
            done = blocked.await(callTimeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            done = false;
        }
        if (!done) {
            throw new SysfsTimeoutException(Operation.WRITE, path, value, callTimeout);
        }
    }

    @FunctionalInterface
    private interface LockedCall<T> {
        T call() throws SysfsException;
    }

    private <T> T inLock(Operation op, String path, String value, LockedCall<T> body) throws SysfsException {
        k.lock.lock();
        try {
            return body.call();
        } catch (MdevRemoveBlockedException e) {
            throw e;
        } catch (SimKernelException e) {
            throw new SysfsException(e.errno(), op, path, value, e.getMessage());
        } finally {
            k.lock.unlock();
        }
    }

    // =============================================================================================
    // Path resolution
    // =============================================================================================

    /** A node of the virtual tree. */
    sealed interface Node permits DirNode, FileNode, LinkNode {
    }

    record DirNode() implements Node {
    }

    /** A regular attribute; {@code reader == null} = write-only, {@code writer == null} = read-only. */
    record FileNode(int mode, Supplier<String> reader, Writer writer) implements Node {
    }

    record LinkNode(String target) implements Node {
    }

    /** A store handler; throws {@link SimKernelException} with the kernel's errno. */
    @FunctionalInterface
    interface Writer {
        void accept(String value);
    }

    record Resolved(String path, Node node) {
    }

    private static final DirNode DIR = new DirNode();

    private Optional<Resolved> resolveOrNull(String path, boolean followLast) {
        try {
            return Optional.of(resolve(path, followLast, Operation.READ, null));
        } catch (SysfsException e) {
            return Optional.empty();
        }
    }

    /** Resolves a path to its canonical form and node, following symlinks; caller holds the lock. */
    Resolved resolve(String path, boolean followLast, Operation op, String value) throws SysfsException {
        if (path == null || !path.startsWith("/")) {
            throw new SysfsException(Errno.ENOENT, op, String.valueOf(path), value, "not an absolute path");
        }
        Deque<String> todo = new ArrayDeque<>(parts(path));
        List<String> cur = new ArrayList<>();
        Node node = DIR;
        int hops = 0;
        while (!todo.isEmpty()) {
            String name = todo.poll();
            if (name.equals(".")) {
                continue;
            }
            if (name.equals("..")) {
                if (!cur.isEmpty()) {
                    cur.remove(cur.size() - 1);
                }
                node = DIR;
                continue;
            }
            Node next = node instanceof DirNode ? child(join(cur), name) : null;
            if (next == null) {
                throw new SysfsException(Errno.ENOENT, op, path, value, path + " does not exist");
            }
            if (next instanceof LinkNode l && (followLast || !todo.isEmpty())) {
                if (++hops > 40) {
                    throw new SysfsException(Errno.ENOENT, op, path, value, "too many levels of symbolic links");
                }
                List<String> target = parts(l.target);
                for (int i = target.size() - 1; i >= 0; i--) {
                    todo.push(target.get(i));
                }
                if (l.target.startsWith("/")) {
                    cur.clear();
                }
                node = DIR;
                continue;
            }
            cur.add(name);
            node = next;
        }
        return new Resolved(join(cur), node);
    }

    private static List<String> parts(String path) {
        return Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toList();
    }

    private static String join(List<String> parts) {
        return "/" + String.join("/", parts);
    }

    // =============================================================================================
    // The tree (canonical directories only); caller holds the kernel lock
    // =============================================================================================

    /** Builder of a directory listing. */
    private static final class Entries {
        final TreeMap<String, Node> map = new TreeMap<>();

        Entries dir(String name) {
            map.put(name, DIR);
            return this;
        }

        Entries ro(String name, Supplier<String> reader) {
            map.put(name, new FileNode(RO, reader, null));
            return this;
        }

        Entries rw(String name, Supplier<String> reader, Writer writer) {
            map.put(name, new FileNode(RW, reader, writer));
            return this;
        }

        Entries wo(String name, Writer writer) {
            map.put(name, new FileNode(WO, null, writer));
            return this;
        }

        Entries link(String name, String target) {
            map.put(name, new LinkNode(target));
            return this;
        }
    }

    private static final java.util.regex.Pattern CARD_NAME = java.util.regex.Pattern.compile("card[0-9a-f]{2}");
    private static final java.util.regex.Pattern QUEUE_NAME = java.util.regex.Pattern.compile("[0-9a-f]{2}\\.[0-9a-f]{4}");

    /**
     * One entry of a canonical directory, or null. Large directories (device lists, driver links,
     * card directories) are answered without building their whole listing.
     */
    Node child(String dir, String name) {
        boolean card = CARD_NAME.matcher(name).matches();
        boolean queue = !card && QUEUE_NAME.matcher(name).matches();
        if (card || queue) {
            switch (dir) {
                case "/sys/bus/ap/devices" -> {
                    if (card) {
                        SimCard c = cardNamed(name);
                        return c == null ? null : new LinkNode("../../../devices/ap/" + c.name());
                    }
                    SimQueue q = queueNamed(name);
                    return q == null ? null : new LinkNode("../../../devices/ap/" + q.apqn().cardName() + "/" + q.apqn());
                }
                case "/sys/devices/ap" -> {
                    return card && cardNamed(name) != null ? DIR : null;
                }
                default -> {
                }
            }
            if (dir.startsWith("/sys/bus/ap/drivers/")) {
                Optional<SimDriver> d = SimDriver.ofSysfsName(dir.substring("/sys/bus/ap/drivers/".length()))
                        .filter(dr -> dr != SimDriver.VFIO_AP || k.vfioApLoaded());
                if (d.isEmpty()) {
                    return null;
                }
                if (card) {
                    SimCard c = cardNamed(name);
                    return c != null && c.driver == d.get() ? new LinkNode("../../../../devices/ap/" + c.name()) : null;
                }
                SimQueue q = queueNamed(name);
                return q != null && q.driver == d.get()
                        ? new LinkNode("../../../../devices/ap/" + q.apqn().cardName() + "/" + q.apqn()) : null;
            }
            if (queue && dir.startsWith("/sys/devices/ap/card") && dir.length() == "/sys/devices/ap/cardNN".length()) {
                SimCard c = cardNamed(dir.substring("/sys/devices/ap/".length()));
                SimQueue q = queueNamed(name);
                return c != null && q != null && q.apqn().adapter() == c.id() ? DIR : null;
            }
        }
        Map<String, Node> kids = children(dir);
        return kids == null ? null : kids.get(name);
    }

    /** The entries of a canonical directory, or null if it is not a directory. */
    Map<String, Node> children(String dir) {
        List<String> p = parts(dir);
        Entries e = new Entries();
        switch (p.size()) {
            case 0 -> e.dir("sys");
            case 1 -> {
                if (!p.get(0).equals("sys")) {
                    return null;
                }
                e.dir("bus").dir("devices").dir("class").dir("kernel").dir("module");
            }
            default -> {
                if (!p.get(0).equals("sys")) {
                    return null;
                }
                return sysChildren(p.subList(1, p.size()), e);
            }
        }
        return e.map;
    }

    private Map<String, Node> sysChildren(List<String> p, Entries e) {
        String top = p.get(0);
        String path = String.join("/", p);
        switch (path) {
            case "bus" -> {
                e.dir("ap");
                if (k.vfioApLoaded()) {
                    e.dir("mdev").dir("matrix");
                }
                return e.map;
            }
            case "bus/ap" -> {
                return busAp(e);
            }
            case "bus/ap/devices" -> {
                for (SimCard c : k.cards().values()) {
                    e.link(c.name(), "../../../devices/ap/" + c.name());
                }
                for (SimQueue q : k.queues().values()) {
                    e.link(q.apqn().toString(), "../../../devices/ap/" + q.apqn().cardName() + "/" + q.apqn());
                }
                return e.map;
            }
            case "bus/ap/drivers" -> {
                e.dir("cex4card").dir("cex4queue");
                if (k.vfioApLoaded()) {
                    e.dir("vfio_ap");
                }
                return e.map;
            }
            case "devices" -> {
                e.dir("ap");
                if (k.vfioApLoaded()) {
                    e.dir("vfio_ap");
                }
                return e.map;
            }
            case "devices/ap" -> {
                e.rw("uevent", () -> "", v -> core.synthUevent(null, "", v));
                k.cards().values().forEach(c -> e.dir(c.name()));
                return e.map;
            }
            case "kernel" -> {
                return e.dir("iommu_groups").map;
            }
            case "kernel/iommu_groups" -> {
                if (k.vfioApLoaded()) {
                    k.vfio().mdevs.values().forEach(m -> e.dir(Integer.toString(m.iommuGroup)));
                }
                return e.map;
            }
            case "module" -> {
                core.modules().keySet().forEach(e::dir);
                return e.map;
            }
            case "class" -> {
                if (k.vfioApLoaded()) {
                    e.dir("mdev_bus");
                }
                return e.map;
            }
            default -> {
            }
        }
        if (p.size() >= 2 && top.equals("module")) {
            return moduleChildren(p, e);
        }
        if (p.size() >= 3 && path.startsWith("kernel/iommu_groups/")) {
            return iommuGroupChildren(p, e);
        }
        if (p.size() == 4 && path.startsWith("bus/ap/drivers/")) {
            Optional<SimDriver> d = SimDriver.ofSysfsName(p.get(3)).filter(dr -> dr != SimDriver.VFIO_AP || k.vfioApLoaded());
            return d.map(dr -> driverDir(dr, e)).orElse(null);
        }
        if (p.size() == 3 && path.startsWith("devices/ap/card")) {
            SimCard c = cardNamed(p.get(2));
            return c == null ? null : cardDir(c, e);
        }
        if (p.size() == 4 && path.startsWith("devices/ap/card")) {
            SimCard c = cardNamed(p.get(2));
            SimQueue q = c == null ? null : queueNamed(p.get(3));
            return q == null || q.apqn().adapter() != c.id() ? null : queueDir(q, e);
        }
        if (!k.vfioApLoaded()) {
            return null;
        }
        return vfioChildren(top, path, p, e);
    }

    /** {@code /sys/module/<m>}: initstate, uevent and the {@code drivers/} back links. */
    private Map<String, Node> moduleChildren(List<String> p, Entries e) {
        Map<String, String> drivers = core.modules().get(p.get(1));
        if (drivers == null || p.size() > 3 || (p.size() == 3 && !p.get(2).equals("drivers"))) {
            return null;
        }
        if (p.size() == 3) {
            drivers.forEach(e::link);
            return e.map;
        }
        e.ro("initstate", () -> "live\n");
        e.wo("uevent", v -> core.synthUevent(null, "", v));
        return e.dir("drivers").map;
    }

    /** {@code /sys/kernel/iommu_groups/<N>/devices/<uuid>}: the group of an mdev. */
    private Map<String, Node> iommuGroupChildren(List<String> p, Entries e) {
        SimMdev m = k.vfioApLoaded() ? core.mdevInIommuGroup(p.get(2)) : null;
        if (m == null || p.size() > 4 || (p.size() == 4 && !p.get(3).equals("devices"))) {
            return null;
        }
        if (p.size() == 4) {
            return e.link(m.uuid(), "../../../../devices/vfio_ap/matrix/" + m.uuid()).map;
        }
        return e.dir("devices").map;
    }

    private Map<String, Node> vfioChildren(String top, String path, List<String> p, Entries e) {
        String mdevDriver = k.capabilities().mdevDriver();
        switch (path) {
            case "bus/mdev" -> {
                return e.dir("devices").dir("drivers").map;
            }
            case "bus/mdev/drivers" -> {
                return e.dir(mdevDriver).map;
            }
            case "bus/mdev/drivers/" + "vfio_ap_mdev", "bus/mdev/drivers/" + "vfio_mdev" -> {
                if (!p.get(3).equals(mdevDriver)) {
                    return null;
                }
                // mdev_register_driver passes the owner module; bind/unbind of mdevs are not modelled
                e.link("module", "../../../../module/" + k.capabilities().mdevDriverModule());
                e.wo("uevent", v -> core.synthUevent(null, "", v));
                k.vfio().mdevs.keySet().forEach(u -> e.link(u, "../../../../devices/vfio_ap/matrix/" + u));
                return e.map;
            }
            case "bus/mdev/devices" -> {
                k.vfio().mdevs.keySet().forEach(u -> e.link(u, "../../../devices/vfio_ap/matrix/" + u));
                return e.map;
            }
            case "bus/matrix" -> {
                return e.dir("devices").dir("drivers").map;
            }
            case "bus/matrix/devices" -> {
                return e.link("matrix", "../../../devices/vfio_ap/matrix").map;
            }
            case "bus/matrix/drivers" -> {
                return e.dir("vfio_ap").map;
            }
            case "bus/matrix/drivers/vfio_ap" -> {
                // suppress_bind_attrs: no bind/unbind; no owner module: no module link
                e.wo("uevent", v -> core.synthUevent(null, "", v));
                return e.link("matrix", "../../../../devices/vfio_ap/matrix").map;
            }
            case "class/mdev_bus" -> {
                return e.link("matrix", "../../devices/vfio_ap/matrix").map;
            }
            case "devices/vfio_ap" -> {
                // root_device_register(THIS_MODULE) of module vfio_ap: a module link, an empty uevent
                e.rw("uevent", () -> "", v -> core.synthUevent(null, "", v));
                e.link("module", "../../module/" + SimDriverCore.VFIO_AP_MODULE);
                return e.dir("matrix").map;
            }
            case "devices/vfio_ap/matrix" -> {
                if (k.capabilities().matrixFeatures()) {
                    e.ro("features", () -> "guest_matrix hotplug ap_config\n");
                }
                e.rw("uevent", core::matrixUevent, v -> core.synthUevent("/devices/vfio_ap/matrix", core.matrixUevent(), v));
                e.link("driver", "../../../bus/matrix/drivers/vfio_ap");
                e.link("subsystem", "../../../bus/matrix");
                e.dir("mdev_supported_types");
                k.vfio().mdevs.keySet().forEach(e::dir);
                return e.map;
            }
            case "devices/vfio_ap/matrix/mdev_supported_types" -> {
                return e.dir(TYPE_DIR).map;
            }
            case "devices/vfio_ap/matrix/mdev_supported_types/" + TYPE_DIR -> {
                e.wo("create", v -> k.vfio().create(v));
                e.ro("name", () -> "VFIO AP Passthrough Device\n");
                e.ro("device_api", () -> "vfio-ap\n");
                e.ro("available_instances", () -> k.vfio().availableInstances() + "\n");
                e.dir("devices");
                return e.map;
            }
            case "devices/vfio_ap/matrix/mdev_supported_types/" + TYPE_DIR + "/devices" -> {
                k.vfio().mdevs.keySet().forEach(u -> e.link(u, "../../../" + u));
                return e.map;
            }
            default -> {
            }
        }
        if (p.size() == 4 && path.startsWith("devices/vfio_ap/matrix/")) {
            SimMdev m = k.vfio().mdevs.get(p.get(3));
            return m == null ? null : mdevDir(m, e);
        }
        return null;
    }

    private Map<String, Node> busAp(Entries e) {
        SimCapabilities caps = k.capabilities();
        e.rw("apmask", () -> k.apmask().toSysfs(), v -> k.writeApmask(v));
        e.rw("aqmask", () -> k.aqmask().toSysfs(), v -> k.writeAqmask(v));
        e.ro("ap_adapter_mask", () -> k.qciApm().toSysfs());
        e.ro("ap_usage_domain_mask", () -> k.qciAqm().toSysfs());
        e.ro("ap_control_domain_mask", () -> k.qciAdm().toSysfs());
        e.rw("ap_domain", () -> k.attributes().apDomain() + "\n", v -> k.writeApDomain(v));
        e.ro("ap_max_adapter_id", () -> k.profile().maxAdapterId() + "\n");
        e.ro("ap_max_domain_id", () -> k.profile().maxDomainId() + "\n");
        e.ro("ap_interrupts", () -> "1\n");
        e.rw("config_time", () -> k.attributes().configTime() + "\n", v -> k.writeConfigTime(v));
        e.rw("poll_thread", () -> (k.attributes().pollThread() ? 1 : 0) + "\n", v -> k.writePollThread(v));
        e.rw("poll_timeout", () -> k.attributes().pollTimeout() + "\n", v -> k.writePollTimeout(v));
        e.rw("scans", () -> k.scans() + "\n", v -> k.scan());
        e.ro("bindings", () -> k.bindingsText() + "\n");
        if (caps.busFeatures()) {
            boolean apxa = k.profile().maxAdapterId() > 63 || k.profile().maxDomainId() > 15;
            e.ro("features", () -> (apxa ? "APSC APXA QACT RC8A" : "APSC QACT RC8A") + "\n");
        }
        if (caps.driverOverride()) {
            e.ro("bindings_complete_count", () -> k.bindingsCompleteCount() + "\n");
        }
        e.wo("drivers_probe", v -> k.driversProbe(v));
        e.rw("drivers_autoprobe", () -> (k.attributes().driversAutoprobe() ? 1 : 0) + "\n", v -> k.writeDriversAutoprobe(v));
        e.wo("uevent", v -> core.synthUevent(null, "", v));
        e.dir("devices").dir("drivers");
        return e.map;
    }

    private Map<String, Node> driverDir(SimDriver d, Entries e) {
        e.wo("bind", v -> k.bind(d, v));
        e.wo("unbind", v -> k.unbind(d, v));
        e.wo("uevent", v -> core.synthUevent(null, "", v));
        e.link("module", SimDriverCore.apDriverModuleLink(d));
        if (d.bindsCards()) {
            k.cards().values().stream().filter(c -> c.driver == d)
                    .forEach(c -> e.link(c.name(), "../../../../devices/ap/" + c.name()));
        } else {
            k.queues().values().stream().filter(q -> q.driver == d)
                    .forEach(q -> e.link(q.apqn().toString(), "../../../../devices/ap/" + q.apqn().cardName() + "/" + q.apqn()));
        }
        return e.map;
    }

    private Map<String, Node> cardDir(SimCard c, Entries e) {
        SimCapabilities caps = k.capabilities();
        int id = c.id();
        int hw = c.hardware().generation().hwtype();
        e.ro("hwtype", () -> hw + "\n");
        e.ro("raw_hwtype", () -> hw + "\n");
        e.ro("depth", () -> (c.hardware().depth() + (caps.depthPlusOne() ? 1 : 0)) + "\n");
        e.ro("ap_functions", () -> String.format("0x%08X\n", c.functions() & ~0x0000C000));
        e.rw("request_count", () -> sumOverQueues(id, q -> k.traffic().requestCount(q)) + "\n",
                v -> k.resetCardRequestCount(id));
        e.ro("requestq_count", () -> sumOverQueues(id, q -> k.traffic().requestqCount(q)) + "\n");
        e.ro("pendingq_count", () -> sumOverQueues(id, q -> k.traffic().pendingqCount(q)) + "\n");
        e.ro("modalias", () -> String.format("ap:t%02X\n", hw));
        e.rw("config", () -> (c.config ? 1 : 0) + "\n", v -> k.writeCardConfig(id, v));
        e.ro("chkstop", () -> (c.chkstop ? 1 : 0) + "\n");
        if (caps.cardMaxMsgSize()) {
            e.ro("max_msg_size", () -> SimKernel.MAX_MSG_SIZE + "\n");
        }
        e.rw("uevent", () -> core.cardUevent(c), v -> core.synthUevent(SimKernel.devpath(c), core.cardUevent(c), v));
        e.link("subsystem", "../../../bus/ap");
        if (c.driver != null) {
            e.link("driver", "../../../bus/ap/drivers/" + c.driver.sysfsName());
        }
        if (c.driver == SimDriver.CEX4CARD) {
            e.ro("type", () -> c.typeName() + "\n");
            e.rw("online", () -> (c.config && c.zcryptOnline ? 1 : 0) + "\n", v -> k.writeCardOnline(id, v));
            e.ro("load", () -> sumOverQueues(id, q -> (long) k.traffic().requestqCount(q) + k.traffic().pendingqCount(q)) + "\n");
            if (c.hardware().mode() != MachineProfile.Mode.ACCELERATOR) {
                e.ro("serialnr", () -> info.serialnr(c));
            }
            if (c.hardware().mode() == MachineProfile.Mode.EP11) {
                e.ro("API_ordinalnr", () -> info.apiOrdinal(c));
                e.ro("FW_version", () -> info.fwVersion(c));
                e.ro("op_modes", info::opModes);
            }
        }
        k.queuesOf(id).forEach(q -> e.dir(q.apqn().toString()));
        return e.map;
    }

    private long sumOverQueues(int adapter, java.util.function.ToLongFunction<Apqn> f) {
        long sum = 0;
        for (SimQueue q : k.queuesOf(adapter)) {
            sum += f.applyAsLong(q.apqn());
        }
        return sum;
    }

    private Map<String, Node> queueDir(SimQueue q, Entries e) {
        SimCapabilities caps = k.capabilities();
        Apqn a = q.apqn();
        SimCard card = k.cards().get(a.adapter());
        e.rw("request_count", () -> q.initialised ? k.traffic().requestCount(a) + "\n" : "-\n",
                v -> k.resetQueueRequestCount(a));
        e.ro("requestq_count", () -> (q.initialised ? k.traffic().requestqCount(a) : 0) + "\n");
        e.ro("pendingq_count", () -> (q.initialised ? k.traffic().pendingqCount(a) : 0) + "\n");
        e.rw("reset", () -> resetText(q), v -> k.resetQueue(a));
        e.ro("interrupt", () -> q.initialised ? "Interrupts enabled.\n" : "Interrupts disabled.\n");
        e.ro("config", () -> (q.config ? 1 : 0) + "\n");
        e.ro("chkstop", () -> (q.chkstop ? 1 : 0) + "\n");
        if (caps.busFeatures()) {
            e.ro("ap_functions", () -> String.format("0x%08X\n", card.functions()));
        }
        if (caps.driverOverride()) {
            e.rw("driver_override", () -> (q.driverOverride == null ? "" : q.driverOverride) + "\n",
                    v -> k.writeDriverOverride(a, v));
        }
        e.rw("uevent", () -> core.queueUevent(q), v -> core.synthUevent(SimKernel.devpath(q), core.queueUevent(q), v));
        e.link("subsystem", "../../../../bus/ap");
        if (q.driver != null) {
            e.link("driver", "../../../../bus/ap/drivers/" + q.driver.sysfsName());
        }
        if (q.driver == SimDriver.CEX4QUEUE) {
            e.rw("online", () -> (q.config && q.zcryptOnline ? 1 : 0) + "\n", v -> k.writeQueueOnline(a, v));
            e.ro("load", () -> (k.traffic().requestqCount(a) + k.traffic().pendingqCount(a)) + "\n");
            MachineProfile.Mode mode = card.hardware().mode();
            if (mode != MachineProfile.Mode.ACCELERATOR) {
                e.ro("mkvps", () -> info.mkvps(q));
            }
            if (mode == MachineProfile.Mode.EP11) {
                e.ro("op_modes", info::opModes);
            }
        }
        if (q.driver == SimDriver.VFIO_AP && caps.queueStatus()) {
            e.ro("status", () -> k.vfio().status(a) + "\n");
        }
        return e.map;
    }

    private String resetText(SimQueue q) {
        if (!q.initialised) {
            return "Reset in progress.\n";
        }
        return k.traffic().pendingqCount(q.apqn()) + k.traffic().requestqCount(q.apqn()) > 0
                ? "Reset Timer armed.\n" : "No Reset Timer set.\n";
    }

    private Map<String, Node> mdevDir(SimMdev m, Entries e) {
        SimCapabilities caps = k.capabilities();
        for (SimKernel.Resource r : SimKernel.Resource.values()) {
            e.wo("assign_" + r.fileSuffix(), v -> k.vfio().assign(m, r, v));
            e.wo("unassign_" + r.fileSuffix(), v -> k.vfio().unassign(m, r, v));
        }
        e.ro("control_domains", () -> m.matrix.toControlDomainsText());
        e.ro("matrix", () -> m.matrix.toMatrixText());
        if (caps.dynamic()) {
            e.ro("guest_matrix", () -> m.shadow.toMatrixText());
        }
        if (caps.apConfig()) {
            e.rw("ap_config", () -> m.matrix.toApConfigText(), v -> k.vfio().writeApConfig(m, v));
        }
        e.wo("remove", v -> k.vfio().remove(m, v));
        String devpath = "/devices/vfio_ap/matrix/" + m.uuid();
        e.rw("uevent", core::mdevUevent, v -> core.synthUevent(devpath, core.mdevUevent(), v));
        e.link("mdev_type", "../mdev_supported_types/" + TYPE_DIR);
        e.link("driver", "../../../../bus/mdev/drivers/" + caps.mdevDriver());
        e.link("subsystem", "../../../../bus/mdev");
        e.link("iommu_group", SimDriverCore.iommuGroupLink(m));
        return e.map;
    }

    private SimCard cardNamed(String name) {
        if (!name.matches("card[0-9a-f]{2}")) {
            return null;
        }
        return k.cards().get(Integer.parseInt(name.substring(4), 16));
    }

    private SimQueue queueNamed(String name) {
        if (!name.matches("[0-9a-f]{2}\\.[0-9a-f]{4}")) {
            return null;
        }
        return k.queues().get(Apqn.parse(name));
    }
}
