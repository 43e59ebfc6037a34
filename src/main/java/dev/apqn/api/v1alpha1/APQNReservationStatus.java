package dev.apqn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;

import java.util.List;

/** What the controller reports about a reservation (written by the controller only). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@SingleWriter("the controller")
@JsonClassDescription("What the controller reports (owned by the controller): phase, conditions, the plan, per-APQN state and how to use the mdev.")
public class APQNReservationStatus {

    @JsonPropertyDescription(Docs.OBSERVED_GENERATION)
    private Long observedGeneration;

    @JsonPropertyDescription("Derived lifecycle phase: Pending, Planned, AwaitingApproval, Applying, Ready,"
            + " Conflict, Degraded or Releasing. The conditions carry the detail.")
    private Phase phase;

    @JsonPropertyDescription(Docs.CONDITIONS + " Ready: every APQN is in the mdev's guest_matrix. Reconciling and"
            + " Stalled: the kstatus pair (work in progress; cannot progress without a change). Conflict: another"
            + " reservation, a foreign mdev or a policy holds the APQNs. Degraded: the kernel filters some APQNs out."
            + " Reasons come from a fixed vocabulary (dev.apqn.status.Reason).")
    @ListType(value = "map", keys = "type")
    private List<Condition> conditions;

    @JsonPropertyDescription("The node the APQNs are on (spec.nodeName, or the node the selection chose).")
    private String node;

    @JsonPropertyDescription(Docs.MDEV_UUID + " spec.mdevUuid, or the UUID derived from the reservation.")
    private String mdevUuid;

    @JsonPropertyDescription("The reserved APQNs in short form for the printer column, e.g. '05.0004,05.0006' or,"
            + " for large matrices, '2x16 (05-06 x 0000-000f)' (hex, as sysfs names them).")
    private String apqnSummary;

    @JsonPropertyDescription("The resolved matrix (decimal numbers): the spec's, or the controller's one-time selection.")
    private MatrixStatus matrix;

    @JsonPropertyDescription("State of each APQN of the matrix on the node, keyed by apqn.")
    @ListType(value = "map", keys = "apqn")
    private List<ApqnState> queues;

    @JsonPropertyDescription("The plan: the host edits this reservation needs on its node, with what they pull in"
            + " and whom they affect. With approval: Manual, approve it by copying plan.hash to spec.approvedPlan.")
    private PlanStatus plan;

    @JsonPropertyDescription("A human-readable summary of the current state and of what to do about it, if anything.")
    private String message;

    @JsonPropertyDescription("How to give the mdev to a guest (present once the mdev exists).")
    private UsageStatus usage;

    @JsonPropertyDescription("Who uses the device through Dynamic Resource Allocation: the ResourceClaims (and pods) the"
            + " node's kubelet plugin prepared it for, as the node's agent reports them. Empty while no pod uses it.")
    @ListType("atomic")
    private List<Consumer> consumers;

    public Long getObservedGeneration() {
        return observedGeneration;
    }

    public void setObservedGeneration(Long observedGeneration) {
        this.observedGeneration = observedGeneration;
    }

    public Phase getPhase() {
        return phase;
    }

    public void setPhase(Phase phase) {
        this.phase = phase;
    }

    public List<Condition> getConditions() {
        return conditions;
    }

    public void setConditions(List<Condition> conditions) {
        this.conditions = conditions;
    }

    public String getNode() {
        return node;
    }

    public void setNode(String node) {
        this.node = node;
    }

    public String getMdevUuid() {
        return mdevUuid;
    }

    public void setMdevUuid(String mdevUuid) {
        this.mdevUuid = mdevUuid;
    }

    public String getApqnSummary() {
        return apqnSummary;
    }

    public void setApqnSummary(String apqnSummary) {
        this.apqnSummary = apqnSummary;
    }

    public MatrixStatus getMatrix() {
        return matrix;
    }

    public void setMatrix(MatrixStatus matrix) {
        this.matrix = matrix;
    }

    public List<ApqnState> getQueues() {
        return queues;
    }

    public void setQueues(List<ApqnState> queues) {
        this.queues = queues;
    }

    public PlanStatus getPlan() {
        return plan;
    }

    public void setPlan(PlanStatus plan) {
        this.plan = plan;
    }

    public String getMessage() {
        return message;
    }

    public void setMessage(String message) {
        this.message = message;
    }

    public List<Consumer> getConsumers() {
        return consumers;
    }

    public void setConsumers(List<Consumer> consumers) {
        this.consumers = consumers;
    }

    public UsageStatus getUsage() {
        return usage;
    }

    public void setUsage(UsageStatus usage) {
        this.usage = usage;
    }
}
