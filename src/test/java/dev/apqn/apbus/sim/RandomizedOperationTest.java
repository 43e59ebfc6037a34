package dev.apqn.apbus.sim;

import dev.apqn.ap.ApMask;
import dev.apqn.ap.ApSyntaxException;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.Errno;
import dev.apqn.apbus.Sysfs;
import dev.apqn.apbus.SysfsException;
import dev.apqn.apbus.SysfsTimeoutException;
import dev.apqn.apbus.sim.ZcryptRequest.Kind;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.fail;

/**
 * Seeded, reproducible random operation sequences on every capability set (every
 * {@link KernelLevel}, in-test profile, plus the shipped profiles other than stress-256), all
 * through the virtual sysfs, except what only QEMU or the firmware can do (guest attach/detach/
 * reset, host configuration and checkstop changes) and zcrypt request traffic. After every step
 * the §10 invariants are checked through sysfs reads ({@link InvariantChecker}) and "no request
 * is lost" through the traffic model's own check. A few per-operation oracles check errnos and
 * all-or-nothing behaviour (mask writes, ap_config, bind gate).
 *
 * <p>Replay: {@code -Dapqn.random.seed=<seed>} (the failure message prints it, with the step log)
 * and optionally {@code -Dapqn.random.steps=<n>}.
 */
class RandomizedOperationTest {

    static final long BASE_SEED = Long.getLong("apqn.random.seed", 0x5eed_a9b0_5L);
    static final int STEPS = Integer.getInteger("apqn.random.steps", 3000);
    static final int SHIPPED_STEPS = Integer.getInteger("apqn.random.shippedSteps", 1000);
    static final List<String> UUIDS = List.of(
            "11111111-2222-4333-8444-555555555555", "22222222-3333-4444-8555-666666666666",
            "33333333-4444-4555-8666-777777777777", "44444444-5555-4666-8777-888888888888");
    static final List<String> GUESTS = List.of("vm1", "vm2", "vm3");
    /** A full check (each queue's driver link, counters, zcrypt online, config) every this many steps. */
    static final int FULL_EVERY = 10;

