package dev.apqn.apbus;

import dev.apqn.ap.Errno;
import java.time.Duration;

/**
 * A sysfs call did not return within its timeout. For a write the outcome is unknown: the kernel
 * may still apply it later, so the caller must re-read the state before deciding what to do next.
 */
public class SysfsTimeoutException extends SysfsException {

    private final Duration timeout;

    public SysfsTimeoutException(Operation operation, String path, String value, Duration timeout) {
        super(Errno.ETIMEDOUT, operation, path, value,
                "the kernel did not answer within " + timeout.toMillis() + " ms"
                        + (operation == Operation.WRITE
                        ? "; the write may still take effect, so re-read the state before retrying"
                        : "; the device may be hung"));
        this.timeout = timeout;
    }

    public Duration timeout() {
        return timeout;
    }

    /** True when the call was a write whose effect is not known. */
    public boolean outcomeUnknown() {
        return operation() == Operation.WRITE;
    }
}
