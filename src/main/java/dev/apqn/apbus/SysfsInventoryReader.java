package dev.apqn.apbus;

import dev.apqn.ap.ApCard;
import dev.apqn.ap.ApDriver;
import dev.apqn.ap.ApMask;
import dev.apqn.ap.ApMdev;
import dev.apqn.ap.ApQueue;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.Errno;
import dev.apqn.ap.Matrix;
import dev.apqn.apbus.NodeCapabilities.Evidence;
import dev.apqn.apbus.NodeCapabilities.Ownership;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

import static dev.apqn.apbus.SysfsPaths.BUS;
import static dev.apqn.apbus.SysfsPaths.DEVICES;
import static dev.apqn.apbus.SysfsPaths.MATRIX;
import static dev.apqn.apbus.SysfsPaths.cardDir;
import static dev.apqn.apbus.SysfsPaths.mdevDir;
import static dev.apqn.apbus.SysfsPaths.queueDir;

/**
 * Reads the AP objects from sysfs: the bus state, cards, queues, mdevs and the directory listings
 * that say which exist. An object that disappears while it is read (ENOENT) is reported as absent
 * ({@code …IfPresent}), since devices come and go with bus scans at any time.
 */
final class SysfsInventoryReader {

    private final Sysfs sysfs;
    private final SysfsValues values;

    SysfsInventoryReader(Sysfs sysfs) {
        this.sysfs = sysfs;
        this.values = new SysfsValues(sysfs);
    }

    SysfsValues values() {
        return values;
    }

    ApBusState readBusState() throws SysfsException {
        ApMask apmask = values.readMask(BUS + "/apmask");
        ApMask aqmask = values.readMask(BUS + "/aqmask");
        Optional<ApMask> qciA = values.readQciMask(BUS + "/ap_adapter_mask");
        Optional<ApMask> qciU = values.readQciMask(BUS + "/ap_usage_domain_mask");
        Optional<ApMask> qciC = values.readQciMask(BUS + "/ap_control_domain_mask");
        int maxA = values.readInt(BUS + "/ap_max_adapter_id");
        int maxD = values.readInt(BUS + "/ap_max_domain_id");
        int apDomain = values.readInt(BUS + "/ap_domain");
        Optional<ApBindings> bindings = values.readIfPresent(BUS + "/bindings", ApBindings::parse);
        Optional<Long> scansValue = values.readIfPresent(BUS + "/scans", t -> Long.parseLong(t.strip()));
        OptionalLong scans = scansValue.map(OptionalLong::of).orElse(OptionalLong.empty());
        Set<String> features = values.readIfPresent(BUS + "/features").map(SysfsValues::words).orElse(Set.of());
        features = features.equals(Set.of("-")) ? Set.of() : features;
        return new ApBusState(apmask, aqmask, qciA, qciU, qciC, maxA, maxD, apDomain, bindings, scans, features);
    }

    ApBindings readBindings() throws SysfsException {
        return values.read(BUS + "/bindings", ApBindings::parse);
    }

    Optional<ApCard> readCardIfPresent(int id) throws SysfsException {
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
        int hwtype = values.readInt(dir + "/hwtype");
        Optional<String> type = values.readIfPresent(dir + "/type").map(String::strip);
        int functions = values.read(dir + "/ap_functions", SysfsValues::parseFunctions);
        boolean config = values.readFlag(dir + "/config", true);
        boolean chkstop = values.readFlag(dir + "/chkstop", false);
        Optional<Boolean> online = values.readIfPresent(dir + "/online", SysfsValues::parseFlag);
        return new ApCard(id, hwtype, type, functions, config, chkstop, online);
    }

