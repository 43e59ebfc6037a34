package dev.apqn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The agent instance that writes this status. Written when it starts, not as a heartbeat. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AgentStatus {

    @JsonPropertyDescription("The agent's identity (pod name), as in the Lease's holderIdentity.")
    private String identity;

    @JsonPropertyDescription("The Lease that shows the agent's liveness, as 'namespace/name'.")
    private String lease;

    @JsonPropertyDescription("When this agent instance acquired the Lease (RFC 3339).")
    private String acquireTime;

    @JsonPropertyDescription("The agent's version.")
    private String version;

    @JsonPropertyDescription("sysfs (a real node) or simulated (a machine profile).")
    private String backend;

    public String getIdentity() {
        return identity;
    }

    public void setIdentity(String identity) {
        this.identity = identity;
    }

    public String getLease() {
        return lease;
    }

    public void setLease(String lease) {
        this.lease = lease;
    }

    public String getAcquireTime() {
        return acquireTime;
    }

    public void setAcquireTime(String acquireTime) {
        this.acquireTime = acquireTime;
    }

    public String getVersion() {
        return version;
    }

    public void setVersion(String version) {
        this.version = version;
    }

    public String getBackend() {
        return backend;
    }

    public void setBackend(String backend) {
        this.backend = backend;
    }
}
