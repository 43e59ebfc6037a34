package dev.apqn.plan;

import dev.apqn.status.Reason;

import dev.apqn.ap.Apqn;
import org.junit.jupiter.api.Test;

import static dev.apqn.plan.PlanFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Ids above the node's maximum (ap_max_adapter_id / ap_max_domain_id): the kernel refuses every such
 * assignment with ENODEV (ap-bus.md §1.8) on every kind of node, so the planner refuses the
 * reservation with the reason and the fix. The node has CEX8 queues on adapters 1-4 x domains 1-8.
 */
class MaxIdTest {

    @Test
    void aControlDomainAboveTheMaximumIsRefusedOnEveryKindOfNode() {
        for (OwnershipMode mode : OwnershipMode.values()) {
            var req = new ReservationRequest.Explicit(apqns("04.0003"), ids(3, 16));
            NodePlan p = plan(node(range(1, 4), range(1, 8)).mode(mode).maxIds(63, 15).build(), res("ns/r", 0, req));
            Decision.Refused r = decision(p, "ns/r", Decision.Refused.class);
            assertThat(r.reason()).isEqualTo(Reason.ApqnNotFound);
            assertThat(r.message()).contains("spec.controlDomains 16").contains("maximum domain id 15")
                    .contains("ap_max_domain_id").contains("ENODEV").contains("choose adapters 0-63 and domains 0-15");
            assertThat(p.target().mdevs()).isEmpty();
            assertThat(p.target().claims()).isEmpty();
        }
    }

    @Test
    void usageIdsAboveTheMaximumAreRefusedNamingTheApqns() {
        NodePlan p = plan(node(range(1, 4), range(1, 8)).maxIds(63, 15).build(),
                res("ns/d", 0, explicit("04.0010")), res("ns/a", 1, explicit("40.0001")), res("ns/ok", 2, explicit("04.0003")));
        Decision.Refused d = decision(p, "ns/d", Decision.Refused.class);
        assertThat(d.message()).startsWith("spec.apqns [04.0010]: ").contains("usage domains 16 are above the node's maximum domain id 15");
        assertThat(d.apqns()).containsExactly(Apqn.parse("04.0010"));
        assertThat(decision(p, "ns/a", Decision.Refused.class).message()).contains("adapters 64 are above the node's maximum adapter id 63");
        allocated(p, "ns/ok");
    }

    @Test
    void withoutReportedMaximaNothingIsRefusedForTheId() {
        var req = new ReservationRequest.Explicit(apqns("04.0003"), ids(3, 200));
        NodePlan p = plan(node(range(1, 4), range(1, 8)).build(), res("ns/r", 0, req));
        assertThat(allocated(p, "ns/r").warnings()).anyMatch(w -> w.contains("spec.controlDomains 200"));
    }
}