    Optional<ApQueue> readQueueIfPresent(Apqn apqn, CapabilityDetector detect) throws SysfsException {
        try {
            return Optional.of(readQueue(apqn, detect));
        } catch (SysfsException e) {
            if (e.errno() == Errno.ENOENT) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Reads one queue; reads only the attributes {@code detect} says the kernel has, and records what it learns. */
    ApQueue readQueue(Apqn apqn, CapabilityDetector detect) throws SysfsException {
        String dir = queueDir(apqn);
        ApDriver driver = readDriver(dir);
        if (detect.ownership == null) {
            detect.ownership = sysfs.exists(dir + "/driver_override") ? Ownership.DRIVER_OVERRIDE : Ownership.MASKS;
        }
        Optional<Boolean> online = driver == ApDriver.CEX4QUEUE
                ? values.readIfPresent(dir + "/online", SysfsValues::parseFlag) : Optional.empty();
        boolean config = values.readFlag(dir + "/config", true);
        boolean chkstop = values.readFlag(dir + "/chkstop", false);
        Optional<ApQueue.VfioStatus> status = Optional.empty();
        if (driver == ApDriver.VFIO_AP && detect.queueStatus != Evidence.ABSENT) {
            status = values.readIfPresent(dir + "/status", ApQueue.VfioStatus::parse);
            detect.queueStatus = status.isPresent() ? Evidence.PRESENT : Evidence.ABSENT;
        }
        int requestq = values.readInt(dir + "/requestq_count");
        int pendingq = values.readInt(dir + "/pendingq_count");
        Optional<String> override = detect.ownership == Ownership.DRIVER_OVERRIDE
                ? values.readIfPresent(dir + "/driver_override").map(String::strip).filter(s -> !s.isEmpty() && !s.equals("(null)"))
                : Optional.empty();
        return new ApQueue(apqn, driver, online, config, chkstop, status, requestq, pendingq, override);
    }

    /** The driver a queue is bound to, from its {@code driver} symlink. */
    ApDriver readDriver(String queueDir) throws SysfsException {
        Optional<String> target = sysfs.readLink(queueDir + "/driver");
        return target.map(t -> ApDriver.ofName(t.substring(t.lastIndexOf('/') + 1))).orElse(ApDriver.NONE);
    }

    /** An mdev's matrix and shadow; empty if the mdev is gone. */
    Optional<ApMdev> readMdev(UUID id, NodeCapabilities c) throws SysfsException {
        String dir = mdevDir(id);
        try {
            // capabilities still UNKNOWN (no mdev existed at the last inventory): look at this mdev's files
            boolean hasApConfig = c.apConfig() == Evidence.PRESENT
                    || (c.apConfig() == Evidence.UNKNOWN && sysfs.exists(dir + "/ap_config"));
            boolean hasGuestMatrix = c.guestMatrix() == Evidence.PRESENT
                    || (c.guestMatrix() == Evidence.UNKNOWN && sysfs.exists(dir + "/guest_matrix"));
            Matrix matrix;
            if (hasApConfig) {
                matrix = values.read(dir + "/ap_config", Matrix::parseApConfigText);
            } else {
                Matrix m = values.read(dir + "/matrix", Matrix::parseMatrixText);
                ApMask adm = values.read(dir + "/control_domains", Matrix::parseControlDomainsText);
                matrix = m.withControlDomains(adm);
            }
            Optional<Matrix> guest = hasGuestMatrix
                    ? Optional.of(values.read(dir + "/guest_matrix", Matrix::parseMatrixText))
                    : Optional.empty();
            return Optional.of(new ApMdev(id, matrix, guest));
        } catch (SysfsException e) {
            if (e.errno() == Errno.ENOENT && !sysfs.exists(dir)) {
                return Optional.empty();
            }
            throw e;
        }
    }

    // ---------------------------------------------------------------------------------- listings

    Set<Integer> listCards() throws SysfsException {
        Set<Integer> ids = new TreeSet<>();
        for (String n : sysfs.list(DEVICES)) {
            if (SysfsPaths.CARD.matcher(n).matches()) {
                ids.add(Integer.parseInt(n.substring(4), 16));
            }
        }
        return ids;
    }

    /** The queue devices of a card; empty if the card is gone. */
    Set<Apqn> listQueues(int adapter) throws SysfsException {
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
            if (SysfsPaths.QUEUE.matcher(n).matches()) {
                Apqn q = Apqn.parse(n);
                if (q.adapter() == adapter) {
                    out.add(q);
                }
            }
        }
        return out;
    }

    /** The mdevs; empty if vfio_ap is not loaded. */
    Set<UUID> listMdevs() throws SysfsException {
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
            if (SysfsPaths.UUID_DIR.matcher(n).matches()) {
                ids.add(UUID.fromString(n));
            }
        }
        return ids;
    }

    /** Queue names bound to the driver, from its directory's symlinks; empty if it cannot be listed. */
    Optional<Set<String>> listDriver(ApDriver d) throws SysfsException {
        return listDriverEntries(d).map(SysfsInventoryReader::queueNames);
    }

    /** Every entry of the driver's directory as listed (queues, bind, unbind, ...); empty if it cannot be listed. */
    Optional<List<String>> listDriverEntries(ApDriver d) throws SysfsException {
        try {
            return Optional.of(sysfs.list(SysfsPaths.driverDir(d)));
        } catch (SysfsException e) {
            if (e.errno() == Errno.ENOENT) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** The queue device names among a driver directory's entries. */
    static Set<String> queueNames(List<String> entries) {
        Set<String> out = new TreeSet<>();
        for (String n : entries) {
            if (SysfsPaths.QUEUE.matcher(n).matches()) {
                out.add(n);
            }
        }
        return out;
    }
}
