package dev.apqn.apbus.sim;

import dev.apqn.ap.ApMask;
import dev.apqn.ap.ApSyntaxException;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.Errno;
import dev.apqn.ap.KernelNumbers;
import dev.apqn.ap.Matrix;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The vfio_ap driver and the mdev core of the simulated kernel (ap-bus.md §5): mdevs, assignment
 * checks, the shadow APCB (filtering), hot plug/unplug, guests, and the zeroize points. Runs under
 * the {@link SimKernel} lock; called only by the kernel.
 */
final class SimVfioAp {

    private static final Pattern UUID = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    /** ap_config input is cut to three full masks and their separators before parsing (§2.3). */
    static final int AP_CONFIG_MAX_INPUT = 3 * 66 + 3;

    private final SimKernel k;
    private final SimCapabilities caps;
    final TreeMap<String, SimMdev> mdevs = new TreeMap<>();
    private final Map<String, String> guestToMdev = new HashMap<>();
    private final Map<String, CountDownLatch> pendingRemovals = new LinkedHashMap<>();
    int maxInstances = SimKernel.MAX_MDEV_INSTANCES;
    Consumer<MdevRemoveBlockedException> releaseListener = e -> { };

    SimVfioAp(SimKernel kernel) {
        this.k = kernel;
        this.caps = kernel.capabilities();
    }

    SimMdev require(String uuid) {
        SimMdev m = mdevs.get(SimKernel.lower(uuid));
        if (m == null) {
            throw new SimKernelException(Errno.ENOENT, "no mdev " + uuid);
        }
        return m;
    }

    int availableInstances() {
        return Math.max(0, maxInstances - mdevs.size());
    }

    // ---- create / remove ----

    String create(String raw) {
        if (raw.length() != 36 && raw.length() != 37) {
            throw new SimKernelException(Errno.EINVAL, "create takes a 36-character UUID (plus an optional newline)");
        }
        // uuid_parse looks at the first 36 characters only; a 37th character is not checked.
        String text = raw.substring(0, 36);
        if (!UUID.matcher(text).matches()) {
            throw new SimKernelException(Errno.EINVAL, "not a UUID: " + text);
        }
        String uuid = SimKernel.lower(text);
        if (mdevs.containsKey(uuid)) {
            throw new SimKernelException(Errno.EEXIST, "mdev " + uuid + " already exists");
        }
        if (availableInstances() == 0) {
            throw new SimKernelException(caps.instancesExhaustedErrno(), "no vfio_ap-passthrough instances left");
        }
        int maxA = k.profile().maxAdapterId();
        int maxD = k.profile().maxDomainId();
        mdevs.put(uuid, new SimMdev(uuid, maxA, maxD, maxD, freeIommuGroup()));
        return uuid;
    }

    /**
     * iommu_group_alloc takes the lowest free id of an IDA; the simulated node has no other IOMMU
     * groups (no PCI functions), so the mdevs' groups are the only ones in use.
     */
    private int freeIommuGroup() {
        java.util.Set<Integer> used = new java.util.HashSet<>();
        mdevs.values().forEach(m -> used.add(m.iommuGroup));
        int id = 0;
        while (used.contains(id)) {
            id++;
        }
        return id;
    }

    void createBootMdev(MachineProfile.Mdev spec) {
        if (!k.vfioApLoaded()) {
            throw new SimKernelException(Errno.ENOENT, "vfio_ap is not loaded at boot");
        }
        String uuid = create(spec.uuid());
        SimMdev m = mdevs.get(uuid);
        for (int a : ids(spec.adapters())) {
            assign(m, SimKernel.Resource.ADAPTER, Integer.toString(a));
        }
        for (int d : ids(spec.domains())) {
            assign(m, SimKernel.Resource.DOMAIN, Integer.toString(d));
        }
        for (int d : ids(spec.controlDomains())) {
            assign(m, SimKernel.Resource.CONTROL_DOMAIN, Integer.toString(d));
        }
    }

    private static List<Integer> ids(ApMask m) {
        return m == null ? List.of() : m.idList();
    }

