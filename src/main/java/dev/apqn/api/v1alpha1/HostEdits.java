package dev.apqn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

import java.util.List;

/** The host part of a {@link dev.apqn.plan.HostTarget}: mask bits or driver_overrides, and the claims. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class HostEdits {

    @JsonPropertyDescription("The ownership mode the edits are for: Masks or DriverOverride. The agent reports the"
            + " plan stale if its node is in the other mode.")
    @Required
    private NodeMode mode;

    @JsonPropertyDescription("The inventory generation (APNodeState.status.inventoryGeneration, decimal counter) the"
            + " edits were computed for; the agent reports them stale when its inventory moved on.")
    @Required
    private Long inventoryGeneration;

    @JsonPropertyDescription("Masks mode: adapters whose apmask bit the operator needs cleared. Bits cleared by"
            + " someone else are left alone. " + Docs.ADAPTER_LIST)
    @ListType("set")
    private List<Integer> adaptersOffHost;

    @JsonPropertyDescription("Masks mode: domains whose aqmask bit the operator needs cleared. " + Docs.DOMAIN_LIST)
    @ListType("set")
    private List<Integer> domainsOffHost;

    @JsonPropertyDescription("DriverOverride mode: queues whose driver_override must be vfio_ap. " + Docs.APQN_LIST)
    @ListType("set")
    private List<String> overrides;

    @JsonPropertyDescription("Why each APQN is off the host, and for whom: the off-host APQNs equal the union of"
            + " the claims.")
    @ListType("atomic")
    private List<Claim> claims;

    @JsonPropertyDescription("Hash of the edits and the inventory generation (lower-case hex), for the agent's"
            + " sync state and the reservations' plans.")
    private String hash;

    public NodeMode getMode() {
        return mode;
    }

    public void setMode(NodeMode mode) {
        this.mode = mode;
    }

    public Long getInventoryGeneration() {
        return inventoryGeneration;
    }

    public void setInventoryGeneration(Long inventoryGeneration) {
        this.inventoryGeneration = inventoryGeneration;
    }

    public List<Integer> getAdaptersOffHost() {
        return adaptersOffHost;
    }

    public void setAdaptersOffHost(List<Integer> adaptersOffHost) {
        this.adaptersOffHost = adaptersOffHost;
    }

    public List<Integer> getDomainsOffHost() {
        return domainsOffHost;
    }

    public void setDomainsOffHost(List<Integer> domainsOffHost) {
        this.domainsOffHost = domainsOffHost;
    }

    public List<String> getOverrides() {
        return overrides;
    }

    public void setOverrides(List<String> overrides) {
        this.overrides = overrides;
    }

    public List<Claim> getClaims() {
        return claims;
    }

    public void setClaims(List<Claim> claims) {
        this.claims = claims;
    }

    public String getHash() {
        return hash;
    }

    public void setHash(String hash) {
        this.hash = hash;
    }
}
