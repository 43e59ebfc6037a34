package dev.apqn.agent;

import dev.apqn.ap.ApDriver;
import dev.apqn.ap.ApQueue;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.Errno;
import dev.apqn.apbus.ApBus;
import dev.apqn.apbus.SysfsException;

import java.util.Optional;

/** Single-queue reads where a missing queue device is an answer, not an error. */
final class QueueReads {

    private QueueReads() {
    }

    /** The queue now, or empty if its device does not exist. */
    static Optional<ApQueue> queue(ApBus bus, Apqn q) throws SysfsException {
        try {
            return Optional.of(bus.queue(q));
        } catch (SysfsException e) {
            if (e.errno() == Errno.ENOENT) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** True if the queue device exists and no driver is bound to it. */
    static boolean unbound(ApBus bus, Apqn q) throws SysfsException {
        try {
            return bus.driverOf(q) == ApDriver.NONE;
        } catch (SysfsException e) {
            if (e.errno() != Errno.ENOENT) {
                throw e;
            }
        }
        try {
            bus.inFlight(q); // the queue directory is there, only its driver link is missing
            return true;
        } catch (SysfsException e) {
            if (e.errno() == Errno.ENOENT) {
                return false;
            }
            throw e;
        }
    }
}
