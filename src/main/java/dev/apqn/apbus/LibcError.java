package dev.apqn.apbus;

import dev.apqn.ap.Errno;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Optional;

/**
 * A failed system call: its errno number and strerror text, before {@link FileSysfs} adds the path,
 * the operation and the explanation. Built either from a native errno, or, where only Java I/O is
 * available, from the exception type and the C-locale message text.
 */
final class LibcError extends Exception {

    /** The number used when Java's message names no errno we know. */
    static final int UNKNOWN = -1;

    private final int number;

    LibcError(int number, String text) {
        super(text, null, false, false);
        this.number = number;
    }

    /** The errno number; {@link #UNKNOWN} if it could not be identified. */
    int number() {
        return number;
    }

    /** The strerror text the call reported. */
    String text() {
        return getMessage();
    }

    /** The errno, if it is one this agent knows. */
    Optional<Errno> errno() {
        return Errno.ofNumber(number);
    }

    /** The failure as the {@link Sysfs} port reports it; an errno we do not know is reported as EIO. */
    SysfsException toSysfsException(SysfsException.Operation op, String path, String value) {
        return errno().map(e -> new SysfsException(e, op, path, value)).orElseGet(() -> new SysfsException(
                Errno.EIO, op, path, value, "the kernel answered "
                + (number == UNKNOWN ? "\"" + text() + "\"" : "errno " + number + " (" + text() + ")")
                + ", which this agent does not know"));
    }

    /** Recovers the errno from a Java I/O exception: NIO names some by type, the rest by text. */
    static LibcError of(IOException e) {
        Errno known = e instanceof NoSuchFileException ? Errno.ENOENT
                : e instanceof AccessDeniedException ? Errno.EACCES
                : e instanceof NotDirectoryException ? Errno.ENOTDIR
                : Errno.ofStrerror(e instanceof FileSystemException fse && fse.getReason() != null
                        ? fse.getReason() : e.getMessage()).orElse(null);
        return known != null
                ? new LibcError(known.number(), known.strerror())
                : new LibcError(UNKNOWN, String.valueOf(e.getMessage()));
    }
}
