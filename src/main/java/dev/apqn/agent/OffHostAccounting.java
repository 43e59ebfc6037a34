package dev.apqn.agent;

import dev.apqn.ap.ApMask;
import dev.apqn.ap.ApQueue;
import dev.apqn.ap.Apqn;
import dev.apqn.apbus.ApInventory;
import dev.apqn.plan.OffHostClaim;

import java.util.Collection;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Which queue devices are off the host, and which of them because of the operator. The agent's
 * invariant: the APQNs the operator took off the host equal the union of the plan's claims
 * (reserved ∪ collateral ∪ kept ∪ admin), each with its owner.
 */
final class OffHostAccounting {

    private OffHostAccounting() {
    }

    /** A queue is with the host drivers iff both mask bits are set and no driver_override sends it elsewhere. */
    static boolean hostOwned(ApQueue q, ApMask apmask, ApMask aqmask) {
        if (q.driverOverride().isPresent()) {
            return q.driverOverride().get().equals("cex4queue");
        }
        return apmask.get(q.apqn().adapter()) && aqmask.get(q.apqn().domain());
    }

    /** Queue devices off the host under the given masks (overrides as the inventory shows them). */
    static SortedSet<Apqn> offHost(ApInventory inv, ApMask apmask, ApMask aqmask, Set<Apqn> extraOverrides, Set<Apqn> withoutOverrides) {
        SortedSet<Apqn> out = new TreeSet<>();
        for (ApQueue q : inv.queues().values()) {
            boolean host;
            if (extraOverrides.contains(q.apqn())) {
                host = false;
            } else if (withoutOverrides.contains(q.apqn())) {
                host = apmask.get(q.apqn().adapter()) && aqmask.get(q.apqn().domain());
            } else {
                host = hostOwned(q, apmask, aqmask);
            }
            if (!host) {
                out.add(q.apqn());
            }
        }
        return out;
    }

    /** Queue devices off the host now. */
    static SortedSet<Apqn> offHostNow(ApInventory inv) {
        return offHost(inv, inv.bus().apmask(), inv.bus().aqmask(), Set.of(), Set.of());
    }

    /**
     * Queue devices off the host because of what the operator owns: off the host now, but not if
     * the operator gave back every bit and override it owns.
     */
    static SortedSet<Apqn> byOperator(ApInventory inv, Ownership owned) {
        SortedSet<Apqn> now = offHostNow(inv);
        now.removeAll(withAllGivenBack(inv, owned));
        return now;
    }

    /** Queue devices that would still be off the host if the operator gave back every bit and override it owns. */
    static SortedSet<Apqn> withAllGivenBack(ApInventory inv, Ownership owned) {
        return offHost(inv, inv.bus().apmask().or(owned.apmaskBits()), inv.bus().aqmask().or(owned.aqmaskBits()), Set.of(), owned.overrides());
    }

    static SortedSet<Apqn> claimed(Collection<OffHostClaim> claims) {
        SortedSet<Apqn> out = new TreeSet<>();
        claims.forEach(c -> out.addAll(c.apqns()));
        return out;
    }
}
