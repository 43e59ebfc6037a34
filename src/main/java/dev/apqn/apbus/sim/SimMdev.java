package dev.apqn.apbus.sim;

import dev.apqn.ap.Matrix;

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
    /** The IOMMU group the mdev core put the device in at probe (the lowest free group id). */
    final int iommuGroup;
    Matrix matrix = Matrix.EMPTY;
    /** The shadow APCB (what the guest gets on 6.0+); on legacy kernels the guest gets {@link #matrix}. */
    Matrix shadow = Matrix.EMPTY;
    /** The attached guest, or null. */
    String guest;

    SimMdev(String uuid, int apmMax, int aqmMax, int admMax, int iommuGroup) {
        this.uuid = uuid;
        this.iommuGroup = iommuGroup;
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

    /** The number of its IOMMU group ({@code /sys/kernel/iommu_groups/N}). */
    public int iommuGroup() {
        return iommuGroup;
    }

    /** The attached guest id, or null. */
    public String guest() {
        return guest;
    }
}
