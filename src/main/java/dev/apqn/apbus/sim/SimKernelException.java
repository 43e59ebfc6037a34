package dev.apqn.apbus.sim;

import dev.apqn.ap.Errno;

/** An operation of the simulated kernel failed the way the real one fails: with an errno. */
public class SimKernelException extends RuntimeException {

    private final Errno errno;

    public SimKernelException(Errno errno, String message) {
        super(message);
        this.errno = errno;
    }

    public Errno errno() {
        return errno;
    }
}
