package dev.apqn.apbus;

import java.nio.file.Path;

/**
 * How {@link FileSysfs} reads and writes one attribute: natively through libc (errno as a number)
 * or, where JNA cannot load, through Java I/O (errno recovered from the message text).
 */
interface FileSysfsIo {

    /** The whole content, read from a freshly opened file: sysfs computes values at open/read time. */
    byte[] read(Path file) throws LibcError;

    /**
     * Writes {@code value} with exactly one write() call and returns what that call returned. The
     * file is opened without O_CREAT, so a missing attribute fails with ENOENT.
     */
    int write(Path file, byte[] value) throws LibcError;

    /** libc through JNA when it loads, Java I/O otherwise. */
    static FileSysfsIo best() {
        return Libc.instance().<FileSysfsIo>map(FileSysfsNativeIo::new).orElseGet(FileSysfsJavaIo::new);
    }
}
