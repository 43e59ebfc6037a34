package dev.apqn.apbus.sim;

import dev.apqn.ap.ApDriver;
import dev.apqn.ap.ApMask;
import dev.apqn.ap.ApMdev;
import dev.apqn.ap.ApQueue;
import dev.apqn.ap.Apqn;
import dev.apqn.apbus.ApBus;
import dev.apqn.apbus.ApInventory;
import dev.apqn.apbus.NodeCapabilities;
import dev.apqn.apbus.SysfsApBus;
import dev.apqn.apbus.SysfsException;
import dev.apqn.apbus.tools.Lszcrypt;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

/**
 * The guided tour of the AP bus model ({@code make demo} until the operator exists): boots a
 * machine profile in the simulated kernel and walks one APQN through the seed procedure with the
 * production {@link SysfsApBus} — take it from the host with crypto traffic in flight, watch the
 * flush and zcrypt's retries, bind to vfio_ap, create an mdev, assign, show {@code matrix} and
 * {@code guest_matrix} — then gives it back, printing what the kernel model did at each step.
 *
 * <pre>
 * Tour [--profile NAME|PATH] [--apqn AA.DDDD] [--export DIR] [--seed N]
 * </pre>
 */
public final class Tour {

    private final PrintStream out;
    private final SimKernel kernel;
    private final SimSysfs sysfs;
    private final ApBus bus;
    private final Apqn apqn;
    private int step;

