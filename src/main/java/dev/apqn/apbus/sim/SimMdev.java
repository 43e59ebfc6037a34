package dev.apqn.apbus.sim;

import dev.apqn.apbus.Matrix;

/**
 * A vfio_ap mediated device of the simulated kernel. Mutable state owned by {@link SimKernel};
 * read it only under the kernel's lock (or through {@link SimSysfs}).
 */
public final class SimMdev {

    private final String uuid;
    /** Limits set at creation from QCI (ap-bus.md §1.8). */
    final int apmMax;
    final int aqmMax;
    final int admMax;
    Matrix matrix = Matrix.EMPTY;
    /** The shadow APCB (what the guest gets on 6.0+); on legacy kernels the guest gets {@link #matrix}. */
    Matrix shadow = Matrix.EMPTY;
    /** The attached guest, or null. */
    String guest;

    SimMdev(String uuid, int apmMax, int aqmMax, int admMax) {
        this.uuid = uuid;
        this.apmMax = apmMax;
        this.aqmMax = aqmMax;
        this.admMax = admMax;
    }

    /** The lower-case UUID (directory name). */
    public String uuid() {
        return uuid;
    }

    public Matrix matrix() {
        return matrix;
    }

    public Matrix shadow() {
        return shadow;
    }

    /** The attached guest id, or null. */
    public String guest() {
        return guest;
    }
}
