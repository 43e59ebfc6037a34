package dev.apqn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.apqn.ap.CardGeneration;
import io.fabric8.generator.annotation.Required;

import java.util.List;

/**
 * One AP card, or a set of cards that look exactly alike (same type, generation, mode, flags and
 * queue groups), and their queues, grouped compactly. The agent writes {@code adapters}; readers
 * expand it (and accept the single-card {@code adapter} of older agents).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CardStatus {

    @JsonPropertyDescription("The cards this entry stands for: adapter numbers as a decimal range list, e.g. '5' (one"
            + " card), '0-255' or '0,2,4-9' (sysfs shows them as 2 hex digits: card0a is 10). Every listed card has"
            + " exactly the fields and queue groups of this entry: a group 'cex4queue Online 0-84' on adapters '0-63'"
            + " means queues 0-63 x 0-84. Each adapter appears in one entry only. Written by the agent.")
    private String adapters;

    @JsonPropertyDescription("Deprecated single-card form: one adapter number, decimal integer 0-255; readers treat it"
            + " as adapters: '<adapter>'. The agent writes adapters instead.")
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

    @JsonPropertyDescription("The queues of each listed card, grouped by driver and state, each group with a decimal"
            + " domain range string (the same domains on every listed adapter).")
    @ListType("atomic")
    private List<QueueGroup> queues;

    public String getAdapters() {
        return adapters;
    }

    public void setAdapters(String adapters) {
        this.adapters = adapters;
    }

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
