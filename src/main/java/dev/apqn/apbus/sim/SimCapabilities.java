package dev.apqn.apbus.sim;

import dev.apqn.ap.Errno;

/**
 * The user-visible behaviour switches of the simulated kernel, derived from a {@link KernelLevel}.
 * Every {@code if} in the simulator that depends on the kernel version asks one of these methods,
 * so the feature set of each level is listed in one place.
 *
 * <p><b>LEGACY is pinned to ≈5.12</b> (between the ≈5.11 {@code scans}/{@code bindings} attributes and
 * the ≈5.13 switch of mdev {@code remove} from EBUSY to blocking):
 * <ul>
 *   <li>bus {@code scans}, {@code bindings}, card/queue {@code config} and {@code chkstop} present
 *       (chkstop's first version is unverified; modelled present for simplicity);</li>
 *   <li><b>no mask in-use veto</b> (a mask write may give an assigned APQN back to the host);</li>
 *   <li>no {@code APMASK=}/{@code AQMASK=} uevents (5.19);</li>
 *   <li>assignment needs every resulting APQN bound to vfio_ap (EADDRNOTAVAIL), every assign/unassign
 *       fails with EBUSY while a guest is attached;</li>
 *   <li>no {@code guest_matrix}, no filtering, no hot plug: the guest gets {@code matrix};</li>
 *   <li>no vfio queue {@code status}, no card {@code max_msg_size};</li>
 *   <li>mdev {@code remove} returns EBUSY while a guest is attached; {@code create} beyond the
 *       instance limit returns EPERM (vfio_ap's own counter).</li>
 *   <li>mdevs are bound to the vfio core's generic {@code vfio_mdev} driver (module {@code vfio_mdev});
 *       vfio_ap registered its own mdev driver {@code vfio_ap_mdev} in ≈5.15/5.16.</li>
 *   <li>CCA {@code mkvps} has no {@code ASYM} lines (added after the 2022 zcrypt_cex4.c; modelled from
 *       AP_CONFIG on).</li>
 * </ul>
 */
public record SimCapabilities(KernelLevel level) {

    public static SimCapabilities of(KernelLevel level) {
        return new SimCapabilities(level);
    }

    /** 6.0 dynamic vfio_ap: shadow APCB, guest_matrix, hot plug, assignment of unbound queues. */
    public boolean dynamic() {
        return level.atLeast(KernelLevel.DYNAMIC);
    }

    /** The apmask/aqmask in-use veto (EBUSY). Absent in the pinned legacy level. */
    public boolean maskInUseVeto() {
        return dynamic();
    }

    /** {@code APMASK=}/{@code AQMASK=} uevents (≈5.19). */
    public boolean maskUevents() {
        return dynamic();
    }

    /** vfio_ap queue attribute {@code status}. */
    public boolean queueStatus() {
        return dynamic();
    }

    /** Card {@code max_msg_size}. */
    public boolean cardMaxMsgSize() {
        return dynamic();
    }

    /** mdev {@code remove} blocks (modern) instead of EBUSY (legacy) while a guest holds the device. */
    public boolean removeBlocks() {
        return dynamic();
    }

    /** Errno of {@code create} when no instances are left. */
    public Errno instancesExhaustedErrno() {
        // 6.0 still had vfio_ap's own counter (EPERM); the mdev core's EUSERS came with 6.1. We
        // approximate: EPERM for LEGACY only.
        return dynamic() ? Errno.EUSERS : Errno.EPERM;
    }

    /** Bus {@code features} and queue {@code ap_functions} (6.4, part of the AP_CONFIG level). */
    public boolean busFeatures() {
        return level.atLeast(KernelLevel.AP_CONFIG);
    }

    /** zcrypt {@code online=1} refused (ENODEV) while checkstopped (late 2023; part of AP_CONFIG). */
    public boolean onlineRefusedWhileCheckstopped() {
        return level.atLeast(KernelLevel.AP_CONFIG);
    }

    /** mdev {@code ap_config} (6.10). */
    public boolean apConfig() {
        return level.atLeast(KernelLevel.AP_CONFIG);
    }

    /** Matrix device {@code features} (6.12). */
    public boolean matrixFeatures() {
        return level.atLeast(KernelLevel.MATRIX_FEATURES);
    }

    /** Queue {@code driver_override} and bus {@code bindings_complete_count} (6.19). */
    public boolean driverOverride() {
        return level.atLeast(KernelLevel.DRIVER_OVERRIDE);
    }

    /**
     * The mdev bus driver an mdev is bound to: vfio_ap's own {@code vfio_ap_mdev} (≈5.16+, in module
     * vfio_ap), before that the vfio core's generic {@code vfio_mdev} (module vfio_mdev).
     */
    public String mdevDriver() {
        return dynamic() ? "vfio_ap_mdev" : "vfio_mdev";
    }

    /** The module that registers {@link #mdevDriver()}. */
    public String mdevDriverModule() {
        return dynamic() ? "vfio_ap" : "vfio_mdev";
    }

    /** CCA queue {@code mkvps} lists the ASYM master key (absent in the 2022 zcrypt_cex4.c; modelled from AP_CONFIG). */
    public boolean ccaAsymMkvps() {
        return level.atLeast(KernelLevel.AP_CONFIG);
    }

    /** Card {@code depth} prints the TAPQ field + 1 (6.19-rc7 fix). */
    public boolean depthPlusOne() {
        return level.atLeast(KernelLevel.DRIVER_OVERRIDE);
    }
}
