package dev.apqn.agent;

import dev.apqn.ap.Apqn;
import dev.apqn.plan.OffHostClaim;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/** The plan's off-host claims, asked who a write is done for and whose requests it flushes. */
final class Claims {

    private final List<OffHostClaim> claims;

    Claims(List<OffHostClaim> claims) {
        this.claims = List.copyOf(claims);
    }

    /** The owners claiming any of the queues, sorted and comma-separated (the ledger's owner field). */
    String owners(Collection<Apqn> qs) {
        SortedSet<String> out = new TreeSet<>();
        for (OffHostClaim c : claims) {
            if (qs.stream().anyMatch(c.apqns()::contains)) {
                out.add(c.owner());
            }
        }
        return String.join(",", out);
    }

    String ownersOf(Apqn q) {
        return owners(List.of(q));
    }

    /**
     * Per reservation: the requests in flight on the flipping queues it claims (reserved or
     * collateral), each queue counted once per reservation; reservations claiming none are left out.
     */
    SortedMap<String, Integer> perOwner(Map<Apqn, Integer> perQueue) {
        Map<String, Set<Apqn>> byOwner = new TreeMap<>();
        for (OffHostClaim c : claims) {
            for (Apqn q : perQueue.keySet()) {
                if (c.apqns().contains(q)) {
                    byOwner.computeIfAbsent(c.owner(), k -> new TreeSet<>()).add(q);
                }
            }
        }
        SortedMap<String, Integer> out = new TreeMap<>();
        byOwner.forEach((o, qs) -> out.put(o, qs.stream().mapToInt(perQueue::get).sum()));
        return out;
    }

    /** Every claimed APQN. */
    SortedSet<Apqn> apqns() {
        return OffHostAccounting.claimed(claims);
    }

    /** The owner of every claim (a new set). */
    SortedSet<String> allOwners() {
        SortedSet<String> out = new TreeSet<>();
        claims.forEach(c -> out.add(c.owner()));
        return out;
    }
}
