package dev.apqn.apbus.sim.fuse;

import com.sun.jna.CallbackThreadInitializer;
import com.sun.jna.LastErrorException;
import com.sun.jna.Pointer;
import com.sun.jna.StringArray;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A mounted FUSE file system served by {@link SimSysfsOperations} on libfuse 3's multi-threaded
 * loop (a held or blocked call does not stop other files from being read, as on a real kernel).
 *
 * <p>Mount options: {@code allow_other} (the agent may run as another user) with
 * {@code default_permissions} (the kernel checks modes for non-root users, as for sysfs), no
 * attribute, entry or negative caching (every stat and lookup reaches the model: the tree changes
 * with every write; files are opened with {@code direct_io}, see {@link SimSysfsOperations}),
 * file system type {@code fuse.simkernel}.
 *
 * <p>{@link #close} unmounts lazily, interrupts model calls still in progress, waits for the loop to
 * end and frees libfuse's state: no mount is left behind. A mount point still mounted by a killed
 * earlier server ({@code fuse.simkernel} in {@code /proc/mounts}, "Transport endpoint is not
 * connected") is unmounted first, so a restart after SIGKILL works.
 */
public final class FuseMount implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(FuseMount.class);
    static final String FS_TYPE = "fuse.simkernel";
    private static final String OPTIONS = "fsname=simkernel,subtype=simkernel,allow_other,default_permissions,"
            + "entry_timeout=0,attr_timeout=0,negative_timeout=0";
    private static final Duration LOOP_EXIT_WAIT = Duration.ofSeconds(30);

    private final Path mountPoint;
    private final SimSysfsOperations operations;
    private final LibFuse3.FuseOperations nativeOps; // keeps the callbacks reachable while mounted
    private final Pointer fuse;
    private final Pointer loopConfig;
    private final Thread loop;
    private final CountDownLatch loopEnded = new CountDownLatch(1);
    private volatile int loopResult;
    private boolean closed;

    private FuseMount(Path mountPoint, SimSysfsOperations operations, LibFuse3.FuseOperations nativeOps, Pointer fuse,
                      Pointer loopConfig) {
        this.mountPoint = mountPoint;
        this.operations = operations;
        this.nativeOps = nativeOps;
        this.fuse = fuse;
        this.loopConfig = loopConfig;
        this.loop = new Thread(this::runLoop, "simkernel-fuse-loop " + mountPoint);
        this.loop.setDaemon(true);
    }

    /** Mounts {@code operations} at {@code mountPoint} (created if missing) and starts serving. */
    static FuseMount mount(Path mountPoint, SimSysfsOperations operations) {
        Path dir = mountPoint.toAbsolutePath().normalize();
        if (!Files.exists(Path.of("/dev/fuse"))) {
            throw new FuseUnavailableException("/dev/fuse is missing: load the fuse module, or give the container "
                    + "the device (--device /dev/fuse)", null);
        }
        LibFuse3 lib = Libraries.lib();
        clearStaleMount(dir);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the mount point " + dir, e);
        }
        LibFuse3.FuseOperations ops = operations.operations();
        CallbackThreadInitializer daemonThreads = new CallbackThreadInitializer(true, false, "simkernel-fuse");
        ops.callbacks().forEach(cb -> com.sun.jna.Native.setCallbackThreadInitializer(cb, daemonThreads));
        ops.write();
        LibFuse3.FuseArgs args = new LibFuse3.FuseArgs();
        StringArray argv = new StringArray(new String[]{"simkernel", "-o", OPTIONS});
        args.argc = 3;
        args.argv = argv;
        args.allocated = 0;
        Pointer fuse = lib.fuse_new(args, ops, ops.size(), null);
        lib.fuse_opt_free_args(args);
        if (fuse == null) {
            throw new FuseUnavailableException("libfuse refused to create the file system (options " + OPTIONS
                    + "; libfuse printed the reason on stderr)", null);
        }
        if (lib.fuse_mount(fuse, dir.toString()) != 0) {
            lib.fuse_destroy(fuse);
            throw new FuseUnavailableException("mounting " + dir + " failed (libfuse printed the reason on stderr; "
                    + "mounting needs root or fusermount3 with /dev/fuse)", null);
        }
        FuseMount m = new FuseMount(dir, operations, ops, fuse, lib.fuse_loop_cfg_create());
        m.loop.start();
        LOG.infof("simulated kernel's sysfs mounted at %s (%s)", dir, FS_TYPE);
        return m;
    }

    private void runLoop() {
        try {
            loopResult = Libraries.lib().fuse_loop_mt(fuse, loopConfig);
        } finally {
            loopEnded.countDown();
        }
    }

    public Path mountPoint() {
        return mountPoint;
    }

    SimSysfsOperations operations() {
        return operations;
    }

    /** Blocks until the file system is unmounted, by {@link #close} or from outside (umount). */
    public void awaitUnmounted() throws InterruptedException {
        loopEnded.await();
    }

    /** True while the loop serves requests. */
    public boolean serving() {
        return loopEnded.getCount() > 0;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        unmount(mountPoint);
        operations.interruptCallsInProgress();
        boolean ended;
        try {
            ended = loopEnded.await(LOOP_EXIT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ended = false;
        }
        if (!ended) {
            // Freeing libfuse's state under a running loop would crash the JVM; the process exit
            // closes /dev/fuse, which ends the connection anyway.
            LOG.errorf("the FUSE loop of %s did not end within %s (a file is still held open?); leaving it to process exit",
                    mountPoint, LOOP_EXIT_WAIT);
            return;
        }
        LibFuse3 lib = Libraries.lib();
        lib.fuse_unmount(fuse); // closes /dev/fuse; the mount itself is already gone
        lib.fuse_destroy(fuse);
        lib.fuse_loop_cfg_destroy(loopConfig);
        LOG.infof("simulated kernel's sysfs unmounted from %s (loop result %d)", mountPoint, loopResult);
    }

    /** Lazy unmount: as root with umount2(MNT_DETACH), otherwise with fusermount3 -u -z. */
    static void unmount(Path dir) {
        try {
            Libraries.libc().umount2(dir.toString(), LibFuse3.Libc.MNT_DETACH);
            return;
        } catch (LastErrorException e) {
            if (e.getErrorCode() != 1) { // anything but EPERM: not mounted (EINVAL) or gone (ENOENT)
                return;
            }
        }
        try {
            Process p = new ProcessBuilder("fusermount3", "-u", "-z", dir.toString()).inheritIO().start();
            if (p.waitFor() != 0) {
                LOG.warnf("fusermount3 -u -z %s exited with %d", dir, p.exitValue());
            }
        } catch (IOException e) {
            LOG.warnf("cannot run fusermount3 to unmount %s: %s", dir, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Unmounts a {@code fuse.simkernel} mount left at {@code dir} by a server that did not close it. */
    static void clearStaleMount(Path dir) {
        if (MountEntry.read().stream().anyMatch(m -> m.mountPoint().equals(dir.toString()) && m.type().equals(FS_TYPE))) {
            LOG.warnf("%s is still mounted by an earlier simulated kernel that did not unmount it; unmounting it first", dir);
            unmount(dir);
        }
    }

    /** One line of {@code /proc/self/mounts}. */
    record MountEntry(String source, String mountPoint, String type) {
        static List<MountEntry> read() {
            try {
                return Files.readAllLines(Path.of("/proc/self/mounts")).stream()
                        .map(l -> l.split(" "))
                        .filter(f -> f.length >= 3)
                        .map(f -> new MountEntry(f[0], unescape(f[1]), f[2]))
                        .toList();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read /proc/self/mounts", e);
            }
        }

        /** The kernel writes space, tab, newline and backslash in mount points as octal escapes. */
        private static String unescape(String field) {
            return field.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\");
        }
    }

    /** The native libraries, loaded on first use. */
    private static final class Libraries {
        private static LibFuse3 lib;
        private static LibFuse3.Libc libc;

        /** Loaded on each call until it succeeds, so a missing libfuse is reported the same way every time. */
        static synchronized LibFuse3 lib() {
            if (lib == null) {
                lib = LibFuse3.load();
            }
            return lib;
        }

        static synchronized LibFuse3.Libc libc() {
            if (libc == null) {
                libc = LibFuse3.Libc.load();
            }
            return libc;
        }
    }
}
