package dev.apqn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** One APQN of a reservation and how far it got on the node. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ApqnState {

    /** Where one APQN stands, in the order the agent moves it. */
    public enum State {
        /** Not yet touched (plan pending, awaiting approval, or waiting for the agent). */
        Pending,
        /** Waiting for the host's in-flight requests to end. */
        Draining,
        /** Taken from the host drivers, not yet bound to vfio_ap. */
        OffHost,
        /** Bound to vfio_ap, not yet in the mdev's matrix. */
        Bound,
        /** In the mdev's matrix, not (yet) in its guest_matrix. */
        Assigned,
        /** In the guest_matrix: usable by the guest. */
        Ready,
        /** Assigned but filtered out of guest_matrix by the kernel (see message). */
        Filtered,
        /** The queue device does not exist on the node (card missing, deconfigured or checkstopped). */
        Missing,
        /** Held by someone else (another reservation, a foreign mdev or mask bit, the policy). */
        Conflict,
        /** Being given back to the host. */
        Releasing
    }

    @JsonPropertyDescription(Docs.APQN)
    @Required
    private String apqn;

    @JsonPropertyDescription("Pending, Draining, OffHost, Bound, Assigned, Ready, Filtered, Missing, Conflict or Releasing.")
    @Required
    private State state;

    @JsonPropertyDescription("Why the APQN is in this state, when that is not obvious (e.g. who holds it).")
    private String message;

    public ApqnState() {
    }

    public ApqnState(String apqn, State state, String message) {
        this.apqn = apqn;
        this.state = state;
        this.message = message;
    }

    public String getApqn() {
        return apqn;
    }

    public void setApqn(String apqn) {
        this.apqn = apqn;
    }

    public State getState() {
        return state;
    }

    public void setState(State state) {
        this.state = state;
    }

    public String getMessage() {
        return message;
    }

    public void setMessage(String message) {
        this.message = message;
    }
}
