package dev.apqn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** One operator-owned mdev as it must be on the node. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NodeMdev {

    @JsonPropertyDescription(Docs.MDEV_UUID)
    @Required
    private String uuid;

    @JsonPropertyDescription(Docs.RESERVATION_REF)
    @Required
    private String reservation;

    @JsonPropertyDescription("The mdev's matrix (decimal numbers).")
    @Required
    private MatrixStatus matrix;

    public String getUuid() {
        return uuid;
    }

    public void setUuid(String uuid) {
        this.uuid = uuid;
    }

    public String getReservation() {
        return reservation;
    }

    public void setReservation(String reservation) {
        this.reservation = reservation;
    }

    public MatrixStatus getMatrix() {
        return matrix;
    }

    public void setMatrix(MatrixStatus matrix) {
        this.matrix = matrix;
    }
}
