package dev.apqn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

import java.util.Objects;

/** A ResourceClaim prepared with a reservation's mdev on its node (DRA driver apqn.dev, docs/dra.md). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Consumer {

    @JsonPropertyDescription("The ResourceClaim, as 'namespace/name'.")
    @Required
    private String claim;

    @JsonProperty("claimUID")
    @JsonPropertyDescription("metadata.uid of the ResourceClaim.")
    private String claimUID;

    @JsonPropertyDescription("The pod the claim is reserved for, as 'namespace/name' (a KubeVirt VM's virt-launcher"
            + " pod), when the claim's status.reservedFor names one.")
    private String pod;

    @JsonPropertyDescription("When the node prepared the claim (RFC 3339).")
    private String since;

    public Consumer() {
    }

    public Consumer(String claim, String claimUID, String pod, String since) {
        this.claim = claim;
        this.claimUID = claimUID;
        this.pod = pod;
        this.since = since;
    }

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

    @Override
    public boolean equals(Object o) {
        return o instanceof Consumer c && Objects.equals(claim, c.claim) && Objects.equals(claimUID, c.claimUID)
                && Objects.equals(pod, c.pod) && Objects.equals(since, c.since);
    }

    @Override
    public int hashCode() {
        return Objects.hash(claim, claimUID, pod, since);
    }
}
