package dev.apqn.agent;

import dev.apqn.ap.Apqn;
import dev.apqn.apbus.ApBus;
import dev.apqn.apbus.ApInventory;
import dev.apqn.apbus.SysfsException;
import dev.apqn.plan.HostTarget;

import java.util.Collection;

/**
 * One converge as its steps share it: the plan, the inventory read at its start, the tools it
 * works with and the records it fills. {@link HostConverger} builds one per converge; the steps
 * ({@link ConvergePass}, {@link MdevEditor}, the {@link OwnershipStrategy}s) read the plan and the
 * inventory, write only through {@link #writer}, and note what they find in {@link #outcomes}
 * and {@link #log}; {@link PassReport} turns those into the report.
 *
 * @param target   the plan
 * @param claims   the plan's claims (who a write is for)
 * @param drain    how long to let the host finish before a take
 * @param inv      the inventory read at the start of the converge
 * @param bus      the node's AP bus (reads; writes only inside {@link HostWriter} actions)
 * @param ledger   the intent ledger (what the operator owns)
 * @param writer   the one way to write to the host
 * @param drainer  polls the queues that will flip
 * @param matrices the mdevs' matrices as this converge knows them
 * @param outcomes what the steps found, per part
 * @param log      events, drifts, foreign objects and figures for the report
 * @param prepared the mdevs a prepared ResourceClaim holds (the kubelet plugin's; their removal waits)
 */
record Pass(HostTarget target, Claims claims, DrainPolicy drain, ApInventory inv, ApBus bus, IntentLedger ledger,
            HostWriter writer, Drainer drainer, MdevMatrices matrices, Outcomes outcomes, PassLog log,
            PreparedClaims prepared) {

    /** Waits (bounded by the policy, no lock held) for the requests in flight on the queues a take will flip. */
    void drainBeforeTake(Collection<Apqn> flipping) throws SysfsException, InterruptedException {
        log.drained(drainer.drain(flipping, drain));
    }
}
