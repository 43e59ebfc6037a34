package dev.apqn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

import java.util.List;
import java.util.Map;

/**
 * What the user asks for, in exactly one of three forms:
 * <ul>
 *   <li>explicit: {@code nodeName} + {@code adapters} + {@code domains} (+ {@code controlDomains});</li>
 *   <li>APQN list: {@code nodeName} + {@code apqns} (must be a full adapters x domains rectangle;
 *       {@code controlDomains} allowed, the listed domains being the usage domains);</li>
 *   <li>selection: {@code select} (+ {@code nodeName} or {@code nodeSelector}); the controller picks
 *       free APQNs once, records them in the node's APNodeState.spec.allocations, and never
 *       re-selects after that.</li>
 * </ul>
 * Every rule the API server can check is a CEL rule here; the messages name the field.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "(has(self.adapters) || has(self.domains) ? 1 : 0) + (has(self.apqns) ? 1 : 0)"
        + " + (has(self.select) ? 1 : 0) == 1",
        message = "spec must use exactly one form: spec.adapters + spec.domains, or spec.apqns, or spec.select")
@ValidationRule(value = "has(self.adapters) == has(self.domains)",
        message = "spec.adapters and spec.domains go together: the guest gets every listed adapter with every listed domain")
@ValidationRule(value = "!has(self.controlDomains) || has(self.domains) || has(self.apqns)",
        message = "spec.controlDomains needs usage domains: set spec.domains (or use spec.apqns);"
                + " with spec.select use spec.select.controlDomains")
@ValidationRule(value = "!(has(self.nodeName) && has(self.nodeSelector))",
        message = "spec.nodeName and spec.nodeSelector exclude each other: name one node, or let spec.select choose by labels")
@ValidationRule(value = "has(self.nodeName) || has(self.select)",
        message = "spec.nodeName is required with spec.adapters/spec.domains and with spec.apqns")
@ValidationRule(value = "!has(self.nodeSelector) || has(self.select)",
        message = "spec.nodeSelector is only used with spec.select (the selection form)")
@ValidationRule(value = "!has(self.approvedPlan) || (has(self.approval) && self.approval == 'Manual')",
        message = "spec.approvedPlan is only used with spec.approval: Manual")
@ValidationRule(value = "!has(self.nodeName) || self.nodeName.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')",
        messageExpression = "'spec.nodeName must be a Node name: a lowercase DNS subdomain such as z16-node-1 (a-z, 0-9,"
                + " - and ., starting and ending with a letter or digit); got ' + self.nodeName")
@ValidationRule(value = "has(self.nodeName) == has(oldSelf.nodeName)"
        + " && (!has(self.nodeName) || self.nodeName == oldSelf.nodeName)",
        message = "spec.nodeName is immutable: delete the reservation and create a new one to move it")
@ValidationRule(value = "has(self.mdevUuid) == has(oldSelf.mdevUuid)"
        + " && (!has(self.mdevUuid) || self.mdevUuid == oldSelf.mdevUuid)",
        message = "spec.mdevUuid is immutable: a running guest refers to its mdev by this UUID")
@JsonClassDescription("What the user asks for (owned by the user): AP queues on one node for one vfio_ap mediated device, in exactly one of three forms: adapters + domains, apqns, or select.")
public class APQNReservationSpec {

    /** Lower-case canonical APQN, domain at most 0x00ff. */
    public static final String APQN_PATTERN = "^[0-9a-f]{2}[.]00[0-9a-f]{2}$";
    public static final String UUID_PATTERN = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";
    public static final int MAX_APQNS = 128;

    @JsonPropertyDescription("The node whose AP queues are reserved (metadata.name of the Node). Required with"
            + " spec.adapters/spec.domains and spec.apqns; optional with spec.select (then the controller picks a node"
            + " matching spec.nodeSelector). Immutable.")
    @Size(min = 1, max = 253)
    private String nodeName;

    @JsonPropertyDescription("Explicit form. " + Docs.ADAPTERS + " Example: [5] for card05.")
    @Size(min = 1, max = 256)
    @ListType("set")
    @ItemFormat(minimum = 0, maximum = 255)
    private List<Integer> adapters;

    @JsonPropertyDescription("Explicit form. " + Docs.DOMAINS + " Example: [4, 6] for queues 05.0004 and 05.0006.")
    @Size(min = 1, max = 256)
    @ListType("set")
    @ItemFormat(minimum = 0, maximum = 255)
    private List<Integer> domains;

    @JsonPropertyDescription(Docs.CONTROL_DOMAINS + " Used with spec.domains or spec.apqns, not with spec.select.")
    @Size(min = 1, max = 256)
    @ListType("set")
    @ItemFormat(minimum = 0, maximum = 255)
    private List<Integer> controlDomains;

    @JsonPropertyDescription("APQN-list form. " + Docs.APQN_LIST + " Unique; they must form a full rectangle"
            + " (every listed adapter with every listed domain), e.g. ['05.0004', '05.0006', '06.0004', '06.0006']."
            + " At most 128 entries; use spec.adapters/spec.domains for larger matrices.")
    @Size(min = 1, max = MAX_APQNS)
    @ListType("set")
    @ItemFormat(maxLength = 7)
    @ValidationRule(value = "self.all(q, q.matches('" + APQN_PATTERN + "'))",
            message = "spec.apqns: each entry is <adapter>.<domain> in lower-case hex %02x.%04x,"
                    + " e.g. \"05.0004\" for adapter 5, domain 4 (domains 0000-00ff)")
    @ValidationRule(value = "!self.all(q, q.matches('" + APQN_PATTERN + "'))"
            + " || self.all(x, self.filter(y, y.substring(0, 2) == x.substring(0, 2)).size()"
            + " * self.filter(y, y.substring(3) == x.substring(3)).size() == self.size())",
            // The API server's cost estimator refuses any comprehension result (map/filter) in a
            // messageExpression, so the message lists the given APQNs; the controller names the missing
            // ones (Matrix.ofRectangle) if a non-rectangle ever gets past admission.
            messageExpression = "'spec.apqns must form a rectangle (every listed adapter with every listed domain;"
                    + " the missing ones are the adapter x domain combinations not listed): got ' + self.join(', ')")
    private List<String> apqns;

    @JsonPropertyDescription("Selection form: how many adapters and domains to pick, and which cards qualify. The"
            + " controller picks free APQNs once and records them; it never re-selects after allocation.")
    private SelectionSpec select;

    @JsonPropertyDescription("Selection form only: labels a node must have (like a Pod's nodeSelector). Omit to"
            + " consider every node with an agent.")
    @Size(max = 32)
    private Map<String, String> nodeSelector;

    @JsonPropertyDescription(Docs.MDEV_UUID + " Optional: when omitted, the controller derives a stable UUID from"
            + " the reservation's namespace, name and uid (shown in status.mdevUuid). Immutable.")
    @Pattern(UUID_PATTERN)
    private String mdevUuid;

    @JsonPropertyDescription("Automatic (default): the controller applies its plan as soon as it is computed."
            + " Manual: the plan is published in status.plan and nothing touches the node until spec.approvedPlan"
            + " equals status.plan.hash.")
    @Default("Automatic")
    private Approval approval;

    @JsonPropertyDescription("With approval: Manual, the hash (status.plan.hash, lower-case hex) of the plan the user"
            + " approves. A plan with a different hash (the node or other reservations changed) waits again.")
    @Pattern("^[0-9a-f]{12,64}$")
    private String approvedPlan;

    @JsonPropertyDescription("What happens to the queues when the reservation is deleted: ReturnToHost (default)"
            + " gives them back to the host's zcrypt drivers; Keep leaves them bound to vfio_ap, off the host.")
    @Default("ReturnToHost")
    private ReleasePolicy releasePolicy;

    @JsonPropertyDescription("Namespaces besides the reservation's own whose ResourceClaims may use its device"
            + " (DRA driver apqn.dev). Empty or omitted: only ResourceClaims in the reservation's namespace.")
    @Size(max = 64)
    @ListType("set")
    private List<String> claimNamespaces;

    @JsonPropertyDescription("How to take queues from the host while host processes may have requests in flight.")
    private DrainSpec drain;

    public String getNodeName() {
        return nodeName;
    }

    public void setNodeName(String nodeName) {
        this.nodeName = nodeName;
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

    public List<String> getApqns() {
        return apqns;
    }

    public void setApqns(List<String> apqns) {
        this.apqns = apqns;
    }

    public SelectionSpec getSelect() {
        return select;
    }

    public void setSelect(SelectionSpec select) {
        this.select = select;
    }

    public Map<String, String> getNodeSelector() {
        return nodeSelector;
    }

    public void setNodeSelector(Map<String, String> nodeSelector) {
        this.nodeSelector = nodeSelector;
    }

    public String getMdevUuid() {
        return mdevUuid;
    }

    public void setMdevUuid(String mdevUuid) {
        this.mdevUuid = mdevUuid;
    }

    public Approval getApproval() {
        return approval;
    }

    public void setApproval(Approval approval) {
        this.approval = approval;
    }

    public String getApprovedPlan() {
        return approvedPlan;
    }

    public void setApprovedPlan(String approvedPlan) {
        this.approvedPlan = approvedPlan;
    }

    public ReleasePolicy getReleasePolicy() {
        return releasePolicy;
    }

    public void setReleasePolicy(ReleasePolicy releasePolicy) {
        this.releasePolicy = releasePolicy;
    }

    public DrainSpec getDrain() {
        return drain;
    }

    public void setDrain(DrainSpec drain) {
        this.drain = drain;
    }

    public List<String> getClaimNamespaces() {
        return claimNamespaces;
    }

    public void setClaimNamespaces(List<String> claimNamespaces) {
        this.claimNamespaces = claimNamespaces;
    }
}
