package dev.apqn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.apqn.ap.Matrix;

/** A matrix as compact decimal range strings (for node status, where size matters). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class MatrixRanges {

    @JsonPropertyDescription("Adapters. " + Docs.RANGES)
    private String adapters;

    @JsonPropertyDescription("Usage domains. " + Docs.RANGES)
    private String domains;

    @JsonPropertyDescription("Control domains. " + Docs.RANGES)
    private String controlDomains;

    public static MatrixRanges of(Matrix m) {
        var r = new MatrixRanges();
        r.adapters = m.adapters().toRangeList();
        r.domains = m.domains().toRangeList();
        r.controlDomains = m.controlDomains().toRangeList();
        return r;
    }

    public String getAdapters() {
        return adapters;
    }

    public void setAdapters(String adapters) {
        this.adapters = adapters;
    }

    public String getDomains() {
        return domains;
    }

    public void setDomains(String domains) {
        this.domains = domains;
    }

    public String getControlDomains() {
        return controlDomains;
    }

    public void setControlDomains(String controlDomains) {
        this.controlDomains = controlDomains;
    }
}
