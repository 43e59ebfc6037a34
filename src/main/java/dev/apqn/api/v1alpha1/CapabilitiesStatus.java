package dev.apqn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import java.util.List;

/** The kernel capabilities the agent detected (the agent-side {@code NodeCapabilities}). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CapabilitiesStatus {

    /** Whether a feature was seen, shown absent, or could not be checked yet. */
    public enum Evidence {
        Present,
        Absent,
        Unknown
    }

    @JsonPropertyDescription("The vfio_ap module is loaded (/sys/devices/vfio_ap/matrix exists).")
    private Boolean vfioAp;

    @JsonPropertyDescription("Present, Absent or Unknown: mdevs have ap_config (atomic matrix updates).")
    private Evidence apConfig;

    @JsonPropertyDescription("Present, Absent or Unknown: mdevs have guest_matrix (Absent: pre-6.0 vfio_ap).")
    private Evidence guestMatrix;

    @JsonPropertyDescription("Present, Absent or Unknown: vfio_ap queues have a status file.")
    private Evidence queueStatus;

    @JsonPropertyDescription("The AP bus has scans and bindings files.")
    private Boolean scansAndBindings;

    @JsonPropertyDescription("Words of /sys/bus/ap/features.")
    @ListType("set")
    private List<String> busFeatures;

    @JsonPropertyDescription("Words of /sys/devices/vfio_ap/matrix/features.")
    @ListType("set")
    private List<String> matrixFeatures;

    @JsonPropertyDescription("The node's kernel release, for humans (capabilities are detected from sysfs, not from it).")
    private String kernelRelease;

    public Boolean getVfioAp() {
        return vfioAp;
    }

    public void setVfioAp(Boolean vfioAp) {
        this.vfioAp = vfioAp;
    }

    public Evidence getApConfig() {
        return apConfig;
    }

    public void setApConfig(Evidence apConfig) {
        this.apConfig = apConfig;
    }

    public Evidence getGuestMatrix() {
        return guestMatrix;
    }

    public void setGuestMatrix(Evidence guestMatrix) {
        this.guestMatrix = guestMatrix;
    }

    public Evidence getQueueStatus() {
        return queueStatus;
    }

    public void setQueueStatus(Evidence queueStatus) {
        this.queueStatus = queueStatus;
    }

    public Boolean getScansAndBindings() {
        return scansAndBindings;
    }

    public void setScansAndBindings(Boolean scansAndBindings) {
        this.scansAndBindings = scansAndBindings;
    }

    public List<String> getBusFeatures() {
        return busFeatures;
    }

    public void setBusFeatures(List<String> busFeatures) {
        this.busFeatures = busFeatures;
    }

    public List<String> getMatrixFeatures() {
        return matrixFeatures;
    }

    public void setMatrixFeatures(List<String> matrixFeatures) {
        this.matrixFeatures = matrixFeatures;
    }

    public String getKernelRelease() {
        return kernelRelease;
    }

    public void setKernelRelease(String kernelRelease) {
        this.kernelRelease = kernelRelease;
    }
}
