package dev.apqn.api.v1alpha1;

/** A Crypto Express card generation (hwtype 10..14). */
public enum CardGeneration {
    CEX4,
    CEX5,
    CEX6,
    CEX7,
    CEX8;

    /** The generation of a card of the given AP hwtype, or null for an unknown one. */
    public static CardGeneration ofHwtype(int hwtype) {
        return hwtype >= 10 && hwtype <= 14 ? values()[hwtype - 10] : null;
    }
}
