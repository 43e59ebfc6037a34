package dev.apqn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

import java.util.List;

/** A running guest (an in-use mdev) whose queues a plan affects. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AffectedGuest {

    @JsonPropertyDescription(Docs.MDEV_UUID)
    @Required
    private String mdevUuid;

    @JsonPropertyDescription("The reservation that owns the mdev ('namespace/name'), or empty for an mdev the"
            + " operator did not make.")
    private String owner;

    @JsonPropertyDescription("The guest's APQNs the plan affects. " + Docs.APQN_LIST)
    @ListType("set")
    private List<String> apqns;

    public String getMdevUuid() {
        return mdevUuid;
    }

    public void setMdevUuid(String mdevUuid) {
        this.mdevUuid = mdevUuid;
    }

    public String getOwner() {
        return owner;
    }

    public void setOwner(String owner) {
        this.owner = owner;
    }

    public List<String> getApqns() {
        return apqns;
    }

    public void setApqns(List<String> apqns) {
        this.apqns = apqns;
    }
}
