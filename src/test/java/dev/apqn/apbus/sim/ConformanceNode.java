package dev.apqn.apbus.sim;

import dev.apqn.ap.Errno;
import dev.apqn.apbus.Sysfs;
import dev.apqn.apbus.SysfsException;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.fail;

/**
 * A booted simulated node for the conformance and randomized tests: the {@link SimKernel} (used
 * only for what user space cannot do through sysfs: guests, firmware changes, traffic) and its
 * {@link SimSysfs}, through which every attribute is read and written. Also the in-test machine
 * profiles, one per {@link KernelLevel}, and an independent MSB0 mask formatter.
 */
final class ConformanceNode {

    static final String BUS = "/sys/bus/ap/";
    static final String MATRIX_DEV = "/sys/devices/vfio_ap/matrix/";
    static final String TYPE_DIR = MATRIX_DEV + "mdev_supported_types/vfio_ap-passthrough/";
    static final String UUID1 = "11111111-2222-4333-8444-555555555555";
    static final String UUID2 = "22222222-3333-4444-8555-666666666666";
    static final String UUID3 = "33333333-4444-4555-8666-777777777777";

    final SimKernel kernel;
    /** The model's own sysfs port: its settings (call timeout) apply however the test reaches it. */
    final SimSysfs model;
    /** The port the rows read and write through: {@link #model} itself, or files over a FUSE mount of it. */
    final Sysfs fs;
    final KernelLevel level;

    ConformanceNode(SimKernel kernel) {
        this(kernel, new SimSysfs(kernel), null);
    }

    /** A node reached through {@code fs} (null: the model's port directly). */
    ConformanceNode(SimKernel kernel, SimSysfs model, Sysfs fs) {
        this.kernel = kernel;
        this.model = model;
        this.fs = fs == null ? model : fs;
        this.level = kernel.level();
    }

    /** How the rows reach a freshly booted kernel's sysfs. */
    @FunctionalInterface
    interface Access {
        ConformanceNode attach(SimKernel kernel);

        /** Through the in-memory {@link Sysfs} port. */
        Access IN_MEMORY = ConformanceNode::new;
    }

    /** Boots the in-test profile of a level. */
    static ConformanceNode boot(KernelLevel level) {
        return boot(level, Access.IN_MEMORY);
    }

    static ConformanceNode boot(KernelLevel level, Access access) {
        return access.attach(SimKernel.boot(profile(level), 7));
    }

    static ConformanceNode boot(MachineProfile profile, long seed) {
        return new ConformanceNode(SimKernel.boot(profile, seed));
    }

    /**
     * The in-test machine of a level. Legacy: no APXA (63/15). Others: APXA (255/84). Adapter 0x01
     * has a card but is configured to another LPAR; adapter 0x08 is configured but has no card; the
     * usage domains have gaps (6..11 and 13.. are not configured), so that host configuration and
     * mdev assignments differ. All queues host-owned at boot, vfio_ap loaded.
     */
    static MachineProfile profile(KernelLevel level) {
        boolean legacy = level == KernelLevel.LEGACY;
        String gen = legacy ? "CEX7" : "CEX8";
        String yaml = "name: conformance-" + level.yamlName() + "\n"
                + "kernel: " + level.yamlName() + "\n"
                + "maxAdapterId: " + (legacy ? 63 : 255) + "\n"
                + "maxDomainId: " + (legacy ? 15 : 84) + "\n"
                + "cards:\n"
                + "  - {id: 0x01, type: CEX6C}\n"
                + "  - {id: 0x03, type: " + gen + "C}\n"
                + "  - {id: 0x04, type: " + gen + "C}\n"
                + "  - {id: 0x05, type: " + gen + "P}\n"
                + "  - {id: 0x06, type: " + gen + "A}\n"
                + "hostConfig:\n"
                + "  adapters: \"0x03-0x06,0x08\"\n"
                + "  usageDomains: \"0-5,12" + (legacy ? "" : ",84") + "\"\n"
                + "  controlDomains: \"0-5,12,14\"\n"
                + "initial:\n"
                + "  vfioApLoaded: true\n";
        return MachineProfiles.parse(yaml, "in-test profile " + level.yamlName(), "conformance-" + level.yamlName());
    }

    int maxAdapter() {
        return kernel.profile().maxAdapterId();
    }

    int maxDomain() {
        return kernel.profile().maxDomainId();
    }

    SimCapabilities caps() {
        return kernel.capabilities();
    }

    // ------------------------------------------------------------------ file protocol

    String read(String path) {
        try {
            return fs.read(path);
        } catch (SysfsException e) {
            return fail("[" + level + "] reading " + path + " failed: " + e.getMessage(), e);
        }
    }

    void write(String path, String value) {
        try {
            fs.write(path, value);
        } catch (SysfsException e) {
            fail("[" + level + "] writing " + show(value) + " to " + path + " failed: " + e.getMessage(), e);
        }
    }

    /** Reads and returns the errno, or empty when the read succeeded. */
    Optional<Errno> readErrno(String path) {
        try {
            fs.read(path);
            return Optional.empty();
        } catch (SysfsException e) {
            return Optional.of(e.errno());
        }
    }

