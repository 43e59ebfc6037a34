package dev.apqn.plan;

import dev.apqn.ap.ApMask;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.apqn.plan.PlanFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

/** The largest node (256 adapters x 85 domains) plans in well under a second. */
class ScaleTest {

    @Test
    void fullNodeWithManyReservationsAndSelections() {
        NodeInput node = node(range(0, 255), range(0, 84)).build();
        List<ReservationInput> rs = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            rs.add(res("ns/explicit-" + i, i, rect(ids(i * 2, i * 2 + 1), ids(i % 80, i % 80 + 1))));
        }
        for (int i = 0; i < 10; i++) {
            rs.add(res("ns/select-" + i, 100 + i, ReservationRequest.Selection.of(4, 4)));
        }
        long t0 = System.nanoTime();
        NodePlan p = Planner.plan(node, rs, PolicyView.none());
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertConsistent(node, p);
        assertThat(p.decisions().values()).allMatch(d -> d instanceof Decision.Allocated || d instanceof Decision.Conflict);
        assertThat(p.decisions().values().stream().filter(d -> d instanceof Decision.Allocated).count()).isGreaterThan(40);
        // a figure for the reader, not an assertion: timing depends on the machine's load
        System.out.println("ScaleTest: planned 50 reservations on 256x85 in " + ms + " ms");
    }
}
