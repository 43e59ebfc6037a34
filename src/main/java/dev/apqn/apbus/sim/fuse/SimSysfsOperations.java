package dev.apqn.apbus.sim.fuse;

import com.sun.jna.Function;
import com.sun.jna.Pointer;
import dev.apqn.ap.Errno;
import dev.apqn.apbus.SysfsException;
import dev.apqn.apbus.sim.SimSysfs.Entry;
import dev.apqn.apbus.sim.SimSysfs;
import org.jboss.logging.Logger;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

/**
 * The FUSE operations that serve a {@link SimSysfs} as files, with sysfs (kernfs) semantics:
 * <ul>
 * <li>{@code open} refuses, with EACCES even for root, a write open of an attribute without a store
 * handler and a read open of one without a show handler, as kernfs does; modes come from the model
 * ({@link SimSysfs#lstat}); other users are checked by the kernel ({@code default_permissions});</li>
 * <li>each {@code write()} is one store call of the model, whatever its offset, and a refusal
 * returns the model's errno to the writer's {@code write()};</li>
 * <li>a read at offset 0 asks the model for the attribute's content and keeps it with the open
 * file; reads at later offsets continue from that copy (like sysfs' seq_file buffer), so
 * {@code cat} sees one consistent value;</li>
 * <li>{@code truncate} (the {@code O_TRUNC} of {@code echo x > file}) is accepted and ignored;</li>
 * <li>attributes report size 4096, as sysfs does; files are opened with {@code direct_io}.</li>
 * </ul>
 * The served model can be swapped ({@link #serve}) so that tests reuse one mount for many boots.
 * Besides the model's tree, the mount has the simkernel's control files ({@link SimDebugFiles}, under
 * {@code /sys/kernel/debug/apqn-sim}), and every write that reaches the model is journaled there.
 */
final class SimSysfsOperations {

    private static final Logger LOG = Logger.getLogger(SimSysfsOperations.class);
    private static final int O_ACCMODE = 3;
    private static final int O_RDONLY = 0;
    private static final int O_WRONLY = 1;
    /** {@code fuse_file_info.fh}: after {@code int flags} and two 32-bit bit-field words. */
    private static final int FH_OFFSET = 16;
    /** The first bit-field word of {@code fuse_file_info}: writepage, direct_io, keep_cache, ... */
    private static final int BITS_OFFSET = 4;
    /**
     * {@code direct_io} is the second bit field. GCC allocates bit fields from the least significant
     * bit on little-endian targets (x86_64, aarch64) and from the most significant on big-endian
     * ones (s390x).
     */
    private static final int DIRECT_IO = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? 1 << 1 : 1 << 30;
    private static final int SYSFS_ATTRIBUTE_SIZE = 4096;

    private volatile SimSysfs sysfs;
    private final StatLayout stat = StatLayout.current();
    private final long mountedAt = Instant.now().getEpochSecond();
    private final AtomicLong nextHandle = new AtomicLong(1);
    private final Map<Long, OpenFile> openFiles = new ConcurrentHashMap<>();
    private final Set<Thread> inCall = ConcurrentHashMap.newKeySet();
    private final SimDebugFiles debug = new SimDebugFiles(() -> sysfs);

    /** An open attribute: its path and the content the last read at offset 0 produced. */
    private static final class OpenFile {
        final String path;
        volatile byte[] content;

        OpenFile(String path) {
            this.path = path;
        }
    }

    SimSysfsOperations(SimSysfs sysfs) {
        this.sysfs = Objects.requireNonNull(sysfs);
    }

    /** Serves another model from now on (open files keep their path, not their model). */
    void serve(SimSysfs next) {
        this.sysfs = Objects.requireNonNull(next);
    }

    SimSysfs served() {
        return sysfs;
    }

    /** Interrupts the model calls in progress (a held write, a blocked remove): used when unmounting. */
    void interruptCallsInProgress() {
        inCall.forEach(Thread::interrupt);
    }

    LibFuse3.FuseOperations operations() {
        LibFuse3.FuseOperations ops = new LibFuse3.FuseOperations();
        ops.getattr = (path, st, fi) -> call("getattr", path, () -> getattr(path, st));
        ops.readlink = (path, buf, size) -> call("readlink", path, () -> readlink(path, buf, size));
        ops.truncate = (path, size, fi) -> call("truncate", path, () -> truncate(path));
        ops.open = (path, fi) -> call("open", path, () -> open(path, fi));
        ops.read = (path, buf, size, offset, fi) -> call("read", path, () -> read(fi, buf, size, offset));
        ops.write = (path, buf, size, offset, fi) -> call("write", path, () -> write(path, buf, size));
        ops.release = (path, fi) -> call("release", path, () -> release(fi));
        ops.readdir = (path, buf, filler, offset, fi, flags) -> call("readdir", path, () -> readdir(path, buf, filler));
        return ops;
    }

    /** Runs one operation on a libfuse worker thread; never lets an exception reach native code. */
    private int call(String op, String path, IntSupplier body) {
        Thread self = Thread.currentThread();
        inCall.add(self);
        try {
            return body.getAsInt();
        } catch (RuntimeException | Error e) {
            LOG.errorf(e, "FUSE %s %s failed inside the simulated kernel", op, path);
            return -Errno.EIO.number();
        } finally {
            inCall.remove(self);
            Thread.interrupted(); // an interrupt meant for this call must not leak into the next one
        }
    }

