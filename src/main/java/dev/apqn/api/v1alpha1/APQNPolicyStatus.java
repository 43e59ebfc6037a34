package dev.apqn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;

import java.util.List;

/** What the controller reports about a policy. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonClassDescription("What the controller reports about the policy.")
public class APQNPolicyStatus {

    @JsonPropertyDescription(Docs.OBSERVED_GENERATION)
    private Long observedGeneration;

    @JsonPropertyDescription(Docs.CONDITIONS + " Ready: the policy is in effect; Conflict: it keeps for the host"
            + " APQNs that reservations already hold (they keep them until released).")
    @ListType(value = "map", keys = "type")
    private List<Condition> conditions;

    @JsonPropertyDescription("How many nodes the policy selects (decimal count).")
    private Integer matchingNodes;

    public Long getObservedGeneration() {
        return observedGeneration;
    }

    public void setObservedGeneration(Long observedGeneration) {
        this.observedGeneration = observedGeneration;
    }

    public List<Condition> getConditions() {
        return conditions;
    }

    public void setConditions(List<Condition> conditions) {
        this.conditions = conditions;
    }

    public Integer getMatchingNodes() {
        return matchingNodes;
    }

    public void setMatchingNodes(Integer matchingNodes) {
        this.matchingNodes = matchingNodes;
    }
}
