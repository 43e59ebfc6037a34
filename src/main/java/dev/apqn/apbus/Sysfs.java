package dev.apqn.apbus;

import java.util.List;
import java.util.Optional;

/**
 * The file port through which everything talks to the kernel's AP bus and vfio_ap: a real sysfs
 * tree under a root directory, or the simulated kernel's virtual sysfs. Paths are absolute sysfs
 * paths such as {@code /sys/bus/ap/apmask}, independent of where the tree is mounted.
 *
 * <p>Every call may block (a real card can hang a read); implementations that reach real files
 * bound each call with a timeout and throw {@link SysfsTimeoutException}.
 */
public interface Sysfs {

    /** Reads the whole attribute, as the kernel prints it (trailing newline included). */
    String read(String path) throws SysfsException;

    /**
     * Writes {@code value} with exactly one {@code write()} call, as sysfs store handlers require.
     * The caller adds any trailing newline it wants the kernel to see.
     */
    void write(String path, String value) throws SysfsException;

    /** Names of the entries of a directory (files, directories and symlinks), sorted. */
    List<String> list(String path) throws SysfsException;

    boolean exists(String path) throws SysfsException;

    /** The target of a symlink (as readlink(2) returns it), or empty if the path is not a symlink. */
    Optional<String> readLink(String path) throws SysfsException;
}
