package dev.apqn.apbus.sim.fuse;

import dev.apqn.apbus.sim.MachineProfile;
import dev.apqn.apbus.sim.MachineProfiles;
import dev.apqn.apbus.sim.SimKernel;
import dev.apqn.apbus.sim.SimSysfs;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * A simulated node kernel whose sysfs is a real file system: boots a {@link SimKernel} from a
 * machine profile and serves its {@link SimSysfs} at a mount point, so that the agent's production
 * backend ({@code FileSysfs} over that directory: real open/read/write, real errnos) and any sysfs
 * reader ({@code ls}, {@code cat}, lszcrypt-like tools) work against the model, and the kernel's
 * state lives in this process, not in the agent: an agent restart keeps it; restarting this
 * process is a node reboot (boot defaults of the profile).
 *
 * <p>Run as its own small program ({@link #main}), not as a role of the Quarkus application: it
 * needs neither Kubernetes credentials nor an HTTP server, and it runs privileged (mounting), so
 * it should carry as little as possible. From the image (fast-jar layout):
 * {@code java -cp '/deployments/app/*:/deployments/lib/boot/*:/deployments/lib/main/*' dev.apqn.apbus.sim.fuse.SimKernelFs
 * --mount /var/run/apqn-simkernel --profile mask-mode-apconfig --seed 1}.
 *
 * <p>Blocking calls (a held write, an mdev remove while a guest holds the device) wait up to the
 * call timeout (default 10 minutes, longer than any client timeout, so the writer's own timeout is
 * what fires, as on a real kernel); past it the writer's {@code write()} fails with ETIMEDOUT.
 */
public final class SimKernelFs implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(SimKernelFs.class);
    public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofMinutes(10);

    private final SimKernel kernel;
    private final SimSysfs sysfs;
    private final FuseMount mount;

    private SimKernelFs(SimKernel kernel, SimSysfs sysfs, FuseMount mount) {
        this.kernel = kernel;
        this.sysfs = sysfs;
        this.mount = mount;
    }

    /** Boots {@code profile} with {@code seed} and mounts its sysfs at {@code mountPoint}. */
    public static SimKernelFs start(Path mountPoint, MachineProfile profile, long seed, Duration callTimeout) {
        SimKernel kernel = SimKernel.boot(profile, seed);
        SimSysfs sysfs = new SimSysfs(kernel).withCallTimeout(callTimeout);
        return new SimKernelFs(kernel, sysfs, FuseMount.mount(mountPoint, new SimSysfsOperations(sysfs)));
    }

    /** Serves an existing model (tests that drive the kernel directly too). */
    public static FuseMount serve(Path mountPoint, SimSysfs sysfs) {
        return FuseMount.mount(mountPoint, new SimSysfsOperations(sysfs));
    }

    /** Serves another model on an existing mount from now on (a test booting a kernel per case). */
    public static void replace(FuseMount mount, SimSysfs next) {
        mount.operations().serve(next);
    }

    public SimKernel kernel() {
        return kernel;
    }

    /** The model's own port (fault injection, call timeout). */
    public SimSysfs sysfs() {
        return sysfs;
    }

    public Path mountPoint() {
        return mount.mountPoint();
    }

    public void awaitUnmounted() throws InterruptedException {
        mount.awaitUnmounted();
    }

    /** Unmounts; the kernel's state is gone with it (the next start is a reboot). */
    @Override
    public void close() {
        mount.close();
    }

    // ------------------------------------------------------------------------------------ main

    /**
     * The command line: {@code --mount DIR --profile NAME|FILE [--seed N] [--call-timeout ISO-8601]
     * [--boot-id-file FILE]}.
     */
    record Options(Path mountPoint, String profile, long seed, Duration callTimeout, Optional<Path> bootIdFile) {

        static final String USAGE = "usage: SimKernelFs --mount DIR --profile NAME|FILE [--seed N] [--call-timeout PT10M]"
                + " [--boot-id-file FILE]\n"
                + "  (or env APQN_SIMKERNEL_MOUNT, APQN_SIMKERNEL_PROFILE, APQN_SIMKERNEL_SEED, APQN_SIMKERNEL_BOOT_ID_FILE;\n"
                + "  the seed defaults to the hash of APQN_NODE_NAME, as the agent's in-process simulated backend does;\n"
                + "  the boot id file gets a new id at every start, the agent's apqn.agent.boot-id-file)";

        static Options parse(String[] args, Map<String, String> env) {
            Map<String, String> given = new HashMap<>();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (!a.startsWith("--") || i + 1 >= args.length) {
                    throw new IllegalArgumentException("unexpected argument " + a + "\n" + USAGE);
                }
                given.put(a.substring(2), args[++i]);
            }
            String mount = given.getOrDefault("mount", env.get("APQN_SIMKERNEL_MOUNT"));
            String profile = given.getOrDefault("profile", env.get("APQN_SIMKERNEL_PROFILE"));
            if (mount == null || mount.isBlank() || profile == null || profile.isBlank()) {
                throw new IllegalArgumentException("a mount point and a machine profile are required\n" + USAGE);
            }
            String seedText = given.getOrDefault("seed", env.get("APQN_SIMKERNEL_SEED"));
            long seed = seedText != null ? Long.parseLong(seedText)
                    : Objects.requireNonNullElse(env.get("APQN_NODE_NAME"), "").hashCode();
            Duration timeout = given.containsKey("call-timeout") ? Duration.parse(given.get("call-timeout"))
                    : DEFAULT_CALL_TIMEOUT;
            String bootId = given.getOrDefault("boot-id-file", env.get("APQN_SIMKERNEL_BOOT_ID_FILE"));
            return new Options(Path.of(mount), profile, seed, timeout,
                    Optional.ofNullable(bootId).filter(b -> !b.isBlank()).map(Path::of));
        }
    }

    /**
     * Writes a new boot id (as {@code /proc/sys/kernel/random/boot_id} has one per boot): an agent
     * reading it sees that this start is a reboot and discards its intent ledger. Written whole
     * (temporary file, then rename), so a reader never sees half of it.
     */
    static String writeBootId(Path file) throws IOException {
        String id = UUID.randomUUID().toString();
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".boot_id", ".tmp");
        Files.writeString(tmp, id + "\n");
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return id;
    }

    /** Mounts, then serves until SIGTERM/SIGINT (the JVM's shutdown hook unmounts) or an outside unmount. */
    public static void main(String[] args) throws InterruptedException {
        Options o;
        try {
            o = Options.parse(args, System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        long t0 = System.nanoTime();
        SimKernelFs fs = start(o.mountPoint(), MachineProfiles.resolve(o.profile()), o.seed(), o.callTimeout());
        // the boot id after the mount: an agent that sees the new id also sees the new kernel
        if (o.bootIdFile().isPresent()) {
            try {
                LOG.infof("simkernel: boot id %s in %s", writeBootId(o.bootIdFile().get()), o.bootIdFile().get());
            } catch (IOException e) {
                fs.close();
                System.err.println("simkernel: cannot write the boot id file " + o.bootIdFile().get() + ": " + e);
                System.exit(1);
                return;
            }
        }
        LOG.infof("simkernel: profile %s (kernel %s), seed %d, mounted at %s in %d ms; control files in %s",
                fs.kernel().profile().name(), fs.kernel().level(), o.seed(), fs.mountPoint(),
                (System.nanoTime() - t0) / 1_000_000, fs.mountPoint().resolve(SimDebugFiles.DIR.substring(1)));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            fs.close();
            // stderr, not the logger: java.util.logging may already be shut down by its own hook
            System.err.println("simkernel: " + fs.mountPoint() + " unmounted; the kernel's state is gone (next start = reboot)");
        }, "simkernel-unmount"));
        fs.awaitUnmounted();
        LOG.infof("simkernel: %s is no longer mounted; exiting", fs.mountPoint());
    }
}
