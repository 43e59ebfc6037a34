package dev.apqn.apbus;

import dev.apqn.ap.Errno;

/**
 * A sysfs call that was never made: too many earlier calls are stuck in the kernel, or no worker
 * became free in time. Unlike a {@link SysfsTimeoutException}, nothing reached the kernel, so the
 * state is unchanged; retrying later is safe.
 */
public class SysfsCallRefusedException extends SysfsException {

    public SysfsCallRefusedException(Operation operation, String path, String value, String explanation) {
        super(Errno.EAGAIN, operation, path, value, explanation);
    }
}
