package dev.apqn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** The APQNs allocated to one reservation on this node (durable selection result). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Allocation {

    @JsonPropertyDescription(Docs.RESERVATION_REF)
    @Required
    private String reservation;

    @JsonPropertyDescription("metadata.uid of the reservation, so a re-created reservation of the same name does"
            + " not inherit the allocation.")
    private String uid;

    @JsonPropertyDescription(Docs.MDEV_UUID)
    private String mdevUuid;

    @JsonPropertyDescription("The allocated matrix (decimal numbers).")
    @Required
    private MatrixStatus matrix;

    @JsonPropertyDescription("Explicit (from spec.adapters/spec.domains or spec.apqns) or Selected (picked by the"
            + " controller from spec.select).")
    private Source source;

    @JsonPropertyDescription("When the allocation was made (RFC 3339).")
    private String allocatedAt;

    /** Where an allocation came from. */
    public enum Source {
        Explicit,
        Selected
    }

    public String getReservation() {
        return reservation;
    }

    public void setReservation(String reservation) {
        this.reservation = reservation;
    }

    public String getUid() {
        return uid;
    }

    public void setUid(String uid) {
        this.uid = uid;
    }

    public String getMdevUuid() {
        return mdevUuid;
    }

    public void setMdevUuid(String mdevUuid) {
        this.mdevUuid = mdevUuid;
    }

    public MatrixStatus getMatrix() {
        return matrix;
    }

    public void setMatrix(MatrixStatus matrix) {
        this.matrix = matrix;
    }

    public Source getSource() {
        return source;
    }

    public void setSource(Source source) {
        this.source = source;
    }

    public String getAllocatedAt() {
        return allocatedAt;
    }

    public void setAllocatedAt(String allocatedAt) {
        this.allocatedAt = allocatedAt;
    }
}
