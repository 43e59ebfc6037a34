package dev.apqn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The node's host configuration as compact decimal range strings. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class HostConfigStatus {

    @JsonPropertyDescription("Adapters whose apmask bit is set (the host drivers may own them). " + Docs.RANGES)
    private String apmask;

    @JsonPropertyDescription("Domains whose aqmask bit is set (the host drivers may own them). " + Docs.RANGES)
    private String aqmask;

    @JsonPropertyDescription("Adapters whose apmask bit the operator cleared. " + Docs.RANGES)
    private String adaptersOffHostByOperator;

    @JsonPropertyDescription("Domains whose aqmask bit the operator cleared. " + Docs.RANGES)
    private String domainsOffHostByOperator;

    @JsonPropertyDescription("Adapters whose apmask bit is clear but not by the operator (foreign: left alone,"
            + " counted as occupied). " + Docs.RANGES)
    private String adaptersOffHostForeign;

    @JsonPropertyDescription("Domains whose aqmask bit is clear but not by the operator (foreign). " + Docs.RANGES)
    private String domainsOffHostForeign;

    @JsonPropertyDescription("DriverOverride mode: number of queues with driver_override set (decimal).")
    private Integer overrides;

    @JsonPropertyDescription("Largest adapter number the machine supports (decimal, from ap_max_adapter_id).")
    private Integer maxAdapter;

    @JsonPropertyDescription("Largest domain number the machine supports (decimal, from ap_max_domain_id).")
    private Integer maxDomain;

    public String getApmask() {
        return apmask;
    }

    public void setApmask(String apmask) {
        this.apmask = apmask;
    }

    public String getAqmask() {
        return aqmask;
    }

    public void setAqmask(String aqmask) {
        this.aqmask = aqmask;
    }

    public String getAdaptersOffHostByOperator() {
        return adaptersOffHostByOperator;
    }

    public void setAdaptersOffHostByOperator(String adaptersOffHostByOperator) {
        this.adaptersOffHostByOperator = adaptersOffHostByOperator;
    }

    public String getDomainsOffHostByOperator() {
        return domainsOffHostByOperator;
    }

    public void setDomainsOffHostByOperator(String domainsOffHostByOperator) {
        this.domainsOffHostByOperator = domainsOffHostByOperator;
    }

    public String getAdaptersOffHostForeign() {
        return adaptersOffHostForeign;
    }

    public void setAdaptersOffHostForeign(String adaptersOffHostForeign) {
        this.adaptersOffHostForeign = adaptersOffHostForeign;
    }

    public String getDomainsOffHostForeign() {
        return domainsOffHostForeign;
    }

    public void setDomainsOffHostForeign(String domainsOffHostForeign) {
        this.domainsOffHostForeign = domainsOffHostForeign;
    }

    public Integer getOverrides() {
        return overrides;
    }

    public void setOverrides(Integer overrides) {
        this.overrides = overrides;
    }

    public Integer getMaxAdapter() {
        return maxAdapter;
    }

    public void setMaxAdapter(Integer maxAdapter) {
        this.maxAdapter = maxAdapter;
    }

    public Integer getMaxDomain() {
        return maxDomain;
    }

    public void setMaxDomain(Integer maxDomain) {
        this.maxDomain = maxDomain;
    }
}
