package dev.apqn.plan;

import java.util.Comparator;

/**
 * What a mask cover costs the host, cheapest first: collateral that is host-owned now and would
 * leave ({@code newCollateral}: reusing bits already cleared is free, so a holder's cover is sticky),
 * then all collateral in the target so far.
 */
record CoverCost(int newCollateral, int totalCollateral) implements Comparable<CoverCost> {

    static final CoverCost NONE = new CoverCost(0, 0);

    private static final Comparator<CoverCost> CHEAPEST_FIRST =
            Comparator.comparingInt(CoverCost::newCollateral).thenComparingInt(CoverCost::totalCollateral);

    @Override
    public int compareTo(CoverCost o) {
        return CHEAPEST_FIRST.compare(this, o);
    }
}