    void remove(SimMdev m, String raw) {
        long v;
        try {
            v = KernelNumbers.kstrtoul(raw);
        } catch (ApSyntaxException e) {
            throw new SimKernelException(Errno.EINVAL, "remove takes an integer: " + e.getMessage());
        }
        if (v == 0) {
            return;
        }
        if (m.guest != null) {
            if (!caps.removeBlocks()) {
                throw new SimKernelException(Errno.EBUSY, "mdev " + m.uuid() + " is in use by guest " + m.guest);
            }
            CountDownLatch done = pendingRemovals.computeIfAbsent(m.uuid(), u -> new CountDownLatch(1));
            throw new MdevRemoveBlockedException(m.uuid(), m.guest, done);
        }
        doRemove(m);
    }

    private void doRemove(SimMdev m) {
        for (SimQueue q : linkedQueues(m)) {
            k.zeroize(q.apqn(), ZeroizeEvent.Reason.MDEV_REMOVE);
        }
        mdevs.remove(m.uuid());
        CountDownLatch pending = pendingRemovals.remove(m.uuid());
        if (pending != null) {
            pending.countDown();
        }
    }

    void abandonPendingRemovals() {
        pendingRemovals.values().forEach(CountDownLatch::countDown);
        pendingRemovals.clear();
    }

    Consumer<MdevRemoveBlockedException> releaseListener() {
        return releaseListener;
    }

    // ---- assignment ----

    private int max(SimMdev m, SimKernel.Resource what) {
        return switch (what) {
            case ADAPTER -> m.apmMax;
            case DOMAIN -> m.aqmMax;
            case CONTROL_DOMAIN -> m.admMax;
        };
    }

    private int parseId(SimMdev m, SimKernel.Resource what, String raw) {
        if (!caps.dynamic() && m.guest != null) {
            // pre-6.0: checked before anything else
            throw new SimKernelException(Errno.EBUSY, "mdev " + m.uuid() + " is in use by guest " + m.guest
                    + "; this kernel cannot change a running guest's matrix");
        }
        long id;
        try {
            id = KernelNumbers.kstrtoul(raw);
        } catch (ApSyntaxException e) {
            throw new SimKernelException(e.errno(), e.getMessage());
        }
        if (id > max(m, what)) {
            throw new SimKernelException(Errno.ENODEV, what.fileSuffix().replace('_', ' ') + " " + id
                    + " is above the maximum " + max(m, what));
        }
        return (int) id;
    }

    void assign(SimMdev m, SimKernel.Resource what, String raw) {
        int id = parseId(m, what, raw);
        Matrix cur = m.matrix;
        Matrix next;
        switch (what) {
            case ADAPTER -> {
                if (cur.adapters().get(id)) {
                    return;
                }
                next = cur.withAdapters(cur.adapters().with(id));
            }
            case DOMAIN -> {
                if (cur.domains().get(id)) {
                    return;
                }
                next = cur.withDomains(cur.domains().with(id));
            }
            default -> {
                if (cur.controlDomains().get(id)) {
                    return;
                }
                m.matrix = cur.withControlDomains(cur.controlDomains().with(id));
                afterChange(m);
                return;
            }
        }
        if (caps.dynamic()) {
            checkNotHostOwned(next);
        } else {
            checkLegacyReserved(what, id, next);
        }
        checkNoSharing(m, next);
        m.matrix = next;
        afterChange(m);
    }

    void unassign(SimMdev m, SimKernel.Resource what, String raw) {
        int id = parseId(m, what, raw);
        Matrix cur = m.matrix;
        switch (what) {
            case ADAPTER -> {
                if (!cur.adapters().get(id)) {
                    return;
                }
                m.matrix = cur.withAdapters(cur.adapters().without(id));
            }
            case DOMAIN -> {
                if (!cur.domains().get(id)) {
                    return;
                }
                m.matrix = cur.withDomains(cur.domains().without(id));
            }
            default -> {
                if (!cur.controlDomains().get(id)) {
                    return;
                }
                m.matrix = cur.withControlDomains(cur.controlDomains().without(id));
            }
        }
        afterChange(m);
    }

