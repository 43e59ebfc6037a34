package dev.apqn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** The queues of one card that share a driver and a state, as a domain range string. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class QueueGroup {

    /** The drivers a queue can be bound to, in the API's spelling. */
    public enum Driver {
        cex4queue,
        vfio_ap,
        none,
        other
    }

    /** A queue's state, as far as the agent cares. */
    public enum State {
        /** With the host driver, online. */
        Online,
        /** With the host driver, offline. */
        Offline,
        /** Bound to vfio_ap, not assigned to any mdev. */
        Unassigned,
        /** Bound to vfio_ap and assigned to an mdev. */
        Assigned,
        /** Assigned to an mdev whose guest is running. */
        InUse,
        /** Deconfigured or checkstopped. */
        Unavailable
    }

    @JsonPropertyDescription("cex4queue (host), vfio_ap, none or other.")
    @Required
    private Driver driver;

    @JsonPropertyDescription("Online, Offline, Unassigned, Assigned, InUse or Unavailable.")
    @Required
    private State state;

    @JsonPropertyDescription("The domains of these queues. " + Docs.RANGES)
    @Required
    private String domains;

    public QueueGroup() {
    }

    public QueueGroup(Driver driver, State state, String domains) {
        this.driver = driver;
        this.state = state;
        this.domains = domains;
    }

    public Driver getDriver() {
        return driver;
    }

    public void setDriver(Driver driver) {
        this.driver = driver;
    }

    public State getState() {
        return state;
    }

    public void setState(State state) {
        this.state = state;
    }

    public String getDomains() {
        return domains;
    }

    public void setDomains(String domains) {
        this.domains = domains;
    }
}
