package dev.apqn.agent;

import dev.apqn.ap.ApMask;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.Matrix;

import java.util.Collections;
import java.util.Objects;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * What the operator itself changed on this node and may therefore change back: the apmask/aqmask
 * bits it cleared (each was set before), the driver_overrides it set, and the mdevs it created with
 * the matrix it last confirmed. Everything else on the node is foreign and is never touched.
 * Immutable; {@link IntentLedger} keeps the current one.
 */
public record Ownership(ApMask apmaskBits, ApMask aqmaskBits, SortedSet<Apqn> overrides, SortedMap<UUID, OwnedMdev> mdevs) {

    /**
     * An mdev the operator created.
     *
     * @param owner     the reservation ({@code namespace/name}) it was created for
     * @param confirmed the matrix the operator last read back after its own write; a different
     *                  matrix in the kernel means someone edited it by hand (drift)
     */
    public record OwnedMdev(String owner, Matrix confirmed) {
        public OwnedMdev {
            Objects.requireNonNull(owner, "owner");
            Objects.requireNonNull(confirmed, "confirmed");
        }
    }

    public static final Ownership NONE = new Ownership(ApMask.none(), ApMask.none(), new TreeSet<>(), new TreeMap<>());

    public Ownership {
        Objects.requireNonNull(apmaskBits, "apmaskBits");
        Objects.requireNonNull(aqmaskBits, "aqmaskBits");
        overrides = Collections.unmodifiableSortedSet(new TreeSet<>(overrides));
        mdevs = Collections.unmodifiableSortedMap(new TreeMap<>(mdevs));
    }

    public boolean isEmpty() {
        return apmaskBits.isEmpty() && aqmaskBits.isEmpty() && overrides.isEmpty() && mdevs.isEmpty();
    }

    /** Applies one ledger change. */
    Ownership apply(LedgerChange c) {
        ApMask ap = apmaskBits;
        ApMask aq = aqmaskBits;
        TreeSet<Apqn> ov = new TreeSet<>(overrides);
        TreeMap<UUID, OwnedMdev> md = new TreeMap<>(mdevs);
        switch (c.kind()) {
            case OWN_APMASK -> ap = ap.with(c.id());
            case DISOWN_APMASK -> ap = ap.without(c.id());
            case OWN_AQMASK -> aq = aq.with(c.id());
            case DISOWN_AQMASK -> aq = aq.without(c.id());
            case OWN_OVERRIDE -> ov.add(c.apqn());
            case DISOWN_OVERRIDE -> ov.remove(c.apqn());
            case OWN_MDEV -> md.put(c.uuid(), new OwnedMdev(c.owner(), c.matrix()));
            case CONFIRM_MDEV -> md.computeIfPresent(c.uuid(), (u, m) -> new OwnedMdev(m.owner(), c.matrix()));
            case DISOWN_MDEV -> md.remove(c.uuid());
        }
        return new Ownership(ap, aq, ov, md);
    }
}