    /** Writes and returns the errno, or empty when the write succeeded. */
    Optional<Errno> tryWrite(String path, String value) {
        try {
            fs.write(path, value);
            return Optional.empty();
        } catch (SysfsException e) {
            return Optional.of(e.errno());
        }
    }

    /** Writes and fails unless the kernel answers exactly {@code expected}. */
    void expectErrno(Errno expected, String path, String value) {
        Optional<Errno> got = tryWrite(path, value);
        if (got.isEmpty()) {
            fail("[" + level + "] writing " + show(value) + " to " + path + " succeeded; expected " + expected);
        }
        if (got.get() != expected) {
            fail("[" + level + "] writing " + show(value) + " to " + path + " failed with " + got.get() + "; expected " + expected);
        }
    }

    boolean exists(String path) {
        try {
            return fs.exists(path);
        } catch (SysfsException e) {
            return fail("[" + level + "] exists(" + path + ") failed: " + e.getMessage(), e);
        }
    }

    List<String> list(String path) {
        try {
            return fs.list(path);
        } catch (SysfsException e) {
            return fail("[" + level + "] listing " + path + " failed: " + e.getMessage(), e);
        }
    }

    Optional<String> readLink(String path) {
        try {
            return fs.readLink(path);
        } catch (SysfsException e) {
            return fail("[" + level + "] readlink " + path + " failed: " + e.getMessage(), e);
        }
    }

    static String show(String value) {
        return "\"" + value.replace("\n", "\\n") + "\"";
    }

    // ------------------------------------------------------------------ paths

    static String bus(String attr) {
        return BUS + attr;
    }

    static String card(int a) {
        return String.format("/sys/devices/ap/card%02x", a);
    }

    static String queueName(int a, int d) {
        return String.format("%02x.%04x", a, d);
    }

    static String queue(int a, int d) {
        return card(a) + "/" + queueName(a, d);
    }

    static String mdev(String uuid) {
        return MATRIX_DEV + uuid;
    }

    static String mdev(String uuid, String attr) {
        return MATRIX_DEV + uuid + "/" + attr;
    }

    /** The driver a queue is bound to, from its {@code driver} link; empty if unbound. */
    Optional<String> driverOf(int a, int d) {
        if (!exists(queue(a, d) + "/driver")) {
            return Optional.empty();
        }
        return readLink(queue(a, d) + "/driver").map(t -> t.substring(t.lastIndexOf('/') + 1));
    }

    // ------------------------------------------------------------------ scenario helpers

    String createMdev(String uuid) {
        write(TYPE_DIR + "create", uuid + "\n");
        return uuid;
    }

    void assign(String uuid, String what, int id) {
        write(mdev(uuid, "assign_" + what), id + "\n");
    }

    /** Gives adapters and domains to vfio_ap by clearing their mask bits (relative writes). */
    void freeForVfio(int[] adapters, int[] domains) {
        for (int a : adapters) {
            write(bus("apmask"), "-" + a + "\n");
        }
        for (int d : domains) {
            write(bus("aqmask"), "-" + d + "\n");
        }
    }

    /** The "rectangle" scenario: adapters 5,6 and domains 1,2 freed from the host and assigned to a new mdev. */
    String mdevWith(String uuid, int[] adapters, int[] domains) {
        createMdev(uuid);
        for (int a : adapters) {
            assign(uuid, "adapter", a);
        }
        for (int d : domains) {
            assign(uuid, "domain", d);
        }
        return uuid;
    }

    // ------------------------------------------------------------------ expected texts (independent of ApMask)

    /** {@code 0x} + 64 lower-case hex digits + newline, MSB0 (bit 0 = 0x8 of the first digit). */
    static String mask(BitSet bits) {
        StringBuilder sb = new StringBuilder("0x");
        for (int digit = 0; digit < 64; digit++) {
            int v = 0;
            for (int n = 0; n < 4; n++) {
                if (bits.get(digit * 4 + n)) {
                    v |= 0x8 >> n;
                }
            }
            sb.append(Character.forDigit(v, 16));
        }
        return sb.append('\n').toString();
    }

    static BitSet bits(int... ids) {
        BitSet b = new BitSet(256);
        for (int id : ids) {
            b.set(id);
        }
        return b;
    }

    static BitSet range(int from, int to) {
        BitSet b = new BitSet(256);
        b.set(from, to + 1);
        return b;
    }

    static BitSet allBut(int... ids) {
        BitSet b = range(0, 255);
        for (int id : ids) {
            b.clear(id);
        }
        return b;
    }

    static final String ALL_ONES = "0x" + "f".repeat(64) + "\n";
    static final String ALL_ZERO = "0x" + "0".repeat(64) + "\n";

    static int[] ints(int... v) {
        return v;
    }

    static List<String> lines(String text) {
        List<String> out = new ArrayList<>();
        for (String l : text.split("\n")) {
            if (!l.isEmpty()) {
                out.add(l);
            }
        }
        return out;
    }
}
