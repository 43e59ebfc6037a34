package dev.apqn.apbus;

import dev.apqn.ap.Errno;
import java.io.IOException;
import java.util.Objects;

/**
 * A sysfs read or write that the kernel refused. Carries the errno, the path and the operation,
 * and a sentence a human understands, so that status conditions can show what happened.
 */
public class SysfsException extends IOException {

    /** What the failing call did with the path. */
    public enum Operation { READ, WRITE, LIST, READLINK, EXISTS }

    private final Errno errno;
    private final String path;
    private final Operation operation;
    private final String value;

    public SysfsException(Errno errno, Operation operation, String path, String value, String explanation) {
        super(describe(errno, operation, path, value, explanation));
        this.errno = Objects.requireNonNull(errno);
        this.operation = Objects.requireNonNull(operation);
        this.path = Objects.requireNonNull(path);
        this.value = value;
    }

    public SysfsException(Errno errno, Operation operation, String path, String value) {
        this(errno, operation, path, value, null);
    }

    public Errno errno() {
        return errno;
    }

    public String path() {
        return path;
    }

    public Operation operation() {
        return operation;
    }

    /** The value that was written, or null for reads. */
    public String value() {
        return value;
    }

    private static String describe(Errno errno, Operation op, String path, String value, String explanation) {
        String what = switch (op) {
            case WRITE -> "writing " + quote(value) + " to " + path;
            case READ -> "reading " + path;
            case LIST -> "listing " + path;
            case READLINK -> "resolving the link " + path;
            case EXISTS -> "checking whether " + path + " exists";
        };
        String sentence = explanation != null ? explanation : ErrnoExplanations.explain(errno, path);
        return what + " failed with " + errno.name() + " (" + errno.strerror() + "): " + sentence;
    }

    private static String quote(String value) {
        if (value == null) {
            return "\"\"";
        }
        return "\"" + value.replace("\n", "\\n") + "\"";
    }
}
