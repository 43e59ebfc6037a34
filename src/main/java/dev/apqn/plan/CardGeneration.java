package dev.apqn.plan;

/** Crypto Express generation of a card, from its {@code hwtype} (10..14 = CEX4..CEX8). */
public enum CardGeneration {
    CEX4, CEX5, CEX6, CEX7, CEX8;

    /** The generation of a card with the given {@code hwtype}; fails for types vfio_ap does not accept. */
    public static CardGeneration ofHwtype(int hwtype) {
        if (hwtype < 10 || hwtype > 14) {
            throw new IllegalArgumentException("hwtype " + hwtype + " is not a CEX4..CEX8 card (10..14)");
        }
        return values()[hwtype - 10];
    }
}
