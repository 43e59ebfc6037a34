package dev.apqn.apbus.sim;

import dev.apqn.apbus.Sysfs;
import dev.apqn.apbus.SysfsException;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Checks the ap-bus.md §10 invariants of a node <em>through reads of its virtual sysfs only</em>
 * (no model internals): masks, device tree, driver links, driver directories, driver_override,
 * every mdev's {@code matrix}/{@code guest_matrix}/{@code control_domains}/{@code ap_config},
 * queue {@code status}, {@code request_count}, zcrypt {@code online}, {@code bindings} and
 * {@code available_instances}. The caller supplies what user space knows besides sysfs: which
 * mdev has a guest attached (QEMU's side), the installed cards (the machine) and the level.
 *
 * <p>Parsers here are strict and independent of the production value types: a read that does
 * not have the exact documented shape is itself a violation.
 */
final class InvariantChecker {

    static final Pattern MASK = Pattern.compile("0x[0-9a-f]{64}\n");
    static final Pattern QUEUE_NAME = Pattern.compile("[0-9a-f]{2}\\.[0-9a-f]{4}");
    static final Pattern CARD_NAME = Pattern.compile("card[0-9a-f]{2}");
    static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    /** The matrix device's own entries (§1.7, §1.10) next to its mdev directories. */
    private static final Set<String> MATRIX_DEVICE_ENTRIES = Set.of("features", "mdev_supported_types", "uevent", "driver", "subsystem");
    static final Pattern AP_CONFIG = Pattern.compile("0x[0-9a-f]{64},0x[0-9a-f]{64},0x[0-9a-f]{64}\n");
    static final Pattern BINDINGS = Pattern.compile("(\\d+)/(\\d+)( \\(complete\\))?\n");

    /** One mdev as read from sysfs. */
    record MdevView(String uuid, BitSet apm, BitSet aqm, BitSet adm, String matrixText, BitSet gApm, BitSet gAqm) {
        boolean contains(int a, int d) {
            return apm.get(a) && aqm.get(d);
        }

        boolean guestContains(int a, int d) {
            return gApm != null && gApm.get(a) && gAqm.get(d);
        }
    }

    /** The node as read from sysfs. */
    record View(BitSet apmask, BitSet aqmask, BitSet hostApm, BitSet hostAqm, BitSet hostAdm, int maxA, int maxD,
                Set<Integer> cards, Map<String, String> queueDrivers, Map<String, String> overrides,
                Map<String, MdevView> mdevs, String bindings, long scans) {

        boolean ownedByMasks(int a, int d) {
            return apmask.get(a) && aqmask.get(d);
        }

        /** Queue names with the given driver. */
        Set<String> boundTo(String driver) {
            Set<String> out = new TreeSet<>();
            queueDrivers.forEach((q, d) -> {
                if (driver.equals(d)) {
                    out.add(q);
                }
            });
            return out;
        }

        boolean anyOverride() {
            return overrides.values().stream().anyMatch(s -> !s.isEmpty());
        }

        /** The mdev holding (a, d) in its matrix, if any. */
        Optional<MdevView> owner(int a, int d) {
            return mdevs.values().stream().filter(m -> m.contains(a, d)).findFirst();
        }
    }

    private final Sysfs fs;
    private final MachineProfile profile;
    private final SimCapabilities caps;
    private final List<String> violations = new ArrayList<>();

    InvariantChecker(Sysfs fs, MachineProfile profile, SimCapabilities caps) {
        this.fs = fs;
        this.profile = profile;
        this.caps = caps;
    }

    // ------------------------------------------------------------------ reading

    private String read(String path) {
        try {
            return fs.read(path);
        } catch (SysfsException e) {
            violations.add("read of " + path + " failed: " + e.getMessage());
            return null;
        }
    }

    private List<String> list(String path) {
        try {
            return fs.list(path);
        } catch (SysfsException e) {
            violations.add("list of " + path + " failed: " + e.getMessage());
            return List.of();
        }
    }

    private boolean exists(String path) {
        try {
            return fs.exists(path);
        } catch (SysfsException e) {
            violations.add("exists(" + path + ") failed: " + e.getMessage());
            return false;
        }
    }

    private Optional<String> link(String path) {
        try {
            return fs.readLink(path);
        } catch (SysfsException e) {
            return Optional.empty();
        }
    }

    private BitSet mask(String path) {
        String t = read(path);
        if (t == null) {
            return new BitSet();
        }
        if (!MASK.matcher(t).matches()) {
            violations.add("inv1: " + path + " reads " + ConformanceNode.show(t) + ", not 0x + 64 lower-case hex digits + \\n");
            return new BitSet();
        }
        return parseHex(t.substring(2, 66));
    }

    static BitSet parseHex(String digits) {
        BitSet b = new BitSet(256);
        for (int i = 0; i < digits.length(); i++) {
            int v = Character.digit(digits.charAt(i), 16);
            for (int n = 0; n < 4; n++) {
                if ((v & (0x8 >> n)) != 0) {
                    b.set(i * 4 + n);
                }
            }
        }
        return b;
    }

    private int number(String path) {
        String t = read(path);
        if (t == null || !t.matches("\\d+\n")) {
            violations.add(path + " reads " + (t == null ? "nothing" : ConformanceNode.show(t)) + ", not %d\\n");
            return -1;
        }
        return Integer.parseInt(t.strip());
    }

    /**
     * Parses {@code matrix}/{@code guest_matrix} strictly: one of the three line shapes of §1.9, in
     * kernel order; the result is (apm, aqm). A malformed text is a violation.
     */
    BitSet[] parseMatrix(String path, String text) {
        BitSet apm = new BitSet(256);
        BitSet aqm = new BitSet(256);
        if (text == null || text.isEmpty()) {
            return new BitSet[] {apm, aqm};
        }
        if (!text.endsWith("\n")) {
            violations.add("§1.9: " + path + " does not end with a newline: " + ConformanceNode.show(text));
        }
        String[] lines = text.split("\n");
        List<String> got = List.of(lines);
        for (String l : lines) {
            if (l.matches("[0-9a-f]{2}\\.[0-9a-f]{4}")) {
                apm.set(Integer.parseInt(l.substring(0, 2), 16));
                aqm.set(Integer.parseInt(l.substring(3), 16));
            } else if (l.matches("[0-9a-f]{2}\\.")) {
                apm.set(Integer.parseInt(l.substring(0, 2), 16));
            } else if (l.matches("\\.[0-9a-f]{4}")) {
                aqm.set(Integer.parseInt(l.substring(1), 16));
            } else {
                violations.add("§1.9: " + path + " has a malformed line " + ConformanceNode.show(l));
            }
        }
        String canonical = matrixText(apm, aqm);
        if (!canonical.equals(text)) {
            violations.add("§1.9: " + path + " reads " + ConformanceNode.show(text) + " but the kernel format of its APQNs is "
                    + ConformanceNode.show(canonical) + " (lines " + got + ")");
        }
        return new BitSet[] {apm, aqm};
    }

    /** The expected §1.9 text of (apm, aqm). */
    static String matrixText(BitSet apm, BitSet aqm) {
        StringBuilder sb = new StringBuilder();
        if (!apm.isEmpty() && !aqm.isEmpty()) {
            apm.stream().forEach(a -> aqm.stream().forEach(d -> sb.append(String.format("%02x.%04x\n", a, d))));
        } else if (!apm.isEmpty()) {
            apm.stream().forEach(a -> sb.append(String.format("%02x.\n", a)));
        } else if (!aqm.isEmpty()) {
            aqm.stream().forEach(d -> sb.append(String.format(".%04x\n", d)));
        }
        return sb.toString();
    }

    /** Reads the whole node. Parse problems are recorded as violations. */
    /** Per-queue driver links (read only in a full check). */
    private final Map<String, String> linkDrivers = new TreeMap<>();
    private boolean full = true;

    View read() {
        linkDrivers.clear();
        BitSet apmask = mask("/sys/bus/ap/apmask");
        BitSet aqmask = mask("/sys/bus/ap/aqmask");
        BitSet hostApm = mask("/sys/bus/ap/ap_adapter_mask");
        BitSet hostAqm = mask("/sys/bus/ap/ap_usage_domain_mask");
        BitSet hostAdm = mask("/sys/bus/ap/ap_control_domain_mask");
        int maxA = number("/sys/bus/ap/ap_max_adapter_id");
        int maxD = number("/sys/bus/ap/ap_max_domain_id");
        Set<Integer> cards = new TreeSet<>();
        Map<String, String> drivers = new TreeMap<>();
        Map<String, String> overrides = new TreeMap<>();
        for (String c : list("/sys/devices/ap")) {
            if (!CARD_NAME.matcher(c).matches()) {
                continue;
            }
            int a = Integer.parseInt(c.substring(4), 16);
            cards.add(a);
            String cardDir = "/sys/devices/ap/" + c;
            for (String q : list(cardDir)) {
                if (!QUEUE_NAME.matcher(q).matches()) {
                    continue;
                }
                String qdir = cardDir + "/" + q;
                drivers.put(q, "");
                if (full) {
                    String byLink = exists(qdir + "/driver")
                            ? link(qdir + "/driver").map(t -> t.substring(t.lastIndexOf('/') + 1)).orElse("") : "";
                    linkDrivers.put(q, byLink);
                }
                if (caps.driverOverride()) {
                    String o = read(qdir + "/driver_override");
                    if (o != null) {
                        if (!o.endsWith("\n") || o.indexOf('\n') != o.length() - 1) {
                            violations.add("§1.5: " + qdir + "/driver_override reads " + ConformanceNode.show(o));
                        }
                        overrides.put(q, o.strip());
                    }
                }
            }
        }
        Map<String, MdevView> mdevs = new TreeMap<>();
        if (exists("/sys/devices/vfio_ap/matrix")) {
            for (String u : list("/sys/devices/vfio_ap/matrix")) {
                if (MATRIX_DEVICE_ENTRIES.contains(u)) {
                    continue;
                }
                if (!UUID.matcher(u).matches()) {
                    violations.add("inv20: unexpected entry " + u + " in /sys/devices/vfio_ap/matrix (mdev names are lower-case UUIDs)");
                    continue;
                }
                String dir = "/sys/devices/vfio_ap/matrix/" + u;
                String mt = read(dir + "/matrix");
                BitSet[] m = parseMatrix(dir + "/matrix", mt);
                String cd = read(dir + "/control_domains");
                BitSet adm = new BitSet(256);
                if (cd != null) {
                    for (String l : cd.split("\n")) {
                        if (l.isEmpty()) {
                            continue;
                        }
                        if (!l.matches("[0-9a-f]{4}")) {
                            violations.add("§1.8: " + dir + "/control_domains line " + ConformanceNode.show(l) + " is not %04x");
                        } else {
                            adm.set(Integer.parseInt(l, 16));
                        }
                    }
                    String canon = adm.stream().mapToObj(d -> String.format("%04x\n", d)).reduce("", String::concat);
                    if (!canon.equals(cd)) {
                        violations.add("§1.8: " + dir + "/control_domains reads " + ConformanceNode.show(cd) + ", expected " + ConformanceNode.show(canon));
                    }
                }
                BitSet gApm = null;
                BitSet gAqm = null;
                if (caps.dynamic()) {
                    BitSet[] g = parseMatrix(dir + "/guest_matrix", read(dir + "/guest_matrix"));
                    gApm = g[0];
                    gAqm = g[1];
                } else if (exists(dir + "/guest_matrix")) {
                    violations.add("§1.8: " + dir + "/guest_matrix exists on a legacy kernel");
                }
                if (caps.apConfig()) {
                    String ac = read(dir + "/ap_config");
                    if (ac != null) {
                        if (!AP_CONFIG.matcher(ac).matches()) {
                            violations.add("§1.8: " + dir + "/ap_config reads " + ConformanceNode.show(ac));
                        } else {
                            String expected = ConformanceNode.mask(m[0]).strip() + "," + ConformanceNode.mask(m[1]).strip() + ","
                                    + ConformanceNode.mask(adm);
                            if (!expected.equals(ac)) {
                                violations.add("§1.8: " + dir + "/ap_config " + ConformanceNode.show(ac)
                                        + " disagrees with matrix/control_domains " + ConformanceNode.show(expected));
                            }
                        }
                    }
                } else if (exists(dir + "/ap_config")) {
                    violations.add("§1.8: " + dir + "/ap_config exists below 6.10");
                }
                mdevs.put(u, new MdevView(u, m[0], m[1], adm, mt, gApm, gAqm));
            }
        }
        for (String drv : List.of("cex4queue", "vfio_ap")) {
            if (exists("/sys/bus/ap/drivers/" + drv)) {
                for (String e : list("/sys/bus/ap/drivers/" + drv)) {
                    if (QUEUE_NAME.matcher(e).matches()) {
                        String prev = drivers.put(e, drv);
                        if (prev == null) {
                            violations.add("inv3: drivers/" + drv + " links " + e + ", which is not a queue device");
                        } else if (!prev.isEmpty()) {
                            violations.add("inv3: " + e + " is bound to both " + prev + " and " + drv);
                        }
                    }
                }
            }
        }
        if (full && !linkDrivers.equals(drivers)) {
            violations.add("inv3: per-queue driver links " + linkDrivers + " disagree with the driver directories " + drivers);
        }
        String bindings = read("/sys/bus/ap/bindings");
        long scans = number("/sys/bus/ap/scans");
        return new View(apmask, aqmask, hostApm, hostAqm, hostAdm, maxA, maxD, cards, drivers, overrides, mdevs, bindings, scans);
    }

    // ------------------------------------------------------------------ checking

    /**
     * Reads the node and checks every invariant that is a property of one state.
     *
     * @param attached mdev uuid → guest id of the mdevs a guest has open (QEMU's knowledge)
     * @return the violations, empty when all hold
     */
    List<String> check(Map<String, String> attached) {
        return check(attached, true);
    }

    /**
     * @param full also read every queue's own attributes (driver link, request counters, zcrypt
     *             online, config, absence of status); otherwise only what the invariants need
     *             (masks, device lists, driver directories, overrides, vfio queue status, mdevs,
     *             bindings, available_instances)
     */
    List<String> check(Map<String, String> attached, boolean full) {
        this.full = full;
        violations.clear();
        View v = read();
        checkState(v, attached);
        return List.copyOf(violations);
    }

    private void checkStatus(View v, Map<String, String> attached, String q, int a, int d, String qdir) {
        String st = read(qdir + "/status");
        boolean inUse = v.mdevs.values().stream().anyMatch(m -> attached.containsKey(m.uuid()) && m.guestContains(a, d));
        String expected = inUse ? "in use\n" : v.owner(a, d).isPresent() ? "assigned\n" : "unassigned\n";
        if (!expected.equals(st)) {
            violations.add("inv16: " + q + "/status reads " + ConformanceNode.show(st) + ", expected " + ConformanceNode.show(expected));
        }
    }

    private void checkState(View v, Map<String, String> attached) {
        // inv 6: device existence
        Set<Integer> expectedCards = new TreeSet<>();
        for (MachineProfile.Card c : profile.cards()) {
            if (v.hostApm.get(c.id()) && c.id() <= v.maxA) {
                expectedCards.add(c.id());
            }
        }
        if (!expectedCards.equals(v.cards)) {
            violations.add("inv6: card devices " + v.cards + " but installed ∩ host config = " + expectedCards);
        }
        Set<String> expectedQueues = new TreeSet<>();
        for (int a : v.cards) {
            for (int d = 0; d <= v.maxD; d++) {
                if (v.hostAqm.get(d)) {
                    expectedQueues.add(ConformanceNode.queueName(a, d));
                }
            }
        }
        if (!expectedQueues.equals(v.queueDrivers.keySet())) {
            violations.add("inv6: queue devices " + v.queueDrivers.keySet() + " but cards × host usage domains = " + expectedQueues);
        }
        Set<String> busDevices = new TreeSet<>(list("/sys/bus/ap/devices"));
        Set<String> treeDevices = new TreeSet<>(v.queueDrivers.keySet());
        v.cards.forEach(a -> treeDevices.add(String.format("card%02x", a)));
        if (!busDevices.equals(treeDevices)) {
            violations.add("§1.1: /sys/bus/ap/devices lists " + busDevices + " but /sys/devices/ap holds " + treeDevices);
        }

        // inv 2/3: ownership and binding gate; driver directories agree with driver links
        boolean vfioLoaded = exists("/sys/bus/ap/drivers/vfio_ap");
        Map<String, Set<String>> dirLinks = new TreeMap<>();
        for (String drv : List.of("cex4card", "cex4queue", "vfio_ap")) {
            if (!drv.equals("vfio_ap") || vfioLoaded) {
                Set<String> s = new TreeSet<>();
                for (String e : list("/sys/bus/ap/drivers/" + drv)) {
                    if (QUEUE_NAME.matcher(e).matches() || CARD_NAME.matcher(e).matches()) {
                        s.add(e);
                    }
                }
                dirLinks.put(drv, s);
            }
        }
        for (String drv : List.of("cex4queue", "vfio_ap")) {
            Set<String> byLink = v.boundTo(drv);
            Set<String> inDir = dirLinks.getOrDefault(drv, Set.of());
            if (!byLink.equals(inDir)) {
                violations.add("inv3: queues whose driver link is " + drv + " " + byLink + " ≠ links in drivers/" + drv + " " + inDir);
            }
        }
        if (dirLinks.get("cex4card").stream().anyMatch(e -> QUEUE_NAME.matcher(e).matches())) {
            violations.add("inv3: a queue is bound to cex4card: " + dirLinks.get("cex4card"));
        }
        for (String drv : List.of("cex4queue", "vfio_ap")) {
            if (dirLinks.getOrDefault(drv, Set.of()).stream().anyMatch(e -> CARD_NAME.matcher(e).matches())) {
                violations.add("inv3: a card is bound to " + drv);
            }
        }
        for (int a : full ? v.cards : Set.<Integer>of()) {
            String d = !exists(String.format("/sys/devices/ap/card%02x/driver", a)) ? "" : link(String.format("/sys/devices/ap/card%02x/driver", a)).map(t -> t.substring(t.lastIndexOf('/') + 1)).orElse("");
            if (!d.isEmpty() && !d.equals("cex4card")) {
                violations.add("inv3: card" + String.format("%02x", a) + " bound to " + d);
            }
        }
        boolean anyOverride = v.anyOverride();
        if (anyOverride && !(v.apmask.cardinality() == 256 && v.aqmask.cardinality() == 256)) {
            violations.add("inv2: a driver_override is set while apmask/aqmask are not both all ones");
        }
        v.queueDrivers.forEach((q, drv) -> {
            int a = Integer.parseInt(q.substring(0, 2), 16);
            int d = Integer.parseInt(q.substring(3), 16);
            String override = v.overrides.getOrDefault(q, "");
            boolean owned = v.ownedByMasks(a, d);
            if (!override.isEmpty()) {
                // an override decides the next probe; a binding made before it was set may remain (the
                // driver core does not re-probe on a driver_override write), but only one the masks allowed
                if (!drv.isEmpty() && !drv.equals(override) && !(drv.equals("cex4queue") && owned)) {
                    violations.add("inv2/3: " + q + " has driver_override " + override + " but is bound to " + drv);
                }
            } else if (drv.equals("cex4queue") && !owned) {
                violations.add("inv3: " + q + " is bound to cex4queue but not default-owned");
            } else if (drv.equals("vfio_ap") && owned) {
                violations.add("inv3: " + q + " is bound to vfio_ap but default-owned");
            } else if (!drv.isEmpty() && !drv.equals("cex4queue") && !drv.equals("vfio_ap")) {
                violations.add("inv3: " + q + " is bound to " + drv);
            }
            String qdir = "/sys/devices/ap/card" + q.substring(0, 2) + "/" + q;
            if (!full) {
                if (drv.equals("vfio_ap") && caps.queueStatus()) {
                    checkStatus(v, attached, q, a, d, qdir);
                }
                return;
            }
            // inv 7 (observable part): host counters only while initialised by cex4queue
            String rc = read(qdir + "/request_count");
            if (rc != null) {
                if (drv.equals("cex4queue") ? !rc.matches("\\d+\n") : !rc.equals("-\n")) {
                    violations.add("inv7/§1.5: " + q + " bound to '" + drv + "' has request_count " + ConformanceNode.show(rc));
                }
            }
            if (!drv.equals("cex4queue")) {
                for (String cnt : List.of("requestq_count", "pendingq_count")) {
                    String t = read(qdir + "/" + cnt);
                    if (t != null && !t.equals("0\n")) {
                        violations.add("inv7/§1.5: " + q + " not initialised but " + cnt + " reads " + ConformanceNode.show(t));
                    }
                }
            }
            // inv 18: zcrypt online
            boolean hasOnline = exists(qdir + "/online");
            if (hasOnline != drv.equals("cex4queue")) {
                violations.add("§1.5: " + q + " bound to '" + drv + "' " + (hasOnline ? "has" : "lacks") + " zcrypt online");
            }
            if (hasOnline) {
                String on = read(qdir + "/online");
                String cfg = read(qdir + "/config");
                if (on != null && !on.matches("[01]\n")) {
                    violations.add("§1.5: " + q + "/online reads " + ConformanceNode.show(on));
                }
                if ("1\n".equals(on) && !"1\n".equals(cfg)) {
                    violations.add("inv18: " + q + " is online while its config reads " + ConformanceNode.show(cfg));
                }
            }
            // inv 16: queue status
            boolean hasStatus = exists(qdir + "/status");
            boolean statusExpected = drv.equals("vfio_ap") && caps.queueStatus();
            if (hasStatus != statusExpected) {
                violations.add("inv16/§1.5: " + q + " bound to '" + drv + "' " + (hasStatus ? "has" : "lacks") + " status");
            }
            if (hasStatus && statusExpected) {
                checkStatus(v, attached, q, a, d, qdir);
            }
        });
        for (int a : full ? v.cards : Set.<Integer>of()) {
            String cdir = String.format("/sys/devices/ap/card%02x", a);
            if (exists(cdir + "/online")) {
                String on = read(cdir + "/online");
                String cfg = read(cdir + "/config");
                if ("1\n".equals(on) && !"1\n".equals(cfg)) {
                    violations.add("inv18: card" + String.format("%02x", a) + " is online while deconfigured");
                }
            }
        }

        // inv 17: bindings
        long bound = v.queueDrivers.values().stream().filter(s -> !s.isEmpty()).count();
        long total = v.queueDrivers.size();
        String expectedBindings = bound + "/" + total + (v.scans >= 1 && bound == total ? " (complete)" : "") + "\n";
        if (!expectedBindings.equals(v.bindings)) {
            violations.add("inv17: bindings reads " + ConformanceNode.show(v.bindings) + ", driver links give "
                    + ConformanceNode.show(expectedBindings));
        }

        // mdevs: inv 8, 9, 10, 12, 20
        List<MdevView> ms = List.copyOf(v.mdevs.values());
        for (int i = 0; i < ms.size(); i++) {
            MdevView m = ms.get(i);
            for (int j = i + 1; j < ms.size(); j++) {
                MdevView o = ms.get(j);
                if (m.apm.intersects(o.apm) && m.aqm.intersects(o.aqm)) {
                    violations.add("inv8: mdevs " + m.uuid + " and " + o.uuid + " share adapters and domains");
                }
            }
            if (m.apm.length() - 1 > v.maxA || m.aqm.length() - 1 > v.maxD || m.adm.length() - 1 > v.maxD) {
                violations.add("inv10: mdev " + m.uuid + " has an id above the maxima " + v.maxA + "/" + v.maxD);
            }
            if (caps.maskInUseVeto()) {
                m.apm.stream().forEach(a -> m.aqm.stream().forEach(d -> {
                    String q = ConformanceNode.queueName(a, d);
                    String override = v.overrides.getOrDefault(q, "");
                    boolean hostOwned = override.isEmpty() ? v.ownedByMasks(a, d)
                            : v.queueDrivers.getOrDefault(q, "").equals("cex4queue");
                    if (hostOwned && override.isEmpty()) {
                        violations.add("inv9: " + q + " is assigned to mdev " + m.uuid + " but default-owned");
                    }
                }));
            }
            if (caps.dynamic()) {
                // inv 12 / §5.4: shadow = (matrix ∩ host) minus whole adapters with a queue not bound to vfio_ap
                BitSet aqm = (BitSet) m.aqm.clone();
                aqm.and(v.hostAqm);
                BitSet apm = (BitSet) m.apm.clone();
                apm.and(v.hostApm);
                BitSet expApm = new BitSet(256);
                apm.stream().forEach(a -> {
                    boolean whole = aqm.stream().allMatch(d -> "vfio_ap".equals(v.queueDrivers.get(ConformanceNode.queueName(a, d))));
                    if (whole) {
                        expApm.set(a);
                    }
                });
                if (!expApm.equals(m.gApm) || !aqm.equals(m.gAqm)) {
                    violations.add("inv12/13: mdev " + m.uuid + " guest_matrix is " + ConformanceNode.show(matrixText(m.gApm, m.gAqm))
                            + " but (matrix ∩ host config) minus adapters with a queue not bound to vfio_ap is "
                            + ConformanceNode.show(matrixText(expApm, aqm)));
                }
            }
        }
        if (vfioLoaded) {
            String type = "/sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/";
            String ai = read(type + "available_instances");
            String expected = (65536 - v.mdevs.size()) + "\n";
            if (ai != null && !ai.equals(expected)) {
                violations.add("inv20: available_instances reads " + ConformanceNode.show(ai) + " with " + v.mdevs.size()
                        + " mdevs, expected " + ConformanceNode.show(expected));
            }
            Set<String> typeDevices = new TreeSet<>(list(type + "devices"));
            Set<String> busMdev = new TreeSet<>(list("/sys/bus/mdev/devices"));
            if (!typeDevices.equals(v.mdevs.keySet()) || !busMdev.equals(v.mdevs.keySet())) {
                violations.add("inv20/§1.7: mdev type devices " + typeDevices + ", /sys/bus/mdev/devices " + busMdev
                        + ", matrix children " + v.mdevs.keySet());
            }
        }
    }
}
