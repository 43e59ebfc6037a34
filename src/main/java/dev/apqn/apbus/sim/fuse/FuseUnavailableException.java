package dev.apqn.apbus.sim.fuse;

/** FUSE cannot be used here: no libfuse 3, no {@code /dev/fuse}, an unknown architecture, or a failed mount. */
public final class FuseUnavailableException extends RuntimeException {

    public FuseUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