    static Stream<Arguments> machines() {
        List<Arguments> out = new ArrayList<>();
        for (KernelLevel level : KernelLevel.values()) {
            out.add(Arguments.of(Named.of("in-test " + level.yamlName(), ConformanceNode.profile(level)), STEPS,
                    BASE_SEED + level.ordinal()));
        }
        int i = 100;
        for (String name : MachineProfiles.shipped()) {
            if (!name.equals("stress-256")) {
                out.add(Arguments.of(Named.of("shipped " + name, MachineProfiles.loadResource(name)), SHIPPED_STEPS, BASE_SEED + i++));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("machines")
    void invariantsHoldAfterEveryRandomStep(MachineProfile profile, int steps, long seed) {
        new Run(profile, seed).run(steps);
    }

    /** One seeded run on one machine. */
    static final class Run {
        final MachineProfile profile;
        final long seed;
        final SplittableRandom rnd;
        final SimKernel k;
        /** The model's port (its 1 ms call timeout makes a blocked remove return at once). */
        final SimSysfs model;
        /** What every operation and check goes through: the model's port, or files over a FUSE mount of it. */
        final Sysfs fs;
        final SimCapabilities caps;
        final InvariantChecker checker;
        /** mdev → guest, as QEMU knows it. */
        final Map<String, String> attached = new TreeMap<>();
        /** mdevs whose remove blocked (modern kernel) and completes on detach. */
        final java.util.Set<String> pendingRemove = new java.util.TreeSet<>();
        final Deque<String> log = new ArrayDeque<>();
        int step;
        final int maxA;
        final int maxD;
        final List<Integer> adapters;
        final List<Integer> domains;
        final Map<String, Integer> opCounts = new LinkedHashMap<>();

        Run(MachineProfile profile, long seed) {
            this(profile, seed, model -> model);
        }

        /** A run whose operations reach the booted model through {@code access} (e.g. a FUSE mount of it). */
        Run(MachineProfile profile, long seed, java.util.function.Function<SimSysfs, Sysfs> access) {
            this.profile = profile;
            this.seed = seed;
            this.rnd = new SplittableRandom(seed);
            this.k = SimKernel.boot(profile, seed);
            this.model = new SimSysfs(k).withCallTimeout(Duration.ofMillis(1));
            this.fs = access.apply(model);
            this.caps = k.capabilities();
            this.checker = new InvariantChecker(fs, profile, caps);
            this.maxA = profile.maxAdapterId();
            this.maxD = profile.maxDomainId();
            // ids worth picking: installed cards, configured adapters/domains, a few others, the maxima and above
            java.util.TreeSet<Integer> as = new java.util.TreeSet<>(profile.cardIds().idList());
            as.addAll(profile.hostConfig().adapters().idList());
            as.addAll(List.of(0, 2, 9, maxA, maxA + 1));
            adapters = List.copyOf(as.headSet(Math.min(255, maxA + 1), true).stream().limit(24).toList());
            java.util.TreeSet<Integer> ds = new java.util.TreeSet<>(profile.hostConfig().usageDomains().idList().stream().limit(12).toList());
            ds.addAll(List.of(0, 7, 13, maxD, Math.min(255, maxD + 1)));
            domains = List.copyOf(ds);
            for (MachineProfile.Mdev m : profile.initial().mdevs()) {
                if (!UUIDS.contains(m.uuid().toLowerCase(Locale.ROOT))) {
                    // boot-time mdevs are part of the pool too
                }
            }
        }

        void run(int steps) {
            long t0 = System.nanoTime();
            verify("boot");
            for (step = 1; step <= steps; step++) {
                String what;
                try {
                    what = randomOperation();
                } catch (AssertionError e) {
                    throw failure("oracle: " + e.getMessage(), e);
                }
                verify(what);
            }
            step = 0; // step 0 = the final full check
            verify("final full check after " + steps + " steps; operations " + opCounts);
            System.out.printf("randomized %s (%s): %d steps, seed %d, %d ms, %s%n", profile.name(), profile.kernel(), steps, seed,
                    (System.nanoTime() - t0) / 1_000_000, opCounts);
        }

        private void verify(String what) {
            record(what);
            // every step: the invariants; every FULL_EVERY steps also every queue's own attributes
            List<String> v = checker.check(attached, step % FULL_EVERY == 0);
            List<String> lost = k.traffic().checkNoRequestLost();
            if (!v.isEmpty() || !lost.isEmpty()) {
                List<String> all = new ArrayList<>(v);
                lost.forEach(l -> all.add("inv7 (no request lost): " + l));
                throw failure(String.join("\n  ", all), null);
            }
        }

        private void record(String what) {
            log.addLast("#" + step + " " + what);
            if (log.size() > Integer.getInteger("apqn.random.log", 80)) {
                log.removeFirst();
            }
        }

        private AssertionError failure(String message, Throwable cause) {
            StringBuilder sb = new StringBuilder();
            sb.append("Randomized run failed on profile ").append(profile.name()).append(" (").append(profile.kernel())
                    .append(") at step ").append(step).append(": replay with -Dapqn.random.seed=").append(seed)
                    .append(" (per-machine seed; for in-test profiles BASE_SEED = seed - level ordinal)\n  ").append(message)
                    .append("\nLast steps:\n");
            log.forEach(l -> sb.append("  ").append(l).append('\n'));
            AssertionError e = new AssertionError(sb.toString(), cause);
            System.err.println(sb);
            return e;
        }

        // ------------------------------------------------------------------ helpers

        private <T> T pick(List<T> l) {
            return l.get(rnd.nextInt(l.size()));
        }

        private Optional<Errno> write(String path, String value) {
            try {
                fs.write(path, value);
                return Optional.empty();
            } catch (SysfsTimeoutException e) {
                return Optional.of(Errno.ETIMEDOUT);
            } catch (SysfsException e) {
                return Optional.of(e.errno());
            }
        }

        private String read(String path) {
            try {
                return fs.read(path);
            } catch (SysfsException e) {
                throw new AssertionError("read " + path + ": " + e.getMessage(), e);
            }
        }

        private boolean exists(String path) {
            try {
                return fs.exists(path);
            } catch (SysfsException e) {
                throw new AssertionError("exists " + path + ": " + e.getMessage(), e);
            }
        }

        private String w(String path, String value, Optional<Errno> r) {
            return "write " + ConformanceNode.show(value) + " > " + path + " → " + r.map(Enum::name).orElse("ok");
        }

        private List<String> queues() {
            List<String> out = new ArrayList<>();
            for (Apqn a : k.queueDevices()) {
                out.add(a.toString());
            }
            return out;
        }

        private String queueDir(String q) {
            return "/sys/devices/ap/card" + q.substring(0, 2) + "/" + q;
        }

        private String driverOf(String q) {
            String p = queueDir(q) + "/driver";
            if (!exists(p)) {
                return "";
            }
            try {
                return fs.readLink(p).map(t -> t.substring(t.lastIndexOf('/') + 1)).orElse("");
            } catch (SysfsException e) {
                return "";
            }
        }

        private List<String> mdevs() {
            if (!exists("/sys/devices/vfio_ap/matrix")) {
                return List.of();
            }
            try {
                return fs.list("/sys/devices/vfio_ap/matrix").stream().filter(s -> InvariantChecker.UUID.matcher(s).matches()).toList();
            } catch (SysfsException e) {
                return List.of();
            }
        }

        private List<String> mdevPool() {
            List<String> pool = new ArrayList<>(UUIDS);
            for (String m : mdevs()) {
                if (!pool.contains(m)) {
                    pool.add(m);
                }
            }
            return pool;
        }

        private String number(int id) {
            return switch (rnd.nextInt(5)) {
                case 0 -> "0x" + Integer.toHexString(id);
                case 1 -> id == 0 ? "0" : "0" + Integer.toOctalString(id);
                case 2 -> id + "\n";
                default -> Integer.toString(id);
            };
        }

        private String junk() {
            return pick(List.of("", "\n", "x", "+", "-", "0X5", " 1", "1 ", "+1,2", "0x" + "f".repeat(65), "-5-3", "+300",
                    "1,2,3", "\n\n", "0xZZ", "abc"));
        }

        private String randomMask() {
            StringBuilder sb = new StringBuilder(rnd.nextBoolean() ? "0x" : "");
            int digits = rnd.nextInt(65);
            for (int i = 0; i < digits; i++) {
                sb.append(rnd.nextInt(4) == 0 ? Character.forDigit(rnd.nextInt(16), 16) : 'f');
            }
            return sb.append(rnd.nextBoolean() ? "\n" : "").toString();
        }

        private String relativeMask(List<Integer> ids) {
            StringBuilder sb = new StringBuilder();
            int terms = 1 + rnd.nextInt(3);
            for (int i = 0; i < terms; i++) {
                if (i > 0) {
                    sb.append(pick(List.of(",", "\n", "")));
                }
                int a = pick(ids);
                a = Math.min(a, 255);
                sb.append(rnd.nextBoolean() ? '+' : '-').append(number(a).strip());
                if (rnd.nextInt(4) == 0) {
                    int b = Math.min(255, a + rnd.nextInt(3));
                    sb.append('-').append(b);
                }
            }
            return sb.append(rnd.nextBoolean() ? "\n" : "").toString();
        }

        // ------------------------------------------------------------------ operations

        private String randomOperation() {
            int r = rnd.nextInt(100);
            String op;
            String result;
            if (r < 14) {
                op = "mask";
                result = maskWrite();
            } else if (r < 24) {
                op = "bind/unbind";
                result = bindUnbind();
            } else if (r < 27) {
                op = "drivers_probe";
                result = driversProbe();
            } else if (r < 31) {
                op = "driver_override";
                result = driverOverride();
            } else if (r < 36) {
                op = "create/remove";
                result = createRemove();
            } else if (r < 54) {
                op = "assign/unassign";
                result = assignUnassign();
            } else if (r < 59) {
                op = "ap_config";
                result = apConfig();
            } else if (r < 66) {
                op = "guest";
                result = guest();
            } else if (r < 71) {
                op = "card config/online";
                result = cardConfigOnline();
            } else if (r < 75) {
                op = "scan";
                Optional<Errno> e = write("/sys/bus/ap/scans", "1\n");
                result = w("/sys/bus/ap/scans", "1\n", e);
            } else if (r < 79) {
                op = "host config";
                result = hostConfig();
            } else if (r < 93) {
                op = "traffic";
                result = traffic();
            } else {
                op = "queue attrs";
                result = queueAttrs();
            }
            opCounts.merge(op, 1, Integer::sum);
            return result;
        }

        private String maskWrite() {
            String m = rnd.nextBoolean() ? "apmask" : "aqmask";
            String path = "/sys/bus/ap/" + m;
            String value = switch (rnd.nextInt(6)) {
                case 0, 1, 2 -> relativeMask(m.equals("apmask") ? adapters : domains);
                case 3 -> randomMask();
                case 4 -> ConformanceNode.ALL_ONES;
                default -> junk();
            };
            String before = read(path);
            ApMask cur = ApMask.parseSysfs(before);
            ApMask next = null;
            try {
                // a zero-length write() never reaches the store handler: the mask stays
                next = value.isEmpty() ? cur : ApMask.parseWrite(value, cur);
            } catch (ApSyntaxException e) {
                // expected EINVAL (unless a driver_override refuses first)
            }
            boolean anyOverride = caps.driverOverride() && queues().stream().anyMatch(q -> !read(queueDir(q) + "/driver_override").equals("\n"));
            // the veto's expected answer, from sysfs: any assigned APQN in (new bits × other mask)?
            boolean vetoExpected = false;
            if (next != null && caps.maskInUseVeto() && exists("/sys/bus/ap/drivers/vfio_ap")) {
                ApMask added = next.andNot(cur);
                ApMask other = ApMask.parseSysfs(read("/sys/bus/ap/" + (m.equals("apmask") ? "aqmask" : "apmask")));
                for (String u : mdevs()) {
                    dev.apqn.ap.Matrix mx = dev.apqn.ap.Matrix.parseMatrixText(read("/sys/devices/vfio_ap/matrix/" + u + "/matrix"));
                    ApMask mine = m.equals("apmask") ? mx.adapters() : mx.domains();
                    ApMask theirs = m.equals("apmask") ? mx.domains() : mx.adapters();
                    if (added.intersects(mine) && other.intersects(theirs)) {
                        vetoExpected = true;
                    }
                }
            }
            Optional<Errno> e = write(path, value);
            String after = read(path);
            if (e.isPresent()) {
                if (!after.equals(before)) {
                    fail("inv4: a refused " + m + " write (" + e.get() + ") changed the mask");
                }
                if (next == null && !anyOverride && e.get() != Errno.EINVAL) {
                    fail("§2.1: invalid " + m + " " + ConformanceNode.show(value) + " gave " + e.get() + ", expected EINVAL");
                }
                if (next != null && !anyOverride && !next.equals(cur) && e.get() == Errno.EBUSY && !vetoExpected) {
                    fail("inv5: " + m + " write vetoed with EBUSY though no assigned APQN is in the new bits × other mask");
                }
                if (next != null && !anyOverride && e.get() != Errno.EBUSY) {
                    fail("§1.2: valid " + m + " write failed with " + e.get());
                }
            } else {
                if (next == null) {
                    fail("§2.1: invalid " + m + " " + ConformanceNode.show(value) + " was accepted");
                }
                if (anyOverride && !next.equals(cur)) {
                    fail("§3.3: " + m + " changed while a driver_override is set");
                }
                if (vetoExpected && !next.equals(cur)) {
                    fail("inv5: " + m + " write that gives an assigned APQN to the host was not vetoed");
                }
                if (!after.equals(next.toSysfs())) {
                    fail("inv4: " + m + " reads " + ConformanceNode.show(after) + " after writing " + ConformanceNode.show(value));
                }
            }
            return w(path, value, e);
        }

        private String bindUnbind() {
            List<String> qs = queues();
            if (qs.isEmpty()) {
                return "no queues";
            }
            String q = pick(qs);
            List<String> drivers = new ArrayList<>(List.of("cex4queue", "cex4card"));
            if (exists("/sys/bus/ap/drivers/vfio_ap")) {
                drivers.add("vfio_ap");
            }
            String drv = pick(drivers);
            boolean bind = rnd.nextBoolean();
            String dev = drv.equals("cex4card") && rnd.nextBoolean() ? "card" + q.substring(0, 2) : q;
            String path = "/sys/bus/ap/drivers/" + drv + "/" + (bind ? "bind" : "unbind");
            String before = dev.startsWith("card") ? "" : driverOf(q);
            Optional<Errno> e = write(path, dev + (rnd.nextBoolean() ? "\n" : ""));
            if (!dev.startsWith("card")) {
                String after = driverOf(q);
                if (bind) {
                    if (e.isEmpty() && !after.equals(drv)) {
                        fail("bind of " + q + " to " + drv + " succeeded but the driver link is '" + after + "'");
                    }
                    if (e.isEmpty() && !before.isEmpty()) {
                        fail("bind of already bound " + q + " succeeded (§11.3: EBUSY)");
                    }
                    if (e.isPresent() && !after.equals(before)) {
                        fail("refused bind of " + q + " changed its driver");
                    }
                } else {
                    if (before.equals(drv) != e.isEmpty()) {
                        fail("unbind of " + q + " from " + drv + " (bound to '" + before + "') → " + e);
                    }
                    if (e.isEmpty() && !after.isEmpty()) {
                        fail("unbind left " + q + " bound to " + after);
                    }
                }
            }
            return w(path, dev, e);
        }

        private String driversProbe() {
            List<String> qs = queues();
            String dev = qs.isEmpty() || rnd.nextInt(8) == 0 ? "3f.00ff" : pick(qs);
            Optional<Errno> e = write("/sys/bus/ap/drivers_probe", dev + "\n");
            return w("/sys/bus/ap/drivers_probe", dev, e);
        }

        private String driverOverride() {
            if (!caps.driverOverride() || queues().isEmpty()) {
                return bindUnbind();
            }
            String q = pick(queues());
            String v = pick(List.of("vfio_ap\n", "cex4queue\n", "\n", "", "vfio_ap"));
            boolean allOnes = read("/sys/bus/ap/apmask").equals(ConformanceNode.ALL_ONES) && read("/sys/bus/ap/aqmask").equals(ConformanceNode.ALL_ONES);
            String path = queueDir(q) + "/driver_override";
            Optional<Errno> e = write(path, v);
            if (!allOnes && e.isEmpty() && !v.isEmpty()) { // zero-length: a no-op, never refused
                fail("§3.3: driver_override accepted while masks are not all ones");
            }
            if (allOnes && e.isPresent()) {
                fail("§3.3: driver_override refused with " + e.get() + " while masks are all ones");
            }
            // let the override take effect sometimes, as an admin would
            if (e.isEmpty() && rnd.nextBoolean()) {
                String d = driverOf(q);
                if (!d.isEmpty()) {
                    write("/sys/bus/ap/drivers/" + d + "/unbind", q);
                }
                write("/sys/bus/ap/drivers_probe", q);
            }
            return w(path, v, e);
        }

        private String createRemove() {
            String type = "/sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/";
            if (!exists(type)) {
                return "vfio_ap not loaded";
            }
            String u = pick(mdevPool());
            if (rnd.nextInt(3) > 0 && !mdevs().contains(u)) {
                String v = (rnd.nextBoolean() ? u.toUpperCase(Locale.ROOT) : u) + (rnd.nextBoolean() ? "\n" : "");
                if (rnd.nextInt(10) == 0) {
                    v = u.substring(1);
                }
                Optional<Errno> e = write(type + "create", v);
                return w(type + "create", v, e);
            }
            if (!mdevs().contains(u)) {
                Optional<Errno> e = write(type + "create", u);
                if (e.isEmpty() || e.get() != Errno.EEXIST) {
                    return w(type + "create", u, e);
                }
            }
            String path = "/sys/devices/vfio_ap/matrix/" + u + "/remove";
            if (!exists(path)) {
                return "no mdev " + u;
            }
            String v = pick(List.of("1\n", "1", "0", "x"));
            Optional<Errno> e = write(path, v);
            if (e.isPresent() && e.get() == Errno.ETIMEDOUT) {
                if (!caps.removeBlocks() || !attached.containsKey(u)) {
                    fail("remove of " + u + " blocked though " + (attached.containsKey(u) ? "the kernel is legacy" : "no guest holds it"));
                }
                pendingRemove.add(u);
            }
            return w(path, v, e);
        }

        private String assignUnassign() {
            List<String> ms = mdevs();
            if (ms.isEmpty()) {
                return createRemove();
            }
            String u = pick(ms);
            String what = pick(List.of("adapter", "domain", "control_domain"));
            boolean assign = rnd.nextInt(3) > 0;
            int id = what.equals("adapter") ? pick(adapters) : pick(domains);
            String value = rnd.nextInt(12) == 0 ? junk() : number(id);
            String path = "/sys/devices/vfio_ap/matrix/" + u + "/" + (assign ? "assign_" : "unassign_") + what;
            String before = read("/sys/devices/vfio_ap/matrix/" + u + "/matrix") + read("/sys/devices/vfio_ap/matrix/" + u + "/control_domains");
            Optional<Errno> e = write(path, value);
            String after = read("/sys/devices/vfio_ap/matrix/" + u + "/matrix") + read("/sys/devices/vfio_ap/matrix/" + u + "/control_domains");
            if (e.isPresent() && !after.equals(before)) {
                fail("a refused " + path + " (" + e.get() + ") changed the mdev");
            }
            if (e.isEmpty() && !value.isEmpty()) {
                // inv 11: repeating the same write succeeds and changes nothing
                Optional<Errno> again = write(path, value);
                String twice = read("/sys/devices/vfio_ap/matrix/" + u + "/matrix") + read("/sys/devices/vfio_ap/matrix/" + u + "/control_domains");
                if (again.isPresent() || !twice.equals(after)) {
                    fail("inv11: repeating " + path + " " + ConformanceNode.show(value) + " → " + again + ", matrix changed: " + !twice.equals(after));
                }
            }
            if (e.isPresent() && e.get() == Errno.EBUSY && (caps.dynamic() || !attached.containsKey(u))) {
                fail("§1.8: " + path + " EBUSY on a " + (caps.dynamic() ? "6.0+ kernel" : "legacy kernel without a guest"));
            }
            if (!caps.dynamic() && attached.containsKey(u) && !value.isEmpty() && (e.isEmpty() || e.get() != Errno.EBUSY)) {
                fail("§5.9: legacy " + path + " while a guest is attached gave " + e.map(Enum::name).orElse("success") + ", expected EBUSY");
            }
            return w(path, value, e);
        }

        private String apConfig() {
            List<String> ms = mdevs();
            if (!caps.apConfig() || ms.isEmpty()) {
                return assignUnassign();
            }
            String u = pick(ms);
            String path = "/sys/devices/vfio_ap/matrix/" + u + "/ap_config";
            String value;
            if (rnd.nextInt(8) == 0) {
                value = junk();
            } else {
                ApMask apm = ApMask.none();
                ApMask aqm = ApMask.none();
                ApMask adm = ApMask.none();
                for (int i = rnd.nextInt(3); i > 0; i--) {
                    apm = apm.with(Math.min(255, pick(adapters)));
                }
                for (int i = rnd.nextInt(3); i > 0; i--) {
                    aqm = aqm.with(Math.min(255, pick(domains)));
                }
                for (int i = rnd.nextInt(2); i > 0; i--) {
                    adm = adm.with(Math.min(255, pick(domains)));
                }
                value = new dev.apqn.ap.Matrix(apm, aqm, adm).toApConfigText();
            }
            String before = read(path);
            Optional<Errno> e = write(path, value);
            String after = read(path);
            if (e.isPresent() && !after.equals(before)) {
                fail("inv19: refused ap_config write (" + e.get() + ") changed ap_config");
            }
            if (e.isEmpty() && value.length() > 10 && value.endsWith("\n") && !after.equals(value)) {
                fail("inv19: ap_config reads " + ConformanceNode.show(after) + " after writing " + ConformanceNode.show(value));
            }
            return w(path, value, e);
        }

        private String guest() {
            List<String> ms = mdevs();
            int r = rnd.nextInt(4);
            if (r == 0 && !attached.isEmpty()) {
                String u = pick(List.copyOf(attached.keySet()));
                String g = attached.remove(u);
                k.detachGuest(g);
                if (pendingRemove.remove(u) && mdevs().contains(u)) {
                    fail("blocked remove of " + u + " did not complete when guest " + g + " detached");
                }
                return "QEMU close " + g + " (" + u + ")";
            }
            if (r == 1 && !attached.isEmpty()) {
                String g = pick(List.copyOf(attached.values()));
                k.resetGuestDevice(g);
                return "QEMU VFIO_DEVICE_RESET " + g;
            }
            if (ms.isEmpty()) {
                return "no mdev to attach";
            }
            String u = pick(ms);
            String g = pick(GUESTS);
            try {
                k.attachGuest(u, g);
                attached.put(u, g);
                return "QEMU open " + u + " for " + g + " → ok";
            } catch (SimKernelException e) {
                boolean guestBusy = attached.containsValue(g);
                boolean mdevBusy = attached.containsKey(u);
                Errno expected = mdevBusy ? Errno.EBUSY : guestBusy ? Errno.EPERM : null;
                if (expected == null || e.errno() != expected) {
                    fail("inv14: attaching " + g + " to " + u + " gave " + e.errno() + " (mdev busy " + mdevBusy + ", guest busy " + guestBusy + ")");
                }
                return "QEMU open " + u + " for " + g + " → " + e.errno();
            }
        }

        private String cardConfigOnline() {
            List<Integer> cards = k.cardDevices();
            if (cards.isEmpty()) {
                return "no cards";
            }
            int a = pick(cards);
            String dir = String.format("/sys/devices/ap/card%02x", a);
            int r = rnd.nextInt(4);
            if (r == 0) {
                String v = pick(List.of("0\n", "1\n", "1", "2"));
                Optional<Errno> e = write(dir + "/config", v);
                return w(dir + "/config", v, e);
            }
            if (r == 1 && exists(dir + "/online")) {
                String v = pick(List.of("0\n", "1\n", "x"));
                Optional<Errno> e = write(dir + "/online", v);
                return w(dir + "/online", v, e);
            }
            if (r == 2) {
                boolean stop = rnd.nextInt(3) == 0;
                k.setCheckstop(a, stop);
                return "firmware: checkstop " + a + " = " + stop + " (visible at next scan)";
            }
            List<String> qs = queues().stream().filter(q -> q.startsWith(String.format("%02x.", a))).toList();
            if (qs.isEmpty()) {
                return "no queues on card " + a;
            }
            String q = pick(qs);
            String p = queueDir(q) + "/online";
            if (!exists(p)) {
                return "no online attribute on " + q;
            }
            String v = pick(List.of("0\n", "1\n", "1"));
            Optional<Errno> e = write(p, v);
            return w(p, v, e);
        }

        private String hostConfig() {
            ApMask apm = ApMask.none();
            for (int a : profile.cardIds().idList().stream().limit(16).toList()) {
                if (rnd.nextInt(5) > 0) {
                    apm = apm.with(a);
                }
            }
            apm = apm.or(profile.hostConfig().adapters().andNot(profile.cardIds()));
            ApMask aqm = ApMask.none();
            for (int d : domains) {
                if (d <= maxD && rnd.nextInt(4) > 0) {
                    aqm = aqm.with(d);
                }
            }
            ApMask adm = aqm.or(rnd.nextBoolean() ? ApMask.of(Math.min(maxD, 14)) : ApMask.none());
            k.setHostConfiguration(apm, aqm, adm);
            boolean scan = rnd.nextBoolean();
            Optional<Errno> e = scan ? write("/sys/bus/ap/scans", "1") : Optional.empty();
            return "firmware: host config apm=" + apm.toRangeList() + " aqm=" + aqm.toRangeList() + " adm=" + adm.toRangeList()
                    + (scan ? "; scan " + e.map(Enum::name).orElse("ok") : "");
        }

        private String traffic() {
            ZcryptTraffic t = k.traffic();
            int r = rnd.nextInt(4);
            if (r == 0) {
                int n = 1 + rnd.nextInt(8);
                t.submitRandom(n, 0.2);
                return "zcrypt: submit " + n;
            }
            if (r == 1) {
                return "zcrypt: step → " + t.step() + " events";
            }
            if (r == 2) {
                return "zcrypt: tick → " + t.tick(1 + rnd.nextInt(10)) + " events";
            }
            t.submit(rnd.nextInt(5) == 0 ? Kind.ADMIN : Kind.NORMAL);
            return "zcrypt: sendAll " + t.sendAll();
        }

        private String queueAttrs() {
            List<String> qs = queues();
            if (qs.isEmpty()) {
                return "no queues";
            }
            String q = pick(qs);
            String attr = pick(List.of("reset", "request_count"));
            Optional<Errno> e = write(queueDir(q) + "/" + attr, "1\n");
            return w(queueDir(q) + "/" + attr, "1\n", e);
        }
    }
}
