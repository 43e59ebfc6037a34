package dev.apqn.api.v1alpha1;

import dev.apqn.status.Reason;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

import java.util.List;

/** How far the agent got with one reservation's part of spec. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ReservationSync {

    /** The agent's per-reservation state. */
    public enum State {
        Pending,
        Applying,
        /** The node rebooted (or the agent recovers intents) and the mdev is being re-created from scratch. */
        Restoring,
        Ready,
        /** Someone changed the reservation's mdev by hand; the agent repaired it in this pass (see reason and message). */
        Drifted,
        Degraded,
        Failed,
        PlanStale,
        InUse,
        Releasing,
        Released
    }

    @JsonPropertyDescription(Docs.RESERVATION_REF)
    @Required
    private String reservation;

    @JsonPropertyDescription(Docs.MDEV_UUID)
    private String mdevUuid;

    @JsonPropertyDescription("Pending, Applying, Restoring (re-creating after a node reboot), Ready, Drifted (a hand"
            + " edit was found and repaired; the guest has its APQNs again), Degraded, Failed, PlanStale, InUse (a guest"
            + " blocks release), Releasing or Released.")
    @Required
    private State state;

    @JsonPropertyDescription("The spec.hostEdits.hash the agent last applied for this reservation.")
    private String appliedHash;

    @JsonPropertyDescription("A reason from the fixed vocabulary (dev.apqn.status.Reason).")
    private Reason reason;

    @JsonPropertyDescription("Human-readable detail, e.g. the kernel error of a failed write.")
    private String message;

    @JsonPropertyDescription("When state last changed (RFC 3339).")
    private String lastTransitionTime;

    @JsonPropertyDescription("Estimated host requests in flight on this reservation's queues (reserved and collateral)"
            + " at the moment of the writes that took them from the host, summed over those writes; recorded in the"
            + " agent's intent ledger before each write, so it survives an agent restart. Absent if the operator took"
            + " none of its queues. The kernel flushed them (-EAGAIN); zcrypt retried them on other APQNs.")
    private Integer inFlightAtTakeover;

    @JsonPropertyDescription("The ResourceClaims the node's kubelet plugin has prepared with this reservation's mdev"
            + " (DRA driver apqn.dev), from the agent's checkpoint; the mdev is not removed while one is listed.")
    @Size(max = 64)
    private List<Consumer> consumers;

    public String getReservation() {
        return reservation;
    }

    public void setReservation(String reservation) {
        this.reservation = reservation;
    }

    public String getMdevUuid() {
        return mdevUuid;
    }

    public void setMdevUuid(String mdevUuid) {
        this.mdevUuid = mdevUuid;
    }

    public State getState() {
        return state;
    }

    public void setState(State state) {
        this.state = state;
    }

    public String getAppliedHash() {
        return appliedHash;
    }

    public void setAppliedHash(String appliedHash) {
        this.appliedHash = appliedHash;
    }

    public Reason getReason() {
        return reason;
    }

    public void setReason(Reason reason) {
        this.reason = reason;
    }

    public String getMessage() {
        return message;
    }

    public void setMessage(String message) {
        this.message = message;
    }

    public Integer getInFlightAtTakeover() {
        return inFlightAtTakeover;
    }

    public void setInFlightAtTakeover(Integer inFlightAtTakeover) {
        this.inFlightAtTakeover = inFlightAtTakeover;
    }

    public String getLastTransitionTime() {
        return lastTransitionTime;
    }

    public void setLastTransitionTime(String lastTransitionTime) {
        this.lastTransitionTime = lastTransitionTime;
    }

    public List<Consumer> getConsumers() {
        return consumers;
    }

    public void setConsumers(List<Consumer> consumers) {
        this.consumers = consumers;
    }
}
