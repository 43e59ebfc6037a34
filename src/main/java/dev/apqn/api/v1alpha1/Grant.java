package dev.apqn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

import java.util.List;

/** Namespaces that may reserve a set of APQNs. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "has(self.adapters) || has(self.domains) || has(self.apqns)",
        message = "grants[]: name at least one of adapters, domains or apqns")
public class Grant {

    @JsonPropertyDescription("Namespace names that may reserve the APQNs below ('*' for any).")
    @Required
    @Size(min = 1, max = 256)
    @ListType("set")
    private List<String> namespaces;

    @JsonPropertyDescription("Adapters the namespaces may use (with any granted domain). Omit for any adapter. "
            + Docs.ADAPTER_LIST)
    @Size(min = 1, max = 256)
    @ListType("set")
    @ItemFormat(minimum = 0, maximum = 255)
    private List<Integer> adapters;

    @JsonPropertyDescription("Domains the namespaces may use (on any granted adapter). Omit for any domain. "
            + Docs.DOMAIN_LIST)
    @Size(min = 1, max = 256)
    @ListType("set")
    @ItemFormat(minimum = 0, maximum = 255)
    private List<Integer> domains;

    @JsonPropertyDescription("Single APQNs the namespaces may use, in addition. " + Docs.APQN_LIST)
    @Size(min = 1, max = 4096)
    @ListType("set")
    @ItemFormat(maxLength = 7, pattern = APQNReservationSpec.APQN_PATTERN)
    private List<String> apqns;

    public List<String> getNamespaces() {
        return namespaces;
    }

    public void setNamespaces(List<String> namespaces) {
        this.namespaces = namespaces;
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

    public List<String> getApqns() {
        return apqns;
    }

    public void setApqns(List<String> apqns) {
        this.apqns = apqns;
    }
}
