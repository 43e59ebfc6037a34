package dev.apqn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** One vfio_ap mdev on the node, the operator's or not. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class MdevStatus {

    @JsonPropertyDescription(Docs.MDEV_UUID)
    @Required
    private String uuid;

    @JsonPropertyDescription("true for mdevs the operator made; false for foreign ones (left alone, their APQNs"
            + " count as occupied).")
    @Required
    private Boolean owned;

    @JsonPropertyDescription("For owned mdevs: the reservation, as 'namespace/name'.")
    private String reservation;

    @JsonPropertyDescription("The mdev's matrix attribute (adapters x usage domains, control domains): decimal range"
            + " strings.")
    private MatrixRanges matrix;

    @JsonPropertyDescription("The mdev's guest_matrix (what the guest can use after the kernel's filtering): decimal"
            + " range strings. Absent on pre-6.0 kernels.")
    private MatrixRanges guestMatrix;

    @JsonPropertyDescription("A guest is attached (the mdev is open).")
    private Boolean inUse;

    public String getUuid() {
        return uuid;
    }

    public void setUuid(String uuid) {
        this.uuid = uuid;
    }

    public Boolean getOwned() {
        return owned;
    }

    public void setOwned(Boolean owned) {
        this.owned = owned;
    }

    public String getReservation() {
        return reservation;
    }

    public void setReservation(String reservation) {
        this.reservation = reservation;
    }

    public MatrixRanges getMatrix() {
        return matrix;
    }

    public void setMatrix(MatrixRanges matrix) {
        this.matrix = matrix;
    }

    public MatrixRanges getGuestMatrix() {
        return guestMatrix;
    }

    public void setGuestMatrix(MatrixRanges guestMatrix) {
        this.guestMatrix = guestMatrix;
    }

    public Boolean getInUse() {
        return inUse;
    }

    public void setInUse(Boolean inUse) {
        this.inUse = inUse;
    }
}
