package dev.apqn.ap;

import java.util.Arrays;
import java.util.Optional;

/**
 * The errno values the AP bus, vfio_ap and the mdev core return through sysfs (ap-bus.md §1, §5),
 * plus the few the file system itself gives (a missing, read-only or misplaced path), with the
 * Linux numbers (s390x and x86_64 share them) and the C-locale strerror text, so that a failure
 * can be identified both from a native errno and from a Java IOException message.
 */
public enum Errno {
    EPERM(1, "Operation not permitted"),
    ENOENT(2, "No such file or directory"),
    EINTR(4, "Interrupted system call"),
    EIO(5, "Input/output error"),
    EAGAIN(11, "Resource temporarily unavailable"),
    ENOMEM(12, "Cannot allocate memory"),
    EACCES(13, "Permission denied"),
    EBUSY(16, "Device or resource busy"),
    EEXIST(17, "File exists"),
    ENODEV(19, "No such device"),
    ENOTDIR(20, "Not a directory"),
    EISDIR(21, "Is a directory"),
    EINVAL(22, "Invalid argument"),
    EROFS(30, "Read-only file system"),
    ERANGE(34, "Numerical result out of range"),
    EUSERS(87, "Too many users"),
    EADDRINUSE(98, "Address already in use"),
    EADDRNOTAVAIL(99, "Cannot assign requested address"),
    ETIMEDOUT(110, "Connection timed out");

    private final int number;
    private final String strerror;

    Errno(int number, String strerror) {
        this.number = number;
        this.strerror = strerror;
    }

    /** The errno number as libc reports it on Linux (s390x and x86_64 share these). */
    public int number() {
        return number;
    }

    /** The C-locale strerror(3) text. */
    public String strerror() {
        return strerror;
    }

    public static Optional<Errno> ofNumber(int number) {
        return Arrays.stream(values()).filter(e -> e.number == number).findFirst();
    }

    /**
     * Finds the errno whose C-locale strerror text ends the given IOException message. Java words
     * these two ways: a failed write's message is the bare text ("Device or resource busy"), a
     * failed open's is "path (No such file or directory)"; both are recognised. Under another
     * locale the text is translated and nothing matches, which is why the native errno is preferred.
     */
    public static Optional<Errno> ofStrerror(String message) {
        if (message == null) {
            return Optional.empty();
        }
        String text = message.strip();
        if (text.endsWith(")")) {
            int open = text.lastIndexOf('(');
            if (open >= 0) {
                text = text.substring(open + 1, text.length() - 1);
            }
        }
        String reason = text;
        return Arrays.stream(values()).filter(e -> reason.endsWith(e.strerror)).findFirst();
    }
}
