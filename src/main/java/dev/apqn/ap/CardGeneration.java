package dev.apqn.ap;

import java.util.Optional;

/**
 * Crypto Express generation of a card, from its {@code hwtype} (10..14 = CEX4..CEX8). One enum for the
 * planner and the API: the CRDs carry its names, so renaming a constant is an API change.
 */
public enum CardGeneration {
    CEX4(10), CEX5(11), CEX6(12), CEX7(13), CEX8(14);

    private final int hwtype;

    CardGeneration(int hwtype) {
        this.hwtype = hwtype;
    }

    /**
     * The generation of a card with the given {@code hwtype}; empty for a type vfio_ap does not accept, which
     * the node status then reports without a generation.
     */
    public static Optional<CardGeneration> ofHwtype(int hwtype) {
        for (CardGeneration g : values()) {
            if (g.hwtype == hwtype) {
                return Optional.of(g);
            }
        }
        return Optional.empty();
    }
}
