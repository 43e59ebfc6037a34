package dev.apqn.apbus;

import dev.apqn.ap.Errno;
import dev.apqn.apbus.SysfsException.Operation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * {@link Sysfs} over real files below a root directory: {@code /} on a node, a temporary directory
 * in tests ({@code /sys/bus/ap/apmask} is {@code <root>/sys/bus/ap/apmask}); or, made by
 * {@link #atSysfsMount}, over a directory where sysfs itself is mounted ({@code /host/sys} in the
 * agent's pod, the simkernel's mount): {@code /sys/bus/ap/apmask} is {@code <mount>/bus/ap/apmask}.
 *
 * <p>Attribute reads and writes go through libc when JNA loads, so a refusal carries the kernel's
 * errno as a number; otherwise through Java I/O, recovering the errno from the English message.
 * Each value is written with exactly one {@code write()} (a second one would be a second store call
 * to the kernel). Every call runs on a {@link SysfsCallPool} with a timeout, because a hung card or
 * a held mdev can block a call for ever.
 *
 * <p>{@link #exists} and {@link #list} see entries as {@code lstat} does: a symlink counts even if
 * its target is gone. {@link #readLink} returns empty for a missing entry in an existing directory
 * (such as the {@code driver} link of an unbound queue) and fails with ENOENT if the directory itself
 * is missing.
 */
public final class FileSysfs implements Sysfs, AutoCloseable {

    private static final String SYSFS = "/sys";

    private final Path root;
    /** True if {@link #root} is where sysfs is mounted, so paths lose their leading {@code /sys}. */
    private final boolean sysfsMount;
    private final FileSysfsTimeouts timeouts;
    private final SysfsCallPool pool;
    private final boolean ownsPool;
    private final FileSysfsIo io;

    /** Files below {@code root}, with default timeouts and a pool of its own. */
    public FileSysfs(Path root) {
        this(root, false, FileSysfsTimeouts.defaults(), new SysfsCallPool(), true, FileSysfsIo.best());
    }

    /**
     * Sysfs mounted at {@code mount} ({@code /sys} on a node, the host's {@code /sys} mounted into a
     * pod, a simkernel's mount), with default timeouts and a pool of its own.
     */
    public static FileSysfs atSysfsMount(Path mount) {
        return new FileSysfs(mount, true, FileSysfsTimeouts.defaults(), new SysfsCallPool(), true, FileSysfsIo.best());
    }

    /** Files below {@code root}, sharing {@code pool} (which the caller closes). */
    public FileSysfs(Path root, FileSysfsTimeouts timeouts, SysfsCallPool pool) {
        this(root, false, timeouts, pool, false, FileSysfsIo.best());
    }

    /** For tests that choose the I/O path. */
    FileSysfs(Path root, FileSysfsTimeouts timeouts, SysfsCallPool pool, FileSysfsIo io) {
        this(root, false, timeouts, pool, false, io);
    }

    private FileSysfs(Path root, boolean sysfsMount, FileSysfsTimeouts timeouts, SysfsCallPool pool, boolean ownsPool,
                      FileSysfsIo io) {
        this.root = root.toAbsolutePath().normalize();
        this.sysfsMount = sysfsMount;
        this.timeouts = Objects.requireNonNull(timeouts);
        this.pool = Objects.requireNonNull(pool);
        this.ownsPool = ownsPool;
        this.io = Objects.requireNonNull(io);
    }

    /** The same files and pool with one timeout for every call, e.g. for a long mdev removal. */
    public FileSysfs withTimeout(Duration timeout) {
        return new FileSysfs(root, sysfsMount, FileSysfsTimeouts.fixed(timeout), pool, false, io);
    }

    public Path root() {
        return root;
    }

    /** True when failures carry the native errno; false when it is read from message text. */
    public boolean nativeErrno() {
        return io instanceof FileSysfsNativeIo;
    }

    @Override
    public String read(String path) throws SysfsException {
        Path file = resolve(path);
        return run(Operation.READ, path, null, () -> {
            try {
                return new String(io.read(file), StandardCharsets.UTF_8);
            } catch (LibcError e) {
                throw e.toSysfsException(Operation.READ, path, null);
            }
        });
    }

    @Override
    public void write(String path, String value) throws SysfsException {
        Path file = resolve(path);
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        run(Operation.WRITE, path, value, () -> {
            int written;
            try {
                written = io.write(file, bytes);
            } catch (LibcError e) {
                throw e.toSysfsException(Operation.WRITE, path, value);
            }
            if (written != bytes.length) {
                // Writing the rest would be a second store call with a fragment of the value.
                throw new SysfsException(Errno.EIO, Operation.WRITE, path, value,
                        "the kernel took only " + written + " of " + bytes.length + " bytes; the rest was not written");
            }
            return null;
        });
    }

    @Override
    public List<String> list(String path) throws SysfsException {
        Path dir = resolve(path);
        return run(Operation.LIST, path, null, () -> {
            try (Stream<Path> entries = Files.list(dir)) {
                return entries.map(p -> p.getFileName().toString()).sorted().toList();
            } catch (IOException e) {
                throw LibcError.of(e).toSysfsException(Operation.LIST, path, null);
            } catch (UncheckedIOException e) {
                throw LibcError.of(e.getCause()).toSysfsException(Operation.LIST, path, null);
            }
        });
    }

    @Override
    public boolean exists(String path) throws SysfsException {
        Path file = resolve(path);
        return run(Operation.EXISTS, path, null, () -> Files.exists(file, LinkOption.NOFOLLOW_LINKS));
    }

    @Override
    public Optional<String> readLink(String path) throws SysfsException {
        Path file = resolve(path);
        return run(Operation.READLINK, path, null, () -> {
            try {
                if (!Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isSymbolicLink()) {
                    return Optional.empty();
                }
                return Optional.of(Files.readSymbolicLink(file).toString());
            } catch (NoSuchFileException e) {
                if (Files.isDirectory(file.getParent())) {
                    return Optional.empty();
                }
                throw LibcError.of(e).toSysfsException(Operation.READLINK, path, null);
            } catch (IOException e) {
                throw LibcError.of(e).toSysfsException(Operation.READLINK, path, null);
            }
        });
    }

    /** Stops the pool if this instance created it. */
    @Override
    public void close() {
        if (ownsPool) {
            pool.close();
        }
    }

    private <T> T run(Operation op, String path, String value, SysfsCallPool.Body<T> body) throws SysfsException {
        return pool.call(op, path, value, timeouts.timeoutFor(op, path), body);
    }

    private Path resolve(String path) {
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("sysfs paths are absolute, got " + path);
        }
        String relative = path.substring(1);
        if (sysfsMount) {
            if (!path.equals(SYSFS) && !path.startsWith(SYSFS + "/")) {
                throw new IllegalArgumentException(path + " is not below " + SYSFS + ", the only tree mounted at " + root);
            }
            relative = path.substring(SYSFS.length()).replaceFirst("^/", "");
        }
        Path file = root.resolve(relative).normalize();
        if (!file.startsWith(root)) {
            throw new IllegalArgumentException(path + " leaves the sysfs root " + root);
        }
        return file;
    }

    @Override
    public String toString() {
        return "FileSysfs[" + (sysfsMount ? SYSFS + " at " : "") + root + ", " + io + "]";
    }
}
