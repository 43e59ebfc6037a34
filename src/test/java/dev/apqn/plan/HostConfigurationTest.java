package dev.apqn.plan;

import dev.apqn.status.Reason;

import dev.apqn.ap.Apqn;
import org.junit.jupiter.api.Test;

import static dev.apqn.plan.PlanFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * APQNs outside the node's host configuration, per kind of node (ap-bus.md §5.2, §5.4, §3.3), (ids above the maximum: MaxIdTest). The node has CEX8 queues on adapters 1-4 x domains 1-8.
 */
class HostConfigurationTest {

    /** Mask mode, vfio_ap 6.0+ (guest_matrix reported): z16 without APXA limits. */
    static NodeInput.Builder dynamicMaskNode() {
        return node(range(1, 4), range(1, 8)).dynamicVfioAp(true).maxIds(255, 84);
    }

    /** Mask mode, pre-6.0 vfio_ap: z15 without APXA. */
    static NodeInput.Builder legacyNode() {
        return node(range(1, 4), range(1, 8)).maxIds(63, 15);
    }

    /** driver_override (6.19+): dynamic vfio_ap, but the masks stay all ones. */
    static NodeInput.Builder overrideNode() {
        return node(range(1, 4), range(1, 8)).mode(OwnershipMode.DRIVER_OVERRIDE).dynamicVfioAp(true).maxIds(255, 84);
    }

    @Test
    void onADynamicMaskNodeAUsageDomainOutsideTheHostConfigurationIsAllocatedWithAWarningAndNoCollateral() {
        NodePlan p = plan(dynamicMaskNode().build(), res("ns/r", 0, explicit("04.0014")));
        ReservationPlan rp = allocated(p, "ns/r");
        assertThat(rp.warnings()).anySatisfy(w -> assertThat(w).startsWith("domain 20 is not in node node-a's host"
                + " configuration: the kernel accepts the assignment but filters it out of guest_matrix, so the reservation"
                + " will be Degraded").contains("04.0014"));
        assertThat(rp.warnings()).noneMatch(w -> w.contains("no queue device exists yet"));
        assertThat(rp.domainBits()).isEqualTo(ids(20));
        assertThat(rp.adapterBits().isEmpty()).isTrue();
        assertThat(rp.collateral()).as("no collateral for APQNs that do not exist").isEmpty();
        assertThat(p.target().domainsOffHost()).isEqualTo(ids(20));
        assertThat(claims(p, OffHostClaim.Kind.RESERVED, "ns/r")).containsExactly(Apqn.parse("04.0014"));
        assertThat(p.target().claims()).extracting(OffHostClaim::kind).doesNotContain(OffHostClaim.Kind.COLLATERAL);
    }

    @Test
    void onADynamicMaskNodeAnAdapterOutsideTheHostConfigurationIsCoveredByItsOwnBit() {
        NodePlan p = plan(dynamicMaskNode().build(), res("ns/r", 0, explicit("09.0001", "09.0002")));
        ReservationPlan rp = allocated(p, "ns/r");
        assertThat(rp.warnings()).anySatisfy(w -> assertThat(w).startsWith("adapter 9 is not in node node-a's host configuration"));
        assertThat(rp.adapterBits()).isEqualTo(ids(9));
        assertThat(rp.domainBits().isEmpty()).isTrue();
        assertThat(rp.collateral()).isEmpty();
    }

    @Test
    void onALegacyNodeItIsRefusedWithWhyAndTheFix() {
        NodePlan p = plan(legacyNode().build(), res("ns/r", 0, explicit("04.0003")));
        assertThat(allocated(p, "ns/r").matrix().apqns()).containsExactly(Apqn.parse("04.0003"));
        NodePlan q = plan(legacyNode().build(), res("ns/r", 0, explicit("04.000a")));
        Decision.Refused r = decision(q, "ns/r", Decision.Refused.class);
        assertThat(r.reason()).isEqualTo(Reason.ApqnNotFound);
        assertThat(r.apqns()).containsExactly(Apqn.parse("04.000a"));
        assertThat(r.message()).contains("04.000a").contains("host configuration").contains("before 6.0")
                .contains("bound to vfio_ap").contains("EADDRNOTAVAIL").contains("mask-mode node with a 6.0+ kernel");
        assertThat(q.target().mdevs()).isEmpty();
        assertThat(q.target().claims()).isEmpty();
    }

    @Test
    void onAMaskNodeNotKnownToBeDynamicItIsRefused() {
        NodePlan p = plan(node(range(1, 4), range(1, 8)).build(), res("ns/r", 0, explicit("04.0014")));
        assertThat(decision(p, "ns/r", Decision.Refused.class).message()).contains("not known to be 6.0+");
    }

    @Test
    void onAnOverrideNodeItIsRefusedWithWhyAndTheFix() {
        NodePlan p = plan(overrideNode().build(), res("ns/r", 0, explicit("04.0014")));
        Decision.Refused r = decision(p, "ns/r", Decision.Refused.class);
        assertThat(r.reason()).isEqualTo(Reason.ApqnNotFound);
        assertThat(r.message()).contains("04.0014").contains("host configuration").contains("driver_override")
                .contains("EADDRNOTAVAIL").contains("mask-mode node with a 6.0+ kernel");
        assertThat(p.target().overrides()).isEmpty();
    }

    @Test
    void usageIdsAboveTheMaximumAreRefusedEvenWhereOutsideTheConfigurationIsAllowed() {
        NodePlan p = plan(dynamicMaskNode().build(), res("ns/d", 0, explicit("04.0055")), res("ns/a", 1, explicit("ff.0001")));
        Decision.Refused d = decision(p, "ns/d", Decision.Refused.class);
        assertThat(d.message()).contains("usage domains 85 are above the node's maximum domain id 84");
        assertThat(d.apqns()).containsExactly(Apqn.parse("04.0055"));
        assertThat(allocated(p, "ns/a").adapterBits()).isEqualTo(ids(255)); // 255 is the z16's maximum: allowed
        NodePlan q = plan(legacyNode().build(), res("ns/a", 0, explicit("40.0001")));
        assertThat(decision(q, "ns/a", Decision.Refused.class).message()).contains("adapters 64 are above the node's maximum adapter id 63");
    }
}
