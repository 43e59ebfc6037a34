package dev.apqn.apbus;

import dev.apqn.ap.Errno;

/**
 * Maps an errno returned by an AP bus or vfio_ap attribute to a sentence that tells an admin what
 * the kernel refused and why (ap-bus.md §1.2, §1.3, §1.7, §1.8, §3, §5.3). The attribute decides
 * the meaning: EBUSY on a mask write is the in-use veto, on an assign it is a running legacy guest.
 */
public final class ErrnoExplanations {

    private ErrnoExplanations() {
    }

    public static String explain(Errno errno, String path) {
        String attr = path.substring(path.lastIndexOf('/') + 1);
        boolean mask = attr.equals("apmask") || attr.equals("aqmask");
        boolean assign = attr.startsWith("assign_") || attr.equals("ap_config");
        return switch (errno) {
            case EBUSY -> mask
                    ? "giving these APQNs back to the host would take queues that a vfio_ap mediated device has assigned; unassign them from the mdev first"
                    : assign || attr.startsWith("unassign_")
                    ? "a guest is using the mediated device and this kernel (before 6.0) cannot change its matrix while it runs; stop the guest first"
                    : attr.equals("remove")
                    ? "a guest still holds the mediated device; stop the guest first"
                    : "the device is busy";
            case EADDRNOTAVAIL -> "an APQN of this assignment is still owned by the host zcrypt drivers (apmask and aqmask), or on kernels before 6.0 is not bound to vfio_ap; take it from the host first";
            case EADDRINUSE -> "another mediated device already has an APQN of this assignment (same adapter and domain); two mdevs may share an adapter only with disjoint domains";
            case ENODEV -> attr.equals("bind")
                    ? "the queue does not exist, or its ownership (apmask/aqmask or driver_override) does not allow this driver to bind it"
                    : attr.equals("unbind")
                    ? "the device is not bound to this driver"
                    : attr.equals("online")
                    ? "the card or queue is deconfigured or checkstopped"
                    : assign || attr.startsWith("unassign_")
                    ? "the number is above the maximum adapter or domain id of this system (ap_max_adapter_id / ap_max_domain_id)"
                    : "the device does not exist";
            case EINVAL -> attr.equals("driver_override")
                    ? "driver_override is only accepted while apmask and aqmask are both all ones; choose masks or overrides, not both"
                    : "the kernel did not accept the value's syntax or range for " + attr;
            case ERANGE -> "the number is too large for the kernel to parse";
            case EEXIST -> "a mediated device with this UUID already exists";
            case EUSERS -> "no more mediated devices can be created on this matrix device";
            case EPERM -> "the kernel does not permit this operation (for example a second mdev for the same guest, or missing privileges)";
            case EACCES -> "the attribute does not allow this access (it is read-only or write-only), or the agent lacks root privileges";
            case EROFS -> "sysfs is mounted read-only here: the agent must run privileged with a writable /sys";
            case ENOENT -> "the file does not exist: the kernel module (vfio_ap, zcrypt) may not be loaded or the device is gone";
            case ENOTDIR -> "a part of the path is a file, not a directory: the sysfs layout is not what this agent expects";
            case EISDIR -> "the path is a directory, not an attribute";
            case EINTR -> "the call was interrupted; for a write the outcome is unknown, so re-read the state";
            case EIO -> "the hardware or firmware reported an error";
            case EAGAIN -> "the request was flushed and should be retried";
            case ENOMEM -> "the kernel ran out of memory";
            case ETIMEDOUT -> "the kernel did not answer in time";
        };
    }
}
