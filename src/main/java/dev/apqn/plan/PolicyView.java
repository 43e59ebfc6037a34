package dev.apqn.plan;

import dev.apqn.apbus.ApMask;
import dev.apqn.apbus.Apqn;

import java.util.Map;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The admin policy as it applies to one node.
 *
 * @param name                     the policy's name (owner of ADMIN claims)
 * @param keptApqns                APQNs that must stay with the host
 * @param keptAdapters             adapters all of whose APQNs must stay with the host
 * @param keptDomains              domains that must stay with the host on every adapter
 * @param grants                   namespace → what it may reserve; an empty map lets every namespace
 *                                 reserve anything, a non-empty one only the namespaces it lists
 * @param collateralNeedsApproval  a plan with collateral waits for approval even when automatic
 * @param adminOffHost             APQNs the admin declares off the host (ADMIN claims); reservations may use them
 */
public record PolicyView(String name, SortedSet<Apqn> keptApqns, ApMask keptAdapters, ApMask keptDomains,
                         Map<String, Grant> grants, boolean collateralNeedsApproval, SortedSet<Apqn> adminOffHost) {

    /** What one namespace may reserve: APQNs within adapters × domains. */
    public record Grant(ApMask adapters, ApMask domains) {
        public Grant {
            Objects.requireNonNull(adapters, "adapters");
            Objects.requireNonNull(domains, "domains");
        }

        public boolean allows(Apqn apqn) {
            return adapters.get(apqn.adapter()) && domains.get(apqn.domain());
        }
    }

    public PolicyView {
        Objects.requireNonNull(name, "name");
        keptApqns = new TreeSet<>(keptApqns);
        Objects.requireNonNull(keptAdapters, "keptAdapters");
        Objects.requireNonNull(keptDomains, "keptDomains");
        grants = new TreeMap<>(grants);
        adminOffHost = new TreeSet<>(adminOffHost);
    }

    public static PolicyView none() {
        return new PolicyView("default", new TreeSet<>(), ApMask.none(), ApMask.none(), Map.of(), false, new TreeSet<>());
    }

    public boolean keeps(Apqn apqn) {
        return keptApqns.contains(apqn) || keptAdapters.get(apqn.adapter()) || keptDomains.get(apqn.domain());
    }

    public boolean grants(String namespace, Apqn apqn) {
        if (grants.isEmpty()) {
            return true;
        }
        Grant g = grants.get(namespace);
        return g != null && g.allows(apqn);
    }

    public PolicyView keeping(Apqn... apqns) {
        SortedSet<Apqn> k = new TreeSet<>(keptApqns);
        k.addAll(java.util.List.of(apqns));
        return new PolicyView(name, k, keptAdapters, keptDomains, grants, collateralNeedsApproval, adminOffHost);
    }

    public PolicyView withGrants(Map<String, Grant> g) {
        return new PolicyView(name, keptApqns, keptAdapters, keptDomains, g, collateralNeedsApproval, adminOffHost);
    }

    public PolicyView collateralNeedsApproval(boolean needs) {
        return new PolicyView(name, keptApqns, keptAdapters, keptDomains, grants, needs, adminOffHost);
    }
}
