package dev.apqn.plan;

import dev.apqn.ap.ApMask;
import dev.apqn.ap.Apqn;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
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
 * @param grants                   namespace ({@code *} = any) → what it may reserve; an empty map lets
 *                                 every namespace reserve anything, a non-empty one only what it lists
 * @param collateralNeedsApproval  a plan with collateral waits for approval even when automatic
 * @param adminOffHost             APQNs the admin declares off the host (ADMIN claims); reservations may use them
 */
public record PolicyView(String name, SortedSet<Apqn> keptApqns, ApMask keptAdapters, ApMask keptDomains,
                         Map<String, Grant> grants, boolean collateralNeedsApproval, SortedSet<Apqn> adminOffHost) {

    /**
     * What one namespace may reserve, exactly as the admin wrote it: the union of adapters × domains
     * areas and single APQNs. Single APQNs are never widened to their adapters × domains.
     */
    public record Grant(List<Area> areas, SortedSet<Apqn> apqns) {

        /** adapters × domains (one grant entry's adapters and domains; "any" is {@link ApMask#all()}). */
        public record Area(ApMask adapters, ApMask domains) {
            public Area {
                Objects.requireNonNull(adapters, "adapters");
                Objects.requireNonNull(domains, "domains");
            }

            boolean allows(Apqn apqn) {
                return adapters.get(apqn.adapter()) && domains.get(apqn.domain());
            }
        }

        public Grant {
            areas = List.copyOf(areas);
            apqns = new TreeSet<>(apqns);
        }

        /** One adapters × domains area. */
        public Grant(ApMask adapters, ApMask domains) {
            this(List.of(new Area(adapters, domains)), new TreeSet<>());
        }

        /** Exactly these APQNs. */
        public static Grant ofApqns(Collection<Apqn> apqns) {
            return new Grant(List.of(), new TreeSet<>(apqns));
        }

        public static Grant none() {
            return new Grant(List.of(), new TreeSet<>());
        }

        public boolean allows(Apqn apqn) {
            return apqns.contains(apqn) || areas.stream().anyMatch(a -> a.allows(apqn));
        }

        /** Both grants (two grant entries, or two policies, for the same namespace). */
        public Grant plus(Grant other) {
            List<Area> as = new ArrayList<>(areas);
            other.areas.stream().filter(a -> !as.contains(a)).forEach(as::add);
            SortedSet<Apqn> qs = new TreeSet<>(apqns);
            qs.addAll(other.apqns);
            return new Grant(as, qs);
        }

        /** For messages: "adapters 1 x domains 1-4; APQNs 05.0004". */
        public String describe() {
            List<String> parts = new ArrayList<>();
            for (Area a : areas) {
                parts.add("adapters " + (a.adapters.isFull() ? "any" : a.adapters.toRangeList()) + " x domains "
                        + (a.domains.isFull() ? "any" : a.domains.toRangeList()));
            }
            if (!apqns.isEmpty()) {
                parts.add("APQNs " + String.join(",", apqns.stream().map(Apqn::toString).toList()));
            }
            return parts.isEmpty() ? "nothing" : String.join("; ", parts);
        }
    }

    /** The grant namespace that stands for every namespace. */
    public static final String ANY_NAMESPACE = "*";

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
        Grant any = grants.get(ANY_NAMESPACE);
        return g != null && g.allows(apqn) || any != null && any.allows(apqn);
    }

    /** What a namespace is granted (its own grants and those for {@value #ANY_NAMESPACE}), empty if nothing. */
    public java.util.Optional<Grant> grantOf(String namespace) {
        Grant g = grants.get(namespace);
        Grant any = grants.get(ANY_NAMESPACE);
        if (g == null || any == null) {
            return java.util.Optional.ofNullable(g != null ? g : any);
        }
        return java.util.Optional.of(g.plus(any));
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
