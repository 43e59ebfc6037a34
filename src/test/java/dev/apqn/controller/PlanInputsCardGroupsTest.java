package dev.apqn.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apqn.agent.Ownership;
import dev.apqn.agent.kube.NodeStatusBuilder;
import dev.apqn.ap.ApMask;
import dev.apqn.ap.Apqn;
import dev.apqn.apbus.ApInventory;
import dev.apqn.apbus.SysfsApBus;
import dev.apqn.apbus.sim.MachineProfiles;
import dev.apqn.apbus.sim.SimKernel;
import dev.apqn.apbus.sim.SimSysfs;
import dev.apqn.api.v1alpha1.APNodeState;
import dev.apqn.api.v1alpha1.APNodeStateSpec;
import dev.apqn.api.v1alpha1.APNodeStateStatus;
import dev.apqn.api.v1alpha1.AgentStatus;
import dev.apqn.api.v1alpha1.CardStatus;
import dev.apqn.api.v1alpha1.Claim;
import dev.apqn.api.v1alpha1.HostEdits;
import dev.apqn.api.v1alpha1.HostTargetMapper;
import dev.apqn.plan.HostTarget;
import dev.apqn.plan.NodeInput;
import dev.apqn.plan.OffHostClaim;
import dev.apqn.plan.OwnershipMode;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The controller reads the agent's grouped card entries ({@code adapters: "0,2,4-9"}) exactly as it
 * read one entry per card, and reads Kept claims written as rectangles (and as the older apqns).
 */
class PlanInputsCardGroupsTest {

    static APNodeStateStatus status(SimKernel kernel) throws Exception {
        ApInventory inv = new SysfsApBus(new SimSysfs(kernel)).inventory();
        var agent = new AgentStatus();
        agent.setIdentity("a");
        var o = new NodeStatusBuilder.Observation(inv, Optional.empty(), Optional.empty(), null, null, Ownership.NONE,
                List.of(), 0, null, 1L, 1L, Map.of(), agent);
        // through JSON, as the controller gets it from the API server
        return Serialization.unmarshal(Serialization.asJson(NodeStatusBuilder.build(o, null, "2026-01-01T00:00:00Z")),
                APNodeStateStatus.class);
    }

    static APNodeState node(APNodeStateStatus st, APNodeStateSpec spec) {
        var ns = new APNodeState();
        ns.setMetadata(new ObjectMetaBuilder().withName("z1").withGeneration(1L).build());
        ns.setSpec(spec);
        ns.setStatus(st);
        return ns;
    }

    /** The same status with one entry per card in the single-card form older agents wrote. */
    static APNodeStateStatus onePerCard(APNodeStateStatus grouped) {
        var st = Serialization.unmarshal(Serialization.asJson(grouped), APNodeStateStatus.class);
        List<CardStatus> cards = new ArrayList<>();
        for (CardStatus c : grouped.getCards()) {
            for (int a : RangeLists.parse(c.getAdapters()).idList()) {
                CardStatus one = Serialization.unmarshal(Serialization.asJson(c), CardStatus.class);
                one.setAdapters(null);
                one.setAdapter(a);
                cards.add(one);
            }
        }
        cards.sort(java.util.Comparator.comparing(CardStatus::getAdapter));
        st.setCards(cards);
        return st;
    }

    @Test
    void groupedCardsExpandToTheSameNodeInputAsOneEntryPerCard() throws Exception {
        for (String pattern : List.of("none", "fragmented", "collateral")) {
            SimKernel kernel = SimKernel.boot(MachineProfiles.loadResource("stress-256"), 1);
            if (pattern.equals("fragmented")) {
                StringBuilder odd = new StringBuilder();
                for (int i = 1; i < 256; i += 2) {
                    odd.append(odd.length() == 0 ? "" : ",").append("-").append(i);
                }
                kernel.writeApmask(odd.toString());
                kernel.writeAqmask(odd.toString());
            } else if (pattern.equals("collateral")) {
                kernel.writeAqmask("-0,-1");
            }
            APNodeStateStatus grouped = status(kernel);
            assertThat(grouped.getCards()).as(pattern).hasSizeLessThanOrEqualTo(10);
            NodeInput in = PlanInputs.nodeInput(node(grouped, null)).orElseThrow();
            NodeInput legacy = PlanInputs.nodeInput(node(onePerCard(grouped), null)).orElseThrow();
            assertThat(legacy.queues()).as(pattern).hasSize(256 * 85);
            assertThat(in).as(pattern).isEqualTo(legacy);
            assertThat(in.configuredAdapters()).isEqualTo(ApMask.fromRange(0, 255));
        }
    }

