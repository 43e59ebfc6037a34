package dev.apqn.plan;

import dev.apqn.apbus.ApCard;
import dev.apqn.apbus.ApMask;
import dev.apqn.apbus.Apqn;
import dev.apqn.apbus.Matrix;

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
     * = any); picked once, then kept as the reservation's allocation.
     */
    record Selection(int adapters, int domains, Set<CardGeneration> generations, Set<ApCard.Mode> modes,
                     ApMask controlDomains) implements ReservationRequest {
        public Selection {
            generations = Set.copyOf(generations);
            modes = Set.copyOf(modes);
            Objects.requireNonNull(controlDomains, "controlDomains");
        }

        public static Selection of(int adapters, int domains) {
            return new Selection(adapters, domains, Set.of(), Set.of(), ApMask.none());
        }
    }
}
