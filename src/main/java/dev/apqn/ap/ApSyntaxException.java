package dev.apqn.ap;

/**
 * Text that the kernel's parsers (or ours, for canonical forms) reject. Carries the errno the
 * kernel would return for it: EINVAL for syntax, ERANGE for a number that overflows.
 */
public class ApSyntaxException extends IllegalArgumentException {

    private final Errno errno;

    public ApSyntaxException(Errno errno, String message) {
        super(message);
        this.errno = errno;
    }

    public ApSyntaxException(String message) {
        this(Errno.EINVAL, message);
    }

    public Errno errno() {
        return errno;
    }
}
