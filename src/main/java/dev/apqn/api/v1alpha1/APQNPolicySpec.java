package dev.apqn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Size;

import java.util.List;
import java.util.Map;

/** The admin's rules for the selected nodes. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonClassDescription("The admin's rules for the selected nodes: host-kept APQNs, collateral approval and namespace grants.")
public class APQNPolicySpec {

    /** Whether plans that take collateral APQNs from the host need the user's approval. */
    public enum Collateral {
        /** Allowed; always shown in the plan and in an event. */
        Allowed,
        /** The reservation waits in AwaitingApproval (as with approval: Manual) while its plan has collateral. */
        RequireApproval
    }

    @JsonPropertyDescription("Labels of the nodes this policy applies to (like a Pod's nodeSelector). Omit or"
            + " leave empty for every node.")
    @Size(max = 32)
    private Map<String, String> nodeSelector;

    @JsonPropertyDescription("APQNs, adapters and domains that must never leave the host on the selected nodes:"
            + " reservations and collateral that need them are refused (Stalled, reason KeptForHost).")
    private ApqnSet hostKeep;

    @JsonPropertyDescription("Allowed (default): plans may take collateral APQNs, always shown in the plan and in an"
            + " event. RequireApproval: a plan with collateral waits for spec.approvedPlan.")
    @Default("Allowed")
    private Collateral collateral;

    @JsonPropertyDescription("Which namespaces may reserve which adapters and domains. Omit for the default: any"
            + " namespace may reserve anything not kept for the host.")
    @Size(max = 256)
    @ListType("atomic")
    private List<Grant> grants;

    public Map<String, String> getNodeSelector() {
        return nodeSelector;
    }

    public void setNodeSelector(Map<String, String> nodeSelector) {
        this.nodeSelector = nodeSelector;
    }

    public ApqnSet getHostKeep() {
        return hostKeep;
    }

    public void setHostKeep(ApqnSet hostKeep) {
        this.hostKeep = hostKeep;
    }

    public Collateral getCollateral() {
        return collateral;
    }

    public void setCollateral(Collateral collateral) {
        this.collateral = collateral;
    }

    public List<Grant> getGrants() {
        return grants;
    }

    public void setGrants(List<Grant> grants) {
        this.grants = grants;
    }
}