    void writeApConfig(SimMdev m, String raw) {
        String s = raw.length() > AP_CONFIG_MAX_INPUT ? raw.substring(0, AP_CONFIG_MAX_INPUT) : raw;
        List<String> fields = new ArrayList<>(3);
        int pos = 0;
        for (int i = 0; i < 3; i++) {
            if (pos > s.length()) {
                throw new SimKernelException(Errno.EINVAL, "ap_config takes three comma-separated masks apm,aqm,adm");
            }
            int end = pos;
            while (end < s.length() && s.charAt(end) != ',' && s.charAt(end) != '\n') {
                end++;
            }
            fields.add(s.substring(pos, end));
            pos = end < s.length() ? end + 1 : s.length() + 1; // strsep: no separator left -> NULL next
        }
        Matrix next;
        try {
            next = new Matrix(ApMask.parseAbsolute(fields.get(0)), ApMask.parseAbsolute(fields.get(1)),
                    ApMask.parseAbsolute(fields.get(2)));
        } catch (ApSyntaxException e) {
            throw new SimKernelException(Errno.EINVAL, e.getMessage());
        }
        // validate the whole triple; nothing is changed until all checks pass (full rollback)
        checkNotHostOwned(next);
        checkNoSharing(m, next);
        checkRange(m, next);
        m.matrix = next;
        afterChange(m);
    }

    private void checkRange(SimMdev m, Matrix next) {
        if (next.adapters().ids().anyMatch(a -> a > m.apmMax) || next.domains().ids().anyMatch(d -> d > m.aqmMax)
                || next.controlDomains().ids().anyMatch(d -> d > m.admMax)) {
            throw new SimKernelException(Errno.ENODEV, "ap_config sets an id above the maximum (adapters "
                    + m.apmMax + ", domains " + m.aqmMax + ")");
        }
    }

    private void checkNotHostOwned(Matrix next) {
        for (Apqn apqn : next.apqns()) {
            if (k.ownedByDefaultForVfio(apqn)) {
                throw new SimKernelException(Errno.EADDRNOTAVAIL, "APQN " + apqn + " is owned by the host default drivers");
            }
        }
    }

    /** Pre-6.0: every resulting APQN of the new id must be a queue bound to vfio_ap. */
    private void checkLegacyReserved(SimKernel.Resource what, int id, Matrix next) {
        boolean adapter = what == SimKernel.Resource.ADAPTER;
        ApMask others = adapter ? next.domains() : next.adapters();
        if (others.isEmpty()) {
            boolean any = k.queues().values().stream().anyMatch(q -> q.driver == SimDriver.VFIO_AP
                    && (adapter ? q.apqn().adapter() : q.apqn().domain()) == id);
            if (!any) {
                throw new SimKernelException(Errno.EADDRNOTAVAIL, "no queue of " + (adapter ? "adapter " : "domain ") + id
                        + " is bound to vfio_ap");
            }
            return;
        }
        for (int o : others.idList()) {
            Apqn apqn = adapter ? Apqn.of(id, o) : Apqn.of(o, id);
            SimQueue q = k.queues().get(apqn);
            if (q == null || q.driver != SimDriver.VFIO_AP) {
                throw new SimKernelException(Errno.EADDRNOTAVAIL, "queue " + apqn + " is not bound to vfio_ap");
            }
        }
    }

    private void checkNoSharing(SimMdev m, Matrix next) {
        for (SimMdev other : mdevs.values()) {
            if (other != m && next.overlaps(other.matrix)) {
                Apqn clash = Matrix.of(next.adapters().and(other.matrix.adapters()), next.domains().and(other.matrix.domains()))
                        .apqns().get(0);
                throw new SimKernelException(Errno.EADDRINUSE, "APQN " + clash + " is already assigned to mdev " + other.uuid());
            }
        }
    }

    /** The vfio in_use callback of the mask veto: first APQN of apm × aqm assigned to an mdev. */
    Optional<String> inUse(ApMask apm, ApMask aqm) {
        Matrix probe = Matrix.of(apm, aqm);
        for (SimMdev m : mdevs.values()) {
            if (probe.overlaps(m.matrix)) {
                Apqn clash = Matrix.of(apm.and(m.matrix.adapters()), aqm.and(m.matrix.domains())).apqns().get(0);
                return Optional.of("queue " + clash + " is in use by mdev " + m.uuid());
            }
        }
        return Optional.empty();
    }

    // ---- filtering and hot plug ----

    private void afterChange(SimMdev m) {
        refilter(m);
    }

