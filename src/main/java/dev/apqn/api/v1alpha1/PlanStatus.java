package dev.apqn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import java.util.List;

/**
 * The host edits a reservation needs on its node, computed by the controller for the node's reported
 * mode and inventory generation. The hash covers the edits and the inventory generation, so an
 * approved plan is exactly what runs.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PlanStatus {

    @JsonPropertyDescription("The node's ownership mode the plan was computed for: Masks (apmask/aqmask) or"
            + " DriverOverride (per-queue driver_override, kernel 6.19+).")
    private NodeMode mode;

    @JsonPropertyDescription("The agent-reported inventory generation (APNodeState.status.inventoryGeneration, a"
            + " decimal counter) the plan was computed for.")
    private Long inventoryGeneration;

    @JsonPropertyDescription("Masks mode: adapters whose apmask bit this plan clears. " + Docs.ADAPTER_LIST)
    @ListType("set")
    private List<Integer> adaptersOffHost;

    @JsonPropertyDescription("Masks mode: domains whose aqmask bit this plan clears. " + Docs.DOMAIN_LIST)
    @ListType("set")
    private List<Integer> domainsOffHost;

    @JsonPropertyDescription("DriverOverride mode: queues whose driver_override this plan sets to vfio_ap. "
            + Docs.APQN_LIST)
    @ListType("set")
    private List<String> overrides;

    @JsonPropertyDescription("Collateral: APQNs the mask edits take from the host although the reservation does not"
            + " use them (a cleared apmask bit removes the whole adapter from the host). " + Docs.APQN_LIST)
    @ListType("set")
    private List<String> collateral;

    @JsonPropertyDescription("Running guests whose queues the plan affects, with the APQNs they lose or that change"
            + " under them.")
    @ListType(value = "map", keys = "mdevUuid")
    private List<AffectedGuest> affectedGuests;

    @JsonPropertyDescription("Host zcrypt users lose these queues: APQNs currently with the host drivers that the"
            + " plan takes (reserved plus collateral). " + Docs.APQN_LIST)
    @ListType("set")
    private List<String> takenFromHost;

    @JsonPropertyDescription("The plan's hash (lower-case hex). With approval: Manual, copy it to spec.approvedPlan"
            + " to approve exactly this plan.")
    private String hash;

    @JsonPropertyDescription("Whether spec.approvedPlan equals hash (always true with approval: Automatic).")
    private Boolean approved;

    @JsonPropertyDescription("Whether the policy requires approval for this plan's collateral (APQNPolicy"
            + " spec.collateral: RequireApproval).")
    private Boolean collateralNeedsApproval;

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

    public List<String> getCollateral() {
        return collateral;
    }

    public void setCollateral(List<String> collateral) {
        this.collateral = collateral;
    }

    public List<AffectedGuest> getAffectedGuests() {
        return affectedGuests;
    }

    public void setAffectedGuests(List<AffectedGuest> affectedGuests) {
        this.affectedGuests = affectedGuests;
    }

    public List<String> getTakenFromHost() {
        return takenFromHost;
    }

    public void setTakenFromHost(List<String> takenFromHost) {
        this.takenFromHost = takenFromHost;
    }

    public String getHash() {
        return hash;
    }

    public void setHash(String hash) {
        this.hash = hash;
    }

    public Boolean getApproved() {
        return approved;
    }

    public void setApproved(Boolean approved) {
        this.approved = approved;
    }

    public Boolean getCollateralNeedsApproval() {
        return collateralNeedsApproval;
    }

    public void setCollateralNeedsApproval(Boolean collateralNeedsApproval) {
        this.collateralNeedsApproval = collateralNeedsApproval;
    }
}
