package dev.apqn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** A summary of the agent's write-ahead intent ledger. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class LedgerSummary {

    @JsonPropertyDescription("Intents written but not yet completed (decimal count); non-zero after a crash until"
            + " recovery finishes.")
    private Integer open;

    @JsonPropertyDescription("The oldest open intent, e.g. 'unbind 05.0004 (reservation payroll/payroll-crypto)'.")
    private String oldestOpen;

    @JsonPropertyDescription("Intents recovered when the agent started (decimal count).")
    private Integer recoveredAtStart;

    @JsonPropertyDescription("The last completed intent.")
    private String lastCompleted;

    public Integer getOpen() {
        return open;
    }

    public void setOpen(Integer open) {
        this.open = open;
    }

    public String getOldestOpen() {
        return oldestOpen;
    }

    public void setOldestOpen(String oldestOpen) {
        this.oldestOpen = oldestOpen;
    }

    public Integer getRecoveredAtStart() {
        return recoveredAtStart;
    }

    public void setRecoveredAtStart(Integer recoveredAtStart) {
        this.recoveredAtStart = recoveredAtStart;
    }

    public String getLastCompleted() {
        return lastCompleted;
    }

    public void setLastCompleted(String lastCompleted) {
        this.lastCompleted = lastCompleted;
    }
}