    /** The model's entry, or a control file's. */
    private Optional<Entry> lstat(String path) {
        return SimDebugFiles.owns(path) ? SimDebugFiles.lstat(path) : sysfs.lstat(path);
    }

    private int getattr(String path, Pointer st) {
        Optional<Entry> entry = lstat(path);
        if (entry.isEmpty()) {
            return -Errno.ENOENT.number();
        }
        Entry e = entry.get();
        switch (e.kind()) {
            case DIRECTORY -> stat.fill(st, StatLayout.S_IFDIR | e.mode(), 2, 0, mountedAt);
            case FILE -> stat.fill(st, StatLayout.S_IFREG | e.mode(), 1, SYSFS_ATTRIBUTE_SIZE, mountedAt);
            case SYMLINK -> stat.fill(st, StatLayout.S_IFLNK | e.mode(), 1,
                    e.linkTarget().getBytes(StandardCharsets.UTF_8).length, mountedAt);
        }
        return 0;
    }

    private int readlink(String path, Pointer buf, long size) {
        Optional<Entry> entry = sysfs.lstat(path);
        if (entry.isEmpty()) {
            return -Errno.ENOENT.number();
        }
        if (entry.get().kind() != Entry.Kind.SYMLINK) {
            return -Errno.EINVAL.number();
        }
        byte[] target = entry.get().linkTarget().getBytes(StandardCharsets.UTF_8);
        int n = (int) Math.min(target.length, size - 1);
        buf.write(0, target, 0, n);
        buf.setByte(n, (byte) 0);
        return 0;
    }

    private int truncate(String path) {
        Optional<Entry> entry = lstat(path);
        if (entry.isEmpty()) {
            return -Errno.ENOENT.number();
        }
        return entry.get().kind() == Entry.Kind.DIRECTORY ? -Errno.EISDIR.number() : 0;
    }

    private int open(String path, Pointer fi) {
        Optional<Entry> entry = lstat(path);
        if (entry.isEmpty()) {
            return -Errno.ENOENT.number();
        }
        if (entry.get().kind() == Entry.Kind.DIRECTORY) {
            return -Errno.EISDIR.number();
        }
        int mode = entry.get().mode();
        int access = fi.getInt(0) & O_ACCMODE;
        boolean reads = access != O_WRONLY;
        boolean writes = access != O_RDONLY;
        if ((reads && (mode & 0444) == 0) || (writes && (mode & 0222) == 0)) {
            return -Errno.EACCES.number();
        }
        long handle = nextHandle.getAndIncrement();
        openFiles.put(handle, new OpenFile(path));
        fi.setLong(FH_OFFSET, handle);
        // no page cache: every read reaches the model (attributes change with every write), and a
        // file's size (4096, as sysfs says) does not cut or pad what a read returns
        fi.setInt(BITS_OFFSET, fi.getInt(BITS_OFFSET) | DIRECT_IO);
        return 0;
    }

    private int read(Pointer fi, Pointer buf, long size, long offset) {
        OpenFile file = openFiles.get(fi.getLong(FH_OFFSET));
        if (file == null) {
            return -Errno.EIO.number();
        }
        byte[] content = file.content;
        if (offset == 0 || content == null) {
            try {
                String text = SimDebugFiles.owns(file.path) ? debug.read(file.path) : sysfs.read(file.path);
                content = text.getBytes(StandardCharsets.UTF_8);
            } catch (SysfsException e) {
                return -e.errno().number();
            }
            file.content = content;
        }
        if (offset >= content.length) {
            return 0;
        }
        int n = (int) Math.min(size, content.length - offset);
        buf.write(0, content, (int) offset, n);
        return n;
    }

    private int write(String path, Pointer buf, long size) {
        String value = new String(buf.getByteArray(0, (int) size), StandardCharsets.UTF_8);
        try {
            if (SimDebugFiles.owns(path)) {
                debug.write(path, value);
                return (int) size;
            }
            sysfs.write(path, value);
        } catch (SysfsException e) {
            if (!SimDebugFiles.owns(path)) {
                debug.recordWrite(path, value, e.errno());
            }
            return -e.errno().number();
        }
        debug.recordWrite(path, value, null);
        return (int) size;
    }

    private int release(Pointer fi) {
        openFiles.remove(fi.getLong(FH_OFFSET));
        return 0;
    }

    private int readdir(String path, Pointer buf, Pointer filler) {
        List<String> names;
        try {
            if (SimDebugFiles.owns(path)) {
                // /sys/kernel and /sys/kernel/debug may hold model entries too (iommu_groups)
                java.util.SortedSet<String> merged = new java.util.TreeSet<>(SimDebugFiles.list(path));
                if (!path.startsWith(SimDebugFiles.DIR) && sysfs.exists(path)) {
                    merged.addAll(sysfs.list(path));
                }
                names = List.copyOf(merged);
            } else {
                names = sysfs.list(path);
                if (path.equals("/sys") && !names.contains("kernel")) {
                    names = java.util.stream.Stream.concat(names.stream(), java.util.stream.Stream.of("kernel")).sorted().toList();
                }
            }
        } catch (SysfsException e) {
            return -e.errno().number();
        }
        Function fill = Function.getFunction(filler);
        fill.invokeInt(new Object[]{buf, ".", null, 0L, 0});
        fill.invokeInt(new Object[]{buf, "..", null, 0L, 0});
        for (String name : names) {
            if (fill.invokeInt(new Object[]{buf, name, null, 0L, 0}) != 0) {
                break; // the reader's buffer is full; with offset 0 everywhere libfuse handles the rest itself
            }
        }
        return 0;
    }
}
