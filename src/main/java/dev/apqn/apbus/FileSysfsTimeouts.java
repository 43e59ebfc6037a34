package dev.apqn.apbus;

import dev.apqn.apbus.SysfsException.Operation;
import java.time.Duration;
import java.util.Objects;

/**
 * How long {@link FileSysfs} waits for each call. Attribute reads and writes return quickly unless
 * hardware hangs; an mdev {@code remove} blocks for as long as QEMU holds the device (ap-bus.md
 * §5.8, §10.1), so it gets its own, longer limit.
 */
public record FileSysfsTimeouts(Duration standard, Duration mdevRemove) {

    public static final Duration DEFAULT_STANDARD = Duration.ofSeconds(10);
    public static final Duration DEFAULT_MDEV_REMOVE = Duration.ofSeconds(120);

    public FileSysfsTimeouts {
        Objects.requireNonNull(standard);
        Objects.requireNonNull(mdevRemove);
        if (standard.isNegative() || standard.isZero() || mdevRemove.isNegative() || mdevRemove.isZero()) {
            throw new IllegalArgumentException("timeouts must be positive: " + standard + ", " + mdevRemove);
        }
    }

    public static FileSysfsTimeouts defaults() {
        return new FileSysfsTimeouts(DEFAULT_STANDARD, DEFAULT_MDEV_REMOVE);
    }

    /** The same limit for every call. */
    public static FileSysfsTimeouts fixed(Duration timeout) {
        return new FileSysfsTimeouts(timeout, timeout);
    }

    public Duration timeoutFor(Operation op, String path) {
        return op == Operation.WRITE && path.endsWith("/remove") ? mdevRemove : standard;
    }
}
