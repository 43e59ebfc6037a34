package dev.apqn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.apqn.ap.ApMask;
import dev.apqn.ap.Matrix;

import java.util.ArrayList;
import java.util.List;

/** A vfio_ap matrix as decimal number lists (adapters x usage domains, plus control domains). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class MatrixStatus {

    @JsonPropertyDescription(Docs.ADAPTER_LIST)
    @ListType("set")
    private List<Integer> adapters;

    @JsonPropertyDescription("Usage domains. " + Docs.DOMAIN_LIST)
    @ListType("set")
    private List<Integer> domains;

    @JsonPropertyDescription("Control domains. " + Docs.DOMAIN_LIST)
    @ListType("set")
    private List<Integer> controlDomains;

    public MatrixStatus() {
    }

    public MatrixStatus(List<Integer> adapters, List<Integer> domains, List<Integer> controlDomains) {
        this.adapters = adapters;
        this.domains = domains;
        this.controlDomains = controlDomains;
    }

    public static MatrixStatus of(Matrix matrix) {
        return new MatrixStatus(new ArrayList<>(matrix.adapters().idList()), new ArrayList<>(matrix.domains().idList()),
                matrix.controlDomains().isEmpty() ? null : new ArrayList<>(matrix.controlDomains().idList()));
    }

    public Matrix toMatrix() {
        return new Matrix(mask(adapters), mask(domains), mask(controlDomains));
    }

    static ApMask mask(List<Integer> ids) {
        return ids == null ? ApMask.none() : ApMask.of(ids);
    }

    public List<Integer> getAdapters() {
        return adapters;
    }

    public void setAdapters(List<Integer> adapters) {
        this.adapters = adapters;
    }

    public List<Integer> getDomains() {
        return domains;
    }

    public void setDomains(List<Integer> domains) {
        this.domains = domains;
    }

    public List<Integer> getControlDomains() {
        return controlDomains;
    }

    public void setControlDomains(List<Integer> controlDomains) {
        this.controlDomains = controlDomains;
    }
}