    Tour(MachineProfile profile, Apqn apqn, long seed, PrintStream out) {
        this.out = out;
        this.kernel = SimKernel.boot(profile, seed);
        this.sysfs = new SimSysfs(kernel);
        this.bus = new SysfsApBus(sysfs);
        this.apqn = apqn;
    }

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("tour: " + e.getMessage());
            System.err.println(Options.USAGE);
            System.exit(2);
            return;
        }
        MachineProfile profile;
        try {
            profile = MachineProfiles.resolve(o.profile());
        } catch (ProfileException e) {
            System.err.println("tour: " + e.getMessage());
            System.exit(2);
            return;
        }
        Tour tour = new Tour(profile, o.apqn(), o.seed(), System.out);
        tour.run();
        if (o.export() != null) {
            tour.export(o.export());
        }
    }

    /** Runs the whole tour; returns the kernel so tests can inspect the end state. */
    SimKernel run() throws SysfsException {
        MachineProfile p = kernel.profile();
        out.printf("apqn-operator tour of the AP bus model%n");
        out.printf("profile %s: %s (kernel capability set: %s)%n", p.name(), p.description(), p.kernel().yamlName());

        ApInventory inv = bus.inventory();
        if (!inv.queues().containsKey(apqn)) {
            throw new IllegalArgumentException("profile " + p.name() + " has no queue " + apqn
                    + "; pick one of its queues with --apqn, e.g. " + inv.queues().firstKey());
        }
        NodeCapabilities caps = inv.capabilities();
        section("What SysfsApBus detects from the files present (never from a version number)");
        out.printf("  ownership: %s, vfio_ap loaded: %s, guest_matrix: %s, ap_config: %s, queue status: %s%n",
                caps.ownership(), caps.vfioAp(), caps.guestMatrix(), caps.apConfig(), caps.queueStatus());
        out.printf("  bus features: %s, matrix features: %s, bindings: %s%n",
                caps.busFeaturesFile() ? caps.busFeatures() : "(no file)",
                caps.matrixFeaturesFile() ? caps.matrixFeatures() : "(no file)", inv.bus().bindings());
        section("lszcrypt -V (read from the virtual sysfs)");
        out.print(indent(new Lszcrypt(sysfs).verbose()));

        section("Host crypto traffic: zcrypt spreads requests over the host's queues");
        ZcryptTraffic traffic = kernel.traffic();
        traffic.submitRandom(40, 0.0);
        // requests that name domain d (as CCA and EP11 CPRBs do) can be served by any adapter with d
        ZcryptTarget sameDomain = ZcryptTarget.domains(apqn.domain());
        for (int i = 0; i < 8; i++) {
            traffic.submit(ZcryptRequest.Kind.NORMAL, sameDomain);
        }
        traffic.submit(ZcryptRequest.Kind.ADMIN, ZcryptTarget.apqn(apqn));
        traffic.step();
        out.printf("  %s%n", traffic.stats());

        boolean overrides = caps.ownership() == NodeCapabilities.Ownership.DRIVER_OVERRIDE;
        takeFromHost(overrides);

        UUID uuid = UUID.nameUUIDFromBytes(("apqn-tour/" + apqn).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        step("Create the mediated device " + uuid);
        bus.createMdev(uuid);
        out.printf("  wrote %s to .../mdev_supported_types/vfio_ap-passthrough/create%n", uuid);

        step("Assign adapter " + apqn.adapter() + ", domain " + apqn.domain() + " and control domain " + apqn.domain());
        bus.assignAdapter(uuid, apqn.adapter());
        bus.assignDomain(uuid, apqn.domain());
        bus.assignControlDomain(uuid, apqn.domain());
        showMdev(uuid);
        out.printf("  lszcrypt -V %02x:%n%s", apqn.adapter(), indent(indent(new Lszcrypt(sysfs).verbose(apqn.adapter()))));

        step("A KVM guest opens the mdev (what QEMU does with -device vfio-ap,sysfsdev=...)");
        kernel.attachGuest(uuid.toString(), "guest-1");
        out.printf("  the guest sees: %s%n", kernel.guestView("guest-1").map(Object::toString).orElse("nothing"));
        out.printf("  queue %s status: %s%n", apqn, bus.queue(apqn).vfioStatus().map(ApQueue.VfioStatus::text)
                .orElse("(no status file on this kernel)"));
        kernel.detachGuest("guest-1");
        out.printf("  guest stopped: the kernel zeroized %s (%d zeroize(s) so far)%n", apqn, kernel.zeroizeCount(apqn));

        giveBack(uuid, overrides);

        section("lszcrypt -V after giving everything back");
        out.print(indent(new Lszcrypt(sysfs).verbose()));
        traffic.drain();
        List<String> lost = traffic.checkNoRequestLost();
        out.printf("%nzcrypt totals: %s%n", traffic.stats());
        out.printf("no request lost: %s%n", lost.isEmpty() ? "yes" : "NO: " + lost);
        return kernel;
    }

    private void takeFromHost(boolean overrides) throws SysfsException {
        ApQueue before = bus.queue(apqn);
        ZcryptStats statsBefore = kernel.traffic().stats();
        out.printf("  in flight on %s before the takeover: %d queued (requestq_count) + %d sent (pendingq_count)%n",
                apqn, before.requestqCount(), before.pendingqCount());
        if (overrides) {
            step("Take " + apqn + " from the host: driver_override=vfio_ap, unbind from cex4queue, drivers_probe");
            ApQueue q = bus.moveToVfio(apqn);
            out.printf("  %s is now bound to %s; no other queue changed owner%n", apqn, q.driver().sysfsName());
        } else {
            ApMask aq = bus.readAqmask();
            List<Apqn> collateral = bus.inventory().queuesOf(apqn.adapter()).stream()
                    .map(ApQueue::apqn).filter(q -> aq.get(q.domain()) && !q.equals(apqn)).toList();
            step("Take " + apqn + " from the host: clear apmask bit " + apqn.adapter()
                    + " (ownership = apmask[a] AND aqmask[d], so the whole adapter leaves the host)");
            out.printf("  collateral: %d more queue(s) of adapter %d leave the host too: %s%n",
                    collateral.size(), apqn.adapter(), abbreviate(collateral));
            ApMask after = bus.editApmask(ApMask.none(), ApMask.of(apqn.adapter()));
            out.printf("  apmask now %s%n", after.toHex());
            out.printf("  %s is now bound to %s (the bus re-probed every queue whose owner flipped)%n",
                    apqn, bus.driverOf(apqn).sysfsName());
        }
        ZcryptStats statsAfter = kernel.traffic().stats();
        out.printf("  kernel: flushed the queues that left cex4queue; their requests completed with -EAGAIN%n");
        out.printf("  zcrypt: %d request(s) rescheduled to other APQNs, %d may execute twice (already sent),"
                        + " %d admin request(s) failed with EIO (never replayed), %d found no other queue (ENODEV)%n",
                statsAfter.rescheduled() - statsBefore.rescheduled(),
                statsAfter.duplicateExecutions() - statsBefore.duplicateExecutions(),
                statsAfter.failedEioAdmin() - statsBefore.failedEioAdmin(),
                statsAfter.failedEnodev() - statsBefore.failedEnodev());
        out.printf("  kernel: zeroized %s on leaving cex4queue (%d zeroize(s))%n", apqn, kernel.zeroizeCount(apqn));
        if (bus.driverOf(apqn) != ApDriver.VFIO_AP) {
            throw new IllegalStateException(apqn + " did not reach vfio_ap");
        }
    }

    private void giveBack(UUID uuid, boolean overrides) throws SysfsException {
        step("Give " + apqn + " back: unassign, remove the mdev, return the queue to the host");
        bus.unassignControlDomain(uuid, apqn.domain());
        bus.unassignDomain(uuid, apqn.domain());
        bus.unassignAdapter(uuid, apqn.adapter());
        bus.removeMdev(uuid);
        out.printf("  mdev %s removed (available_instances back to %s)%n", uuid,
                sysfs.read("/sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/available_instances").strip());
        if (overrides) {
            bus.returnToHost(apqn);
        } else {
            ApMask after = bus.editApmask(ApMask.of(apqn.adapter()), ApMask.none());
            out.printf("  apmask back to %s%n", after.toHex());
        }
        out.printf("  %s is bound to %s again%n", apqn, bus.driverOf(apqn).sysfsName());
    }

    private void showMdev(UUID uuid) throws SysfsException {
        ApMdev m = bus.mdev(uuid).orElseThrow();
        String dir = "/sys/devices/vfio_ap/matrix/" + uuid;
        out.printf("  %s/matrix:%n%s", dir, indent(indent(sysfs.read(dir + "/matrix"))));
        out.printf("  %s/control_domains:%n%s", dir, indent(indent(sysfs.read(dir + "/control_domains"))));
        if (m.guestMatrix().isPresent()) {
            out.printf("  %s/guest_matrix (what a guest gets):%n%s", dir, indent(indent(sysfs.read(dir + "/guest_matrix"))));
        } else {
            out.printf("  (no guest_matrix on this kernel: a guest gets exactly the matrix)%n");
        }
    }

    void export(Path dir) throws IOException {
        new SysfsTreeExporter(sysfs).export(dir);
        out.printf("%nexported the simulated sysfs to %s (try: find %s/sys/bus/ap -maxdepth 1)%n", dir, dir);
    }

    private void step(String title) {
        out.printf("%n%d. %s%n", ++step, title);
    }

    private void section(String title) {
        out.printf("%n== %s%n", title);
    }

    private static String indent(String text) {
        return text.isEmpty() ? "    (empty)\n" : text.lines().map(l -> "  " + l).reduce("", (a, b) -> a + b + "\n");
    }

    private static String abbreviate(List<Apqn> apqns) {
        if (apqns.size() <= 6) {
            return apqns.toString();
        }
        return "[" + apqns.get(0) + ", " + apqns.get(1) + ", ... , " + apqns.get(apqns.size() - 1) + "]";
    }

    /** Command line of the tour. */
    record Options(String profile, Apqn apqn, Path export, long seed) {

        static final String USAGE = "usage: Tour [--profile NAME|PATH] [--apqn AA.DDDD] [--export DIR] [--seed N]";

        static Options parse(String[] args) {
            String profile = "mask-mode-apconfig";
            Apqn apqn = Apqn.of(5, 4);
            Path export = null;
            long seed = 42;
            for (int i = 0; i < args.length; i++) {
                String value = i + 1 < args.length ? args[i + 1] : null;
                switch (args[i]) {
                    case "--profile" -> profile = require(args[i], value);
                    case "--apqn" -> apqn = Apqn.parse(require(args[i], value));
                    case "--export" -> export = Path.of(require(args[i], value));
                    case "--seed" -> seed = Long.parseLong(require(args[i], value));
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
                i++;
            }
            return new Options(profile, apqn, export, seed);
        }

        private static String require(String option, String value) {
            if (value == null || value.isBlank()) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return value;
        }
    }
}
