package dev.apqn.plan;

import dev.apqn.ap.Apqn;

/**
 * One side of the AP matrix: adapters (the apmask bits) or usage domains (the aqmask bits). The
 * planner keeps its indexes per side, so code that works on "a line of the matrix" is written once
 * for both sides instead of switching each index on a boolean.
 */
enum Axis {
    ADAPTERS {
        @Override
        int id(Apqn q) {
            return q.adapter();
        }

        @Override
        Apqn apqn(int id, int cross) {
            return Apqn.of(id, cross);
        }
    },
    DOMAINS {
        @Override
        int id(Apqn q) {
            return q.domain();
        }

        @Override
        Apqn apqn(int id, int cross) {
            return Apqn.of(cross, id);
        }
    };

    /** The APQN's id on this side (its adapter or its domain). */
    abstract int id(Apqn q);

    /** The APQN on line {@code id} of this side at {@code cross} on the other side. */
    abstract Apqn apqn(int id, int cross);

    Axis other() {
        return this == ADAPTERS ? DOMAINS : ADAPTERS;
    }
}
