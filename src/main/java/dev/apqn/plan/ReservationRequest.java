package dev.apqn.plan;

import dev.apqn.ap.ApCard;
import dev.apqn.ap.ApMask;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.CardGeneration;
import dev.apqn.ap.Matrix;

import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/** What a reservation asks for on its node. */
public sealed interface ReservationRequest {

    /** Control domains for the mdev matrix (no ownership needed). */
    ApMask controlDomains();

    /**
     * Exactly these APQNs; they must form an adapters × domains rectangle.
     */
    record Explicit(SortedSet<Apqn> apqns, ApMask controlDomains) implements ReservationRequest {
        public Explicit {
            apqns = new TreeSet<>(apqns);
            Objects.requireNonNull(controlDomains, "controlDomains");
        }

        public static Explicit of(Matrix matrix) {
            return new Explicit(new TreeSet<>(matrix.apqns()), matrix.controlDomains());
        }
    }

    /**
     * Any {@code adapters} × {@code domains} free APQNs whose cards match the filters (empty filter
     * = any); picked once, then kept as the reservation's allocation. The mdev's control domains are
     * {@code controlDomains}, plus the picked usage domains when {@code controlSameAsUsage}
     * ({@code spec.select.controlDomains: SameAsUsage}): only the planner knows which those are.
     */
    record Selection(int adapters, int domains, Set<CardGeneration> generations, Set<ApCard.Mode> modes,
                     ApMask controlDomains, boolean controlSameAsUsage) implements ReservationRequest {
        public Selection {
            generations = Set.copyOf(generations);
            modes = Set.copyOf(modes);
            Objects.requireNonNull(controlDomains, "controlDomains");
        }

        /** Without SameAsUsage: the control domains are exactly {@code controlDomains}. */
        public Selection(int adapters, int domains, Set<CardGeneration> generations, Set<ApCard.Mode> modes,
                         ApMask controlDomains) {
            this(adapters, domains, generations, modes, controlDomains, false);
        }

        public static Selection of(int adapters, int domains) {
            return new Selection(adapters, domains, Set.of(), Set.of(), ApMask.none());
        }

        /** This selection with the picked usage domains also as control domains. */
        public Selection sameAsUsage() {
            return new Selection(adapters, domains, generations, modes, controlDomains, true);
        }

        /** The control domains of an mdev whose usage domains were picked as {@code picked}. */
        public ApMask controlDomainsFor(Matrix picked) {
            return controlSameAsUsage ? controlDomains.or(picked.domains()) : controlDomains;
        }
    }
}
