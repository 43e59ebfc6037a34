package dev.apqn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/**
 * Who uses a reservation's device through Dynamic Resource Allocation: one prepared ResourceClaim
 * (and its pod, when known). The agent reports it per reservation in APNodeState; the controller
 * copies it into the reservation's status.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Consumer {

    @JsonPropertyDescription("The ResourceClaim that was allocated the reservation's device, as namespace/name.")
    @Required
    private String claim;

    @JsonPropertyDescription("The ResourceClaim's metadata.uid (a re-created claim of the same name is another consumer).")
    private String claimUID;

    @JsonPropertyDescription("The pod using the claim, as namespace/name, when known (for a KubeVirt VM, its virt-launcher pod).")
    private String pod;

    @JsonPropertyDescription("Since when the device is prepared for this claim (RFC 3339).")
    private String since;

    public String getClaim() {
        return claim;
    }

    public void setClaim(String claim) {
        this.claim = claim;
    }

    public String getClaimUID() {
        return claimUID;
    }

    public void setClaimUID(String claimUID) {
        this.claimUID = claimUID;
    }

    public String getPod() {
        return pod;
    }

    public void setPod(String pod) {
        this.pod = pod;
    }

    public String getSince() {
        return since;
    }

    public void setSince(String since) {
        this.since = since;
    }
}
