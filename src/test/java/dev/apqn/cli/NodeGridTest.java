package dev.apqn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apqn.ap.Apqn;
import dev.apqn.api.v1alpha1.APNodeState;
import dev.apqn.api.v1alpha1.Claim;
import dev.apqn.controller.PlanInputs;
import dev.apqn.plan.PolicyView;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Who holds an APQN when several things are true of it, and how reservations get their letters. */
class NodeGridTest {

    static APNodeState state(String node) {
        var s = KubectlApqnGoldenTest.CLUSTER.nodeState(node).orElseThrow();
        return Serialization.clone(s);
    }

    static Claim claim(Claim.Kind kind, String owner, String rectangle) {
        var c = new Claim();
        c.setKind(kind);
        c.setOwner(owner);
        c.setRectangles(List.of(rectangle));
        return c;
    }

    @Test
    void theCardsStateComesBeforeWhoTheQueueIsClaimedFor() {
        APNodeState s = state("demo-stress");
        var claims = new ArrayList<>(s.getSpec().getHostEdits().getClaims());
        claims.add(claim(Claim.Kind.Reserved, "team/on-a-dead-card", "200,210:3"));
        s.getSpec().getHostEdits().setClaims(claims);
        var g = NodeGrid.of(s, PolicyView.none(), List.of());
        assertThat(g.symbolAt(200, 3)).as("checkstopped card 0xc8").isEqualTo('!');
        assertThat(g.symbolAt(210, 3)).as("deconfigured card 0xd2").isEqualTo('~');
        assertThat(g.cells().get(Apqn.of(0x40, 0x14)).owner()).isEqualTo("payroll/bulk-signing");
    }

    @Test
    void aReservedClaimWinsOverAnotherReservationsCollateralAndPolicyMarksOnlyHostQueues() {
        APNodeState s = state("demo-z16");
        var claims = new ArrayList<>(s.getSpec().getHostEdits().getClaims());
        claims.add(0, claim(Claim.Kind.Collateral, "aaa/first", "5:4"));
        s.getSpec().getHostEdits().setClaims(claims);
        var policy = PlanInputs.policyView(KubectlApqnGoldenTest.CLUSTER.policies(),
                KubectlApqnGoldenTest.CLUSTER.nodeLabels("demo-z16"));
        var g = NodeGrid.of(s, policy, List.of());
        assertThat(g.cells().get(Apqn.of(5, 4))).isEqualTo(new NodeGrid.Cell(Holder.RESERVED, "payroll/payroll-crypto"));
        // the policy keeps domain 0; adapter 5's queues of domain 4 are not the host's, so they are not "kept"
        assertThat(g.symbolAt(5, 0)).isEqualTo('h');
        assertThat(g.cells().values()).filteredOn(c -> c.holder() == Holder.HOST_KEPT).hasSize(4);
    }

    @Test
    void reservationsAreLetteredInNameOrderSkippingTheFixedSymbolsAndTheRestShareOne() {
        APNodeState s = state("demo-z16");
        var claims = new ArrayList<Claim>();
        for (int i = 0; i < 25; i++) {
            int adapter = 3 + i / 8;
            int domain = 1 + i % 8;
            claims.add(claim(Claim.Kind.Reserved, String.format("ns/r%02d", i), adapter + ":" + domain));
        }
        claims.add(claim(Claim.Kind.Collateral, "ns/r24", "6:9"));
        s.getSpec().getHostEdits().setClaims(claims);
        s.getStatus().setMdevs(List.of());
        var g = NodeGrid.of(s, PolicyView.none(), List.of());
        assertThat(g.owners()).extracting(NodeGrid.Owner::letter).containsExactly(
                'A', 'B', 'C', 'D', 'E', 'G', 'I', 'J', 'L', 'M', 'N', 'O', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z',
                '#', '#', '#');
        assertThat(g.symbolAt(3, 6)).isEqualTo('G');
        assertThat(g.symbolAt(6, 1)).as("ns/r24 beyond the letters").isEqualTo('#');
        assertThat(g.symbolAt(6, 9)).as("its collateral").isEqualTo('+');
    }
}
