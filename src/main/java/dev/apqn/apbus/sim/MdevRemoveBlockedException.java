package dev.apqn.apbus.sim;

import dev.apqn.ap.Errno;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * An mdev {@code remove} write that blocks (modern kernels) because a guest holds the device. The
 * kernel keeps the removal pending: it is applied when the guest detaches, whether or not the
 * writer still waits. {@link SimSysfs} turns this into a blocking call bounded by its timeout.
 */
public class MdevRemoveBlockedException extends SimKernelException {

    private final String uuid;
    private final String guest;
    private final CountDownLatch done;

    MdevRemoveBlockedException(String uuid, String guest, CountDownLatch done) {
        super(Errno.EBUSY, "removal of mdev " + uuid + " blocks until guest " + guest + " releases the device");
        this.uuid = uuid;
        this.guest = guest;
        this.done = done;
    }

    public String uuid() {
        return uuid;
    }

    /** The guest that holds the device. */
    public String guest() {
        return guest;
    }

    /**
     * Waits until the blocked removal has completed (the guest detached) or was abandoned by a
     * reboot. {@code timeout == null} waits forever. True if it completed.
     */
    public boolean await(Duration timeout) throws InterruptedException {
        if (timeout == null) {
            done.await();
            return true;
        }
        return done.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** True once the removal has been applied (or abandoned by a reboot). */
    public boolean completed() {
        return done.getCount() == 0;
    }
}