    @Test
    void entriesWithoutAdaptersAreSkippedAndBothFormsAddUp() {
        var st = new APNodeStateStatus();
        st.setMode(dev.apqn.api.v1alpha1.NodeMode.Masks);
        st.setInventoryGeneration(1L);
        var group = new CardStatus();
        group.setAdapters("0,2,4-5");
        group.setGeneration(dev.apqn.ap.CardGeneration.CEX8);
        group.setQueues(List.of(new dev.apqn.api.v1alpha1.QueueGroup(dev.apqn.api.v1alpha1.QueueGroup.Driver.cex4queue,
                dev.apqn.api.v1alpha1.QueueGroup.State.Online, "1-2")));
        var single = new CardStatus();
        single.setAdapter(9);
        single.setGeneration(dev.apqn.ap.CardGeneration.CEX7);
        single.setQueues(List.of(new dev.apqn.api.v1alpha1.QueueGroup(dev.apqn.api.v1alpha1.QueueGroup.Driver.vfio_ap,
                dev.apqn.api.v1alpha1.QueueGroup.State.Unassigned, "3")));
        var nothing = new CardStatus();
        nothing.setGeneration(dev.apqn.ap.CardGeneration.CEX7);
        st.setCards(List.of(group, single, nothing));
        NodeInput in = PlanInputs.nodeInput(node(st, null)).orElseThrow();
        assertThat(in.configuredAdapters()).isEqualTo(ApMask.of(0, 2, 4, 5, 9));
        assertThat(in.queues().keySet()).containsExactly(Apqn.of(0, 1), Apqn.of(0, 2), Apqn.of(2, 1), Apqn.of(2, 2),
                Apqn.of(4, 1), Apqn.of(4, 2), Apqn.of(5, 1), Apqn.of(5, 2), Apqn.of(9, 3));
        assertThat(in.queues().get(Apqn.of(9, 3)).hostOwned()).isFalse();
        assertThat(in.queues().get(Apqn.of(4, 2)).hostOwned()).isTrue();
    }

    @Test
    void keptClaimsAreReadFromRectanglesAndFromApqns() {
        var big = new TreeSet<Apqn>();
        for (int a = 0; a < 256; a++) {
            big.add(Apqn.of(a, 4));
            big.add(Apqn.of(a, 5));
        }
        var t = new HostTarget(OwnershipMode.MASKS, ApMask.none(), ApMask.of(4, 5), new TreeSet<>(), new TreeMap<>(),
                List.of(new OffHostClaim(OffHostClaim.Kind.KEPT, "old/gone", big)), 1);
        APNodeStateSpec spec = HostTargetMapper.toSpec(t);
        Claim kept = spec.getHostEdits().getClaims().get(0);
        assertThat(kept.getRectangles()).containsExactly("0-255:4-5");
        assertThat(kept.getApqns()).isNull();
        assertThat(PlanInputs.keptClaims(spec)).containsExactly(new OffHostClaim(OffHostClaim.Kind.KEPT, "old/gone", big));

        // a spec written before Kept claims were rectangles
        var old = new Claim();
        old.setKind(Claim.Kind.Kept);
        old.setOwner("old/gone");
        old.setApqns(List.of("ff.0004", "03.0001"));
        var edits = new HostEdits();
        edits.setClaims(List.of(old));
        var oldSpec = new APNodeStateSpec();
        oldSpec.setHostEdits(edits);
        assertThat(PlanInputs.keptClaims(oldSpec)).containsExactly(new OffHostClaim(OffHostClaim.Kind.KEPT, "old/gone",
                new TreeSet<>(List.of(Apqn.of(255, 4), Apqn.of(3, 1)))));
    }
}
