package dev.apqn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import java.util.List;

/**
 * What the node must look like, written by the controller only. Together {@code mdevs} and
 * {@code hostEdits} carry one {@link dev.apqn.plan.HostTarget} (see {@link HostTargetMapper});
 * {@code allocations} are the durable results of selections.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@SingleWriter("the controller")
@JsonClassDescription("What the node must look like (owned by the controller): desired mdevs, allocations and concrete host edits.")
public class APNodeStateSpec {

    @JsonPropertyDescription("The operator's mdevs as they must be on the node, keyed by uuid. Operator mdevs on the"
            + " node that are not listed are removed; mdevs the operator did not make are never touched.")
    @ListType(value = "map", keys = "uuid")
    private List<NodeMdev> mdevs;

    @JsonPropertyDescription("The APQNs allocated to each reservation on this node, keyed by reservation. Durable:"
            + " a selection's result lives here, so the controller never selects twice.")
    @ListType(value = "map", keys = "reservation")
    private List<Allocation> allocations;

    @JsonPropertyDescription("The concrete host edits (mask bits or driver_overrides) for the node's reported mode"
            + " and inventory generation, with the claim behind every APQN taken off the host.")
    private HostEdits hostEdits;

    public List<NodeMdev> getMdevs() {
        return mdevs;
    }

    public void setMdevs(List<NodeMdev> mdevs) {
        this.mdevs = mdevs;
    }

    public List<Allocation> getAllocations() {
        return allocations;
    }

    public void setAllocations(List<Allocation> allocations) {
        this.allocations = allocations;
    }

    public HostEdits getHostEdits() {
        return hostEdits;
    }

    public void setHostEdits(HostEdits hostEdits) {
        this.hostEdits = hostEdits;
    }
}
