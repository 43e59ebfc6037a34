package dev.apqn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.apqn.ap.CardGeneration;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

import java.util.List;

/** The selection form of a reservation: counts and card filters; the controller picks the APQNs. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SelectionSpec {

    /** Whether the selected usage domains are also assigned as control domains. */
    public enum ControlDomains {
        None,
        SameAsUsage
    }

    @JsonPropertyDescription("How many adapters (cards) to pick: decimal integer 1-256.")
    @Required
    @Min(1)
    @Max(256)
    private Integer adapters;

    @JsonPropertyDescription("How many usage domains to pick (the same domains on every picked adapter): decimal"
            + " integer 1-256.")
    @Required
    @Min(1)
    @Max(256)
    private Integer domains;

    @JsonPropertyDescription("Card generations that qualify (CEX4..CEX8). Omit for any.")
    @Size(min = 1, max = 8)
    @ListType("set")
    private List<CardGeneration> generations;

    @JsonPropertyDescription("Card modes that qualify (CCA, EP11, Accelerator). Omit for any.")
    @Size(min = 1, max = 4)
    @ListType("set")
    private List<CardMode> modes;

    @JsonPropertyDescription("None (default): no control domains. SameAsUsage: the picked usage domains are also"
            + " assigned as control domains.")
    @Default("None")
    private ControlDomains controlDomains;

    public Integer getAdapters() {
        return adapters;
    }

    public void setAdapters(Integer adapters) {
        this.adapters = adapters;
    }

    public Integer getDomains() {
        return domains;
    }

    public void setDomains(Integer domains) {
        this.domains = domains;
    }

    public List<CardGeneration> getGenerations() {
        return generations;
    }

    public void setGenerations(List<CardGeneration> generations) {
        this.generations = generations;
    }

    public List<CardMode> getModes() {
        return modes;
    }

    public void setModes(List<CardMode> modes) {
        this.modes = modes;
    }

    public ControlDomains getControlDomains() {
        return controlDomains;
    }

    public void setControlDomains(ControlDomains controlDomains) {
        this.controlDomains = controlDomains;
    }
}