    /** Recomputes the shadow APCB; zeroizes vfio queues that a running guest loses (§5.4, §5.6). */
    void refilter(SimMdev m) {
        Matrix old = m.shadow;
        Matrix next = caps.dynamic() ? computeShadow(m) : m.matrix;
        m.shadow = next;
        if (m.guest != null && caps.dynamic()) {
            for (Apqn apqn : old.apqns()) {
                if (!next.contains(apqn)) {
                    SimQueue q = k.queues().get(apqn);
                    if (q != null && q.driver == SimDriver.VFIO_AP) {
                        k.zeroize(apqn, m.matrix.contains(apqn) ? ZeroizeEvent.Reason.FILTERED_OUT
                                : ZeroizeEvent.Reason.UNASSIGNED);
                    }
                }
            }
        }
    }

    private Matrix computeShadow(SimMdev m) {
        ApMask apm = m.matrix.adapters().and(k.qciApm());
        ApMask aqm = m.matrix.domains().and(k.qciAqm());
        for (int a : apm.idList()) {
            for (int d : aqm.idList()) {
                SimQueue q = k.queues().get(Apqn.of(a, d));
                if (q == null || q.driver != SimDriver.VFIO_AP) {
                    apm = apm.without(a); // a guest only gets whole adapters
                    break;
                }
            }
        }
        return new Matrix(apm, aqm, m.matrix.controlDomains().and(k.qciAdm()));
    }

    private Optional<SimMdev> owner(Apqn apqn) {
        return mdevs.values().stream().filter(m -> m.matrix.contains(apqn)).findFirst();
    }

    void onQueueProbe(SimQueue q) {
        owner(q.apqn()).ifPresent(this::refilter);
    }

    void onQueueRemove(SimQueue q) {
        owner(q.apqn()).ifPresent(this::refilter);
    }

    void onConfigChanged() {
        mdevs.values().forEach(this::refilter);
    }

    void onScanComplete() {
        mdevs.values().forEach(this::refilter);
    }

    /** Queues bound to vfio_ap whose APQN the mdev has assigned. */
    private List<SimQueue> linkedQueues(SimMdev m) {
        List<SimQueue> out = new ArrayList<>();
        for (Apqn apqn : m.matrix.apqns()) {
            SimQueue q = k.queues().get(apqn);
            if (q != null && q.driver == SimDriver.VFIO_AP) {
                out.add(q);
            }
        }
        return out;
    }

    /** vfio queue {@code status} text without newline (invariant 16). */
    String status(Apqn apqn) {
        for (SimMdev m : mdevs.values()) {
            if (m.guest != null && m.shadow.contains(apqn)) {
                return "in use";
            }
        }
        return owner(apqn).isPresent() ? "assigned" : "unassigned";
    }

    // ---- guests ----

    void attach(SimMdev m, String guestId) {
        if (guestId == null || guestId.isEmpty()) {
            throw new SimKernelException(Errno.EINVAL, "no KVM guest");
        }
        if (m.guest != null) {
            throw new SimKernelException(Errno.EBUSY, "mdev " + m.uuid() + " is already open by guest " + m.guest);
        }
        if (guestToMdev.containsKey(guestId)) {
            throw new SimKernelException(Errno.EPERM, "guest " + guestId + " already has mdev " + guestToMdev.get(guestId));
        }
        refilter(m);
        m.guest = guestId;
        guestToMdev.put(guestId, m.uuid());
    }

    void detach(String guestId) {
        SimMdev m = guestMdev(guestId);
        for (SimQueue q : linkedQueues(m)) {
            k.zeroize(q.apqn(), ZeroizeEvent.Reason.GUEST_DETACH);
        }
        m.guest = null;
        guestToMdev.remove(guestId);
        if (pendingRemovals.containsKey(m.uuid())) {
            doRemove(m);
        }
    }

    void reset(String guestId) {
        SimMdev m = guestMdev(guestId);
        for (SimQueue q : linkedQueues(m)) {
            k.zeroize(q.apqn(), ZeroizeEvent.Reason.VFIO_RESET);
        }
    }

    private SimMdev guestMdev(String guestId) {
        String uuid = guestToMdev.get(guestId);
        if (uuid == null) {
            throw new SimKernelException(Errno.EINVAL, "guest " + guestId + " has no vfio_ap device open");
        }
        return mdevs.get(uuid);
    }

    Optional<Matrix> guestView(String guestId) {
        String uuid = guestToMdev.get(guestId);
        if (uuid == null) {
            return Optional.empty();
        }
        SimMdev m = mdevs.get(uuid);
        return Optional.of(caps.dynamic() ? m.shadow : m.matrix);
    }
}
