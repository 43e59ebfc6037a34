package dev.apqn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;

import java.util.List;

/**
 * What the node's agent reports (written by the agent only). Sized for a 256-adapter x 85-domain
 * node: one entry per set of identical cards (adapters as a range list), with decimal range strings
 * per (driver, state) group, never one object per queue or per card. The whole status is atomic
 * ({@link SingleWriter}): its managedFields entry is one line.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@SingleWriter("the node's agent")
@JsonClassDescription("What the node's agent reports (owned by the agent): capabilities, mode, inventory, mdevs and per-reservation sync state.")
public class APNodeStateStatus {

    @JsonPropertyDescription(Docs.OBSERVED_GENERATION + " (of the spec the agent last acted on)")
    private Long observedGeneration;

    @JsonPropertyDescription(Docs.CONDITIONS + " Ready (the node matches spec), Degraded, Drifted (someone changed"
            + " the operator's mdevs or mask bits), Restoring (recovering an interrupted step from the intent"
            + " ledger), PlanStale (spec.hostEdits was computed for another mode or inventory generation), InUse (a"
            + " running guest blocks a release).")
    @ListType(value = "map", keys = "type")
    private List<Condition> conditions;

    @JsonPropertyDescription("The node's ownership mode: Masks or DriverOverride (kernel 6.19+).")
    private NodeMode mode;

    @JsonPropertyDescription("What the node's kernel supports, detected from sysfs.")
    private CapabilitiesStatus capabilities;

    @JsonPropertyDescription("The host's AP configuration: masks and what is off the host.")
    private HostConfigStatus hostConfig;

    @JsonPropertyDescription("Increases (decimal counter) whenever the inventory changes (cards or queues appear,"
            + " vanish, change driver or state); plans name the generation they were computed for.")
    private Long inventoryGeneration;

    @JsonPropertyDescription("The AP cards: one entry per set of cards that look exactly alike (adapters as a decimal"
            + " range list, e.g. '0-63'), ordered by first adapter; queues grouped by driver and state. Expand"
            + " adapters x each group's domains for the queues.")
    @ListType("atomic")
    private List<CardStatus> cards;

    @JsonPropertyDescription("Every vfio_ap mdev on the node, keyed by uuid, including those the operator did not make"
            + " (owned: false).")
    @ListType(value = "map", keys = "uuid")
    private List<MdevStatus> mdevs;

    @JsonPropertyDescription("Per-reservation sync state, keyed by reservation.")
    @ListType(value = "map", keys = "reservation")
    private List<ReservationSync> reservations;

    @JsonPropertyDescription("Summary of the agent's write-ahead intent ledger (on the node's /run).")
    private LedgerSummary ledger;

    @JsonPropertyDescription("The agent instance reporting (liveness itself is the node's Lease).")
    private AgentStatus agent;

    @JsonPropertyDescription("APQNs with the host drivers and not kept for the host by policy: decimal count.")
    private Integer freeApqns;

    @JsonPropertyDescription("APQNs in the operator's mdevs: decimal count.")
    private Integer reservedApqns;

    public Long getObservedGeneration() {
        return observedGeneration;
    }

    public void setObservedGeneration(Long observedGeneration) {
        this.observedGeneration = observedGeneration;
    }

    public List<Condition> getConditions() {
        return conditions;
    }

    public void setConditions(List<Condition> conditions) {
        this.conditions = conditions;
    }

    public NodeMode getMode() {
        return mode;
    }

    public void setMode(NodeMode mode) {
        this.mode = mode;
    }

    public CapabilitiesStatus getCapabilities() {
        return capabilities;
    }

    public void setCapabilities(CapabilitiesStatus capabilities) {
        this.capabilities = capabilities;
    }

    public HostConfigStatus getHostConfig() {
        return hostConfig;
    }

    public void setHostConfig(HostConfigStatus hostConfig) {
        this.hostConfig = hostConfig;
    }

    public Long getInventoryGeneration() {
        return inventoryGeneration;
    }

    public void setInventoryGeneration(Long inventoryGeneration) {
        this.inventoryGeneration = inventoryGeneration;
    }

    public List<CardStatus> getCards() {
        return cards;
    }

    public void setCards(List<CardStatus> cards) {
        this.cards = cards;
    }

    public List<MdevStatus> getMdevs() {
        return mdevs;
    }

    public void setMdevs(List<MdevStatus> mdevs) {
        this.mdevs = mdevs;
    }

    public List<ReservationSync> getReservations() {
        return reservations;
    }

    public void setReservations(List<ReservationSync> reservations) {
        this.reservations = reservations;
    }

    public LedgerSummary getLedger() {
        return ledger;
    }

    public void setLedger(LedgerSummary ledger) {
        this.ledger = ledger;
    }

    public AgentStatus getAgent() {
        return agent;
    }

    public void setAgent(AgentStatus agent) {
        this.agent = agent;
    }

    public Integer getFreeApqns() {
        return freeApqns;
    }

    public void setFreeApqns(Integer freeApqns) {
        this.freeApqns = freeApqns;
    }

    public Integer getReservedApqns() {
        return reservedApqns;
    }

    public void setReservedApqns(Integer reservedApqns) {
        this.reservedApqns = reservedApqns;
    }
}
