package dev.apqn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import java.util.UUID;

/** How to hand the reservation's mdev to a guest. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class UsageStatus {

    @JsonPropertyDescription("The mdev's sysfs path on the node, e.g. /sys/devices/vfio_ap/matrix/<uuid>.")
    private String sysfsPath;

    @JsonPropertyDescription("libvirt domain XML for the guest: a <hostdev mode='subsystem' type='mdev'"
            + " model='vfio-ap'> element with the mdev's UUID.")
    private String libvirtHostdev;

    @JsonPropertyDescription("The QEMU command-line argument: -device vfio-ap,sysfsdev=<sysfsPath>.")
    private String qemuDevice;

    /** The usage snippets for an mdev UUID. */
    public static UsageStatus forMdev(UUID uuid) {
        var u = new UsageStatus();
        u.sysfsPath = "/sys/devices/vfio_ap/matrix/" + uuid;
        u.libvirtHostdev = "<hostdev mode='subsystem' type='mdev' managed='no' model='vfio-ap'>"
                + "<source><address uuid='" + uuid + "'/></source></hostdev>";
        u.qemuDevice = "-device vfio-ap,sysfsdev=" + u.sysfsPath;
        return u;
    }

    public String getSysfsPath() {
        return sysfsPath;
    }

    public void setSysfsPath(String sysfsPath) {
        this.sysfsPath = sysfsPath;
    }

    public String getLibvirtHostdev() {
        return libvirtHostdev;
    }

    public void setLibvirtHostdev(String libvirtHostdev) {
        this.libvirtHostdev = libvirtHostdev;
    }

    public String getQemuDevice() {
        return qemuDevice;
    }

    public void setQemuDevice(String qemuDevice) {
        this.qemuDevice = qemuDevice;
    }
}
