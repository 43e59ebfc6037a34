package dev.apqn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;

import java.util.List;

/** A set of APQNs: listed APQNs plus whole adapters plus whole domains (the union). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ApqnSet {

    @JsonPropertyDescription("Whole adapters (every domain on them). " + Docs.ADAPTER_LIST)
    @Size(max = 256)
    @ListType("set")
    @ItemFormat(minimum = 0, maximum = 255)
    private List<Integer> adapters;

    @JsonPropertyDescription("Whole domains (on every adapter). " + Docs.DOMAIN_LIST)
    @Size(max = 256)
    @ListType("set")
    @ItemFormat(minimum = 0, maximum = 255)
    private List<Integer> domains;

    @JsonPropertyDescription("Single APQNs. " + Docs.APQN_LIST)
    @Size(max = 4096)
    @ListType("set")
    @ItemFormat(maxLength = 7, pattern = APQNReservationSpec.APQN_PATTERN)
    private List<String> apqns;

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

    public List<String> getApqns() {
        return apqns;
    }

    public void setApqns(List<String> apqns) {
        this.apqns = apqns;
    }
}
