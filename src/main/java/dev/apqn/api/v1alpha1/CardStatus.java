package dev.apqn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

import java.util.List;

/** One AP card and its queues, grouped compactly. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CardStatus {

    @JsonPropertyDescription("Adapter number, decimal integer 0-255 (sysfs shows it as 2 hex digits: card0a is 10).")
    @Required
    private Integer adapter;

    @JsonPropertyDescription("zcrypt's card type, e.g. CEX8C (absent while the host card driver is unbound).")
    private String type;

    @JsonPropertyDescription("Card generation: CEX4..CEX8, from hwtype.")
    private CardGeneration generation;

    @JsonPropertyDescription("CCA, EP11, Accelerator or Unknown, from ap_functions.")
    private CardMode mode;

    @JsonPropertyDescription("Configured (config 1), not in standby.")
    private Boolean config;

    @JsonPropertyDescription("Checkstopped.")
    private Boolean chkstop;

    @JsonPropertyDescription("zcrypt online state (absent while the host card driver is unbound).")
    private Boolean online;

    @JsonPropertyDescription("The card's queues grouped by driver and state, each group with a decimal domain range"
            + " string.")
    @ListType("atomic")
    private List<QueueGroup> queues;

    public Integer getAdapter() {
        return adapter;
    }

    public void setAdapter(Integer adapter) {
        this.adapter = adapter;
    }

    public String getType() {
        return type;
    }

    public void setType(String type) {
        this.type = type;
    }

    public CardGeneration getGeneration() {
        return generation;
    }

    public void setGeneration(CardGeneration generation) {
        this.generation = generation;
    }

    public CardMode getMode() {
        return mode;
    }

    public void setMode(CardMode mode) {
        this.mode = mode;
    }

    public Boolean getConfig() {
        return config;
    }

    public void setConfig(Boolean config) {
        this.config = config;
    }

    public Boolean getChkstop() {
        return chkstop;
    }

    public void setChkstop(Boolean chkstop) {
        this.chkstop = chkstop;
    }

    public Boolean getOnline() {
        return online;
    }

    public void setOnline(Boolean online) {
        this.online = online;
    }

    public List<QueueGroup> getQueues() {
        return queues;
    }

    public void setQueues(List<QueueGroup> queues) {
        this.queues = queues;
    }
}
