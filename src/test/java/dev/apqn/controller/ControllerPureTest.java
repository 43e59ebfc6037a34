package dev.apqn.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apqn.ap.ApMask;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.CardGeneration;
import dev.apqn.ap.Matrix;
import dev.apqn.api.v1alpha1.APNodeState;
import dev.apqn.api.v1alpha1.APNodeStateStatus;
import dev.apqn.api.v1alpha1.APQNPolicy;
import dev.apqn.api.v1alpha1.APQNPolicySpec;
import dev.apqn.api.v1alpha1.APQNReservation;
import dev.apqn.api.v1alpha1.APQNReservationSpec;
import dev.apqn.api.v1alpha1.ApqnSet;
import dev.apqn.api.v1alpha1.CardMode;
import dev.apqn.api.v1alpha1.CardStatus;
import dev.apqn.api.v1alpha1.Grant;
import dev.apqn.api.v1alpha1.HostConfigStatus;
import dev.apqn.api.v1alpha1.MatrixRanges;
import dev.apqn.api.v1alpha1.MdevStatus;
import dev.apqn.api.v1alpha1.NodeMode;
import dev.apqn.api.v1alpha1.Phase;
import dev.apqn.api.v1alpha1.QueueGroup;
import dev.apqn.api.v1alpha1.ReservationSync;
import dev.apqn.plan.Decision;
import dev.apqn.plan.NodeInput;
import dev.apqn.plan.NodePlan;
import dev.apqn.plan.Planner;
import dev.apqn.plan.PolicyView;
import dev.apqn.plan.ReservationRequest;
import dev.apqn.status.Conditions;
import dev.apqn.events.EventRecorder;
import dev.apqn.status.Reason;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The pure parts of the controller: CRs → planner inputs, decisions → status, events on transitions. */
class ControllerPureTest {

    static final String T0 = "2026-01-01T00:00:00Z";
    static final String T1 = "2026-01-01T00:01:00Z";

    static APNodeState node() {
        var ns = new APNodeState();
        ns.setMetadata(new ObjectMetaBuilder().withName("z1").withGeneration(3L).build());
        var st = new APNodeStateStatus();
        st.setMode(NodeMode.Masks);
        st.setInventoryGeneration(7L);
        st.setObservedGeneration(3L);
        var c = new CardStatus();
        c.setAdapter(5);
        c.setGeneration(CardGeneration.CEX8);
        c.setMode(CardMode.CCA);
        c.setQueues(List.of(new QueueGroup(QueueGroup.Driver.cex4queue, QueueGroup.State.Online, "0-3,7"),
                new QueueGroup(QueueGroup.Driver.vfio_ap, QueueGroup.State.InUse, "4-6")));
        st.setCards(List.of(c));
        var hc = new HostConfigStatus();
        hc.setApmask("0-255");
        hc.setAqmask("0-8,10-255");
        hc.setDomainsOffHostForeign("9");
        st.setHostConfig(hc);
        var foreign = new MdevStatus();
        foreign.setUuid(UUID.randomUUID().toString());
        foreign.setOwned(false);
        foreign.setMatrix(MatrixRanges.of(Matrix.of(ApMask.of(5), ApMask.of(6))));
        st.setMdevs(List.of(foreign));
        ns.setStatus(st);
        return ns;
    }

    static APQNReservation reservation(String name, List<Integer> a, List<Integer> d) {
        var r = new APQNReservation();
        r.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("ns").withUid(UUID.randomUUID().toString())
                .withGeneration(2L).withCreationTimestamp(T0).build());
        var s = new APQNReservationSpec();
        s.setNodeName("z1");
        s.setAdapters(a);
        s.setDomains(d);
        r.setSpec(s);
        return r;
    }

    @Test
    void rangeListsParseAndRejectGarbage() {
        assertThat(RangeLists.parse("0-3,6,9-10").idList()).containsExactly(0, 1, 2, 3, 6, 9, 10);
        assertThat(RangeLists.parse("").isEmpty()).isTrue();
        assertThat(RangeLists.parseOr(null, ApMask.all()).isFull()).isTrue();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> RangeLists.parse("3-1"))
                .hasMessageContaining("backwards");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> RangeLists.parse("256")).hasMessageContaining("outside");
    }

    @Test
    void nodeStatusMapsToPlannerInput() {
        NodeInput in = PlanInputs.nodeInput(node()).orElseThrow();
        assertThat(in.inventoryGeneration()).isEqualTo(7);
        assertThat(in.queues()).hasSize(8);
        assertThat(in.queues().get(Apqn.of(5, 0)).hostOwned()).isTrue();
        assertThat(in.queues().get(Apqn.of(5, 5)).inUse()).isTrue();
        assertThat(in.foreignDomainsOff().idList()).containsExactly(9);
        assertThat(in.foreignMdevs()).hasSize(1);
        assertThat(in.aqmask().get(9)).isFalse();
    }

    @Test
    void aNodeWithoutReportGivesNoInput() {
        var ns = node();
        ns.getStatus().setMode(null);
        assertThat(PlanInputs.nodeInput(ns)).isEmpty();
    }

    @Test
    void reservationFormsMapToRequests() {
        var r = reservation("r", List.of(5), List.of(1, 2));
        r.getSpec().setControlDomains(List.of(1));
        var in = PlanInputs.reservationInput(r, Optional.empty());
        assertThat(in.key()).isEqualTo("ns/r");
        assertThat(in.request()).isInstanceOf(ReservationRequest.Explicit.class);
        assertThat(((ReservationRequest.Explicit) in.request()).apqns()).containsExactly(Apqn.of(5, 1), Apqn.of(5, 2));
        assertThat(in.request().controlDomains().idList()).containsExactly(1);
        assertThat(in.holder()).isFalse();
        var s = new APQNReservationSpec();
        s.setApqns(List.of("05.0001", "06.0001"));
        assertThat(((ReservationRequest.Explicit) PlanInputs.request(s)).apqns()).hasSize(2);
        var sel = new APQNReservationSpec();
        var ss = new dev.apqn.api.v1alpha1.SelectionSpec();
        ss.setAdapters(1);
        ss.setDomains(2);
        sel.setSelect(ss);
        assertThat(((ReservationRequest.Selection) PlanInputs.request(sel)).controlSameAsUsage()).isFalse();
        ss.setControlDomains(dev.apqn.api.v1alpha1.SelectionSpec.ControlDomains.SameAsUsage);
        assertThat(((ReservationRequest.Selection) PlanInputs.request(sel)).controlSameAsUsage()).isTrue();
    }

    @Test
    void policiesCombineForTheNodeTheySelect() {
        var p1 = new APQNPolicy();
        p1.setMetadata(new ObjectMetaBuilder().withName("a").build());
        var s1 = new APQNPolicySpec();
        var keep = new ApqnSet();
        keep.setApqns(List.of("05.0004"));
        keep.setAdapters(List.of(7));
        s1.setHostKeep(keep);
        var g = new Grant();
        g.setNamespaces(List.of("team"));
        g.setAdapters(List.of(5));
        s1.setGrants(List.of(g));
        p1.setSpec(s1);
        var p2 = new APQNPolicy();
        p2.setMetadata(new ObjectMetaBuilder().withName("b").build());
        var s2 = new APQNPolicySpec();
        s2.setNodeSelector(Map.of("zone", "other"));
        s2.setCollateral(APQNPolicySpec.Collateral.RequireApproval);
        p2.setSpec(s2);
        PolicyView v = PlanInputs.policyView(List.of(p1, p2), Map.of("zone", "here"));
        assertThat(v.keeps(Apqn.of(5, 4))).isTrue();
        assertThat(v.keeps(Apqn.of(7, 1))).isTrue();
        assertThat(v.collateralNeedsApproval()).isFalse();
        assertThat(v.grants("team", Apqn.of(5, 200))).isTrue();
        assertThat(v.grants("other", Apqn.of(5, 1))).isFalse();
        assertThat(PlanInputs.policyView(List.of(p1, p2), Map.of("zone", "other")).collateralNeedsApproval()).isTrue();
    }

    @Test
    void grantsOfSingleApqnsGrantExactlyThoseApqns() {
        var p = new APQNPolicy();
        p.setMetadata(new ObjectMetaBuilder().withName("g").build());
        var s = new APQNPolicySpec();
        var single = new Grant();
        single.setNamespaces(List.of("team"));
        single.setApqns(List.of("05.0004", "06.0006"));
        var mixed = new Grant();
        mixed.setNamespaces(List.of("mixed"));
        mixed.setAdapters(List.of(7));
        mixed.setApqns(List.of("08.0001"));
        s.setGrants(List.of(single, mixed));
        p.setSpec(s);
        PolicyView v = PlanInputs.policyView(List.of(p), Map.of());
        assertThat(v.grants("team", Apqn.of(5, 4))).isTrue();
        assertThat(v.grants("team", Apqn.of(6, 6))).isTrue();
        assertThat(v.grants("team", Apqn.of(5, 6))).as("never widened to adapters x domains").isFalse();
        assertThat(v.grants("team", Apqn.of(6, 4))).isFalse();
        assertThat(v.grants("mixed", Apqn.of(7, 200))).as("adapter 7 with any domain").isTrue();
        assertThat(v.grants("mixed", Apqn.of(8, 1))).isTrue();
        assertThat(v.grants("mixed", Apqn.of(8, 2))).isFalse();
        assertThat(v.grants("mixed", Apqn.of(7, 1))).isTrue();
    }

    NodePlan plan(APQNReservation... rs) {
        var ns = node();
        var inputs = java.util.Arrays.stream(rs).map(r -> PlanInputs.reservationInput(r, Optional.empty())).toList();
        return Planner.plan(PlanInputs.nodeInput(ns).orElseThrow(), inputs, PolicyView.none());
    }

    @Test
    void allocatedWithoutAgentReportIsApplyingThenReadyOnSync() {
        var r = reservation("r", List.of(5), List.of(1));
        NodeInput in = PlanInputs.nodeInput(node()).orElseThrow();
        Decision d = plan(r).decision("ns/r");
        var applying = ReservationStatusBuilder.fromDecision(r, "z1", d, in, false,
                ReservationStatusBuilder.AgentReport.none(), T0);
        assertThat(applying.getPhase()).isEqualTo(Phase.Applying);
        assertThat(applying.getObservedGeneration()).isEqualTo(2L);
        assertThat(Conditions.isTrue(applying.getConditions(), Conditions.RECONCILING)).isTrue();
        assertThat(applying.getPlan().getTakenFromHost()).contains("05.0001");

        r.setStatus(applying);
        var st = new APNodeStateStatus();
        var sync = new ReservationSync();
        sync.setReservation("ns/r");
        sync.setState(ReservationSync.State.Ready);
        st.setReservations(List.of(sync));
        var ready = ReservationStatusBuilder.fromDecision(r, "z1", d, in, false,
                ReservationStatusBuilder.AgentReport.of(st, "ns/r", applying.getMdevUuid()), T1);
        assertThat(ready.getPhase()).isEqualTo(Phase.Ready);
        assertThat(ready.getQueues()).allMatch(q -> q.getState() == dev.apqn.api.v1alpha1.ApqnState.State.Ready);
        var readyCond = Conditions.find(ready.getConditions(), Conditions.READY).orElseThrow();
        assertThat(readyCond.getLastTransitionTime()).isEqualTo(T1);
        var stalled = Conditions.find(ready.getConditions(), Conditions.STALLED).orElseThrow();
        assertThat(stalled.getLastTransitionTime()).as("no flip, no new transition time").isEqualTo(T0);

        r.setStatus(ready);
        var again = ReservationStatusBuilder.fromDecision(r, "z1", d, in, false,
                ReservationStatusBuilder.AgentReport.of(st, "ns/r", applying.getMdevUuid()), "2026-01-01T00:02:00Z");
        assertThat(dev.apqn.api.ApiValues.same(ready, again)).as("a repeated reconcile writes nothing").isTrue();
        assertThat(EventRecorder.transition(ready, again)).isEmpty();
        assertThat(EventRecorder.transition(applying, ready)).hasValueSatisfying(h -> {
            assertThat(h.reason()).isEqualTo(Reason.Ready);
            assertThat(h.warning()).isFalse();
        });
    }

    static APNodeStateStatus agentSays(ReservationSync.State state, Reason reason, String message) {
        var st = new APNodeStateStatus();
        var sync = new ReservationSync();
        sync.setReservation("ns/r");
        sync.setState(state);
        sync.setReason(reason);
        sync.setMessage(message);
        st.setReservations(List.of(sync));
        return st;
    }

    @Test
    void theReservationShowsTheClaimsTheAgentPreparedItsMdevFor() {
        var r = reservation("r", List.of(5), List.of(1));
        NodeInput in = PlanInputs.nodeInput(node()).orElseThrow();
        Decision d = plan(r).decision("ns/r");
        var st = agentSays(ReservationSync.State.Ready, Reason.Ready, null);
        var vm = new dev.apqn.api.v1alpha1.Consumer("vms/payroll-hsm", "uid-1", "vms/virt-launcher-payroll-x", T0);
        st.getReservations().get(0).setConsumers(List.of(vm));
        var s = ReservationStatusBuilder.fromDecision(r, "z1", d, in, false,
                ReservationStatusBuilder.AgentReport.of(st, "ns/r", mdevUuid(r)), T0);
        assertThat(s.getConsumers()).extracting(dev.apqn.api.v1alpha1.Consumer::getClaim, dev.apqn.api.v1alpha1.Consumer::getPod)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("vms/payroll-hsm", "vms/virt-launcher-payroll-x"));

        var none = ReservationStatusBuilder.fromDecision(r, "z1", d, in, false,
                ReservationStatusBuilder.AgentReport.of(agentSays(ReservationSync.State.Ready, Reason.Ready, null), "ns/r", mdevUuid(r)), T0);
        assertThat(none.getConsumers()).as("no claim prepared: no consumers field").isNull();
    }

    @Test
    void aFailedAgentWriteStaysApplyingWithTheErrnoSentenceAndAVocabularyReason() {
        var r = reservation("r", List.of(5), List.of(1));
        NodeInput in = PlanInputs.nodeInput(node()).orElseThrow();
        Decision d = plan(r).decision("ns/r");
        String errno = "assign_domain 0x1 to mdev 1b2c: EBUSY (Device or resource busy): another mdev holds 05.0001";
        java.util.function.Function<APNodeStateStatus, dev.apqn.api.v1alpha1.APQNReservationStatus> status = st ->
                ReservationStatusBuilder.fromDecision(r, "z1", d, in, false,
                        ReservationStatusBuilder.AgentReport.of(st, "ns/r", mdevUuid(r)), T0);

        var failed = status.apply(agentSays(ReservationSync.State.Failed, Reason.AssignFailed, errno));
        assertThat(failed.getPhase()).isEqualTo(Phase.Applying);
        assertThat(failed.getMessage()).contains(errno).contains("AssignFailed");
        var stalled = Conditions.find(failed.getConditions(), Conditions.STALLED).orElseThrow();
        assertThat(stalled.getStatus()).isEqualTo("True");
        assertThat(stalled.getReason()).isEqualTo(Reason.AssignFailed.name());
        assertThat(stalled.getMessage()).contains(errno);
        assertThat(EventRecorder.headline(failed).orElseThrow()).satisfies(h -> {
            assertThat(h.warning()).isTrue();
            assertThat(h.reason()).isEqualTo(Reason.AssignFailed);
        });

        // no reason (or one that is not a failure) becomes AssignFailed; the sentence stays
        var odd = status.apply(agentSays(ReservationSync.State.Failed, null, errno));
        assertThat(Conditions.find(odd.getConditions(), Conditions.STALLED).orElseThrow().getReason())
                .isEqualTo(Reason.AssignFailed.name());
        assertThat(odd.getMessage()).contains(errno);
        var notAFailure = status.apply(agentSays(ReservationSync.State.Failed, Reason.Ready, errno));
        assertThat(Conditions.find(notAFailure.getConditions(), Conditions.STALLED).orElseThrow().getReason())
                .isEqualTo(Reason.AssignFailed.name());

        // no message of its own: the node's failing Ready condition tells why
        var bare = agentSays(ReservationSync.State.Failed, Reason.MdevCreateFailed, null);
        bare.setConditions(Conditions.set(new java.util.ArrayList<>(), Conditions.READY, false, Reason.MdevCreateFailed,
                "create of mdev 1b2c failed: ENOSPC (No space left on device)", 1L, T0));
        var fromNode = status.apply(bare);
        assertThat(fromNode.getMessage()).contains("ENOSPC");
        assertThat(Conditions.find(fromNode.getConditions(), Conditions.STALLED).orElseThrow().getReason())
                .isEqualTo(Reason.MdevCreateFailed.name());

        // Applying held up by a failed host write (the agent's reason says so) is Stalled as well
        var host = status.apply(agentSays(ReservationSync.State.Applying, Reason.DriverBindFailed,
                "taking the queues from the host failed: write 0-255 to /sys/bus/ap/aqmask: EINVAL"));
        assertThat(host.getPhase()).isEqualTo(Phase.Applying);
        assertThat(condReason(host, Conditions.STALLED)).isEqualTo("True/DriverBindFailed");
        assertThat(host.getMessage()).contains("EINVAL");

        // the agent's newer states: Drifted (repaired) is Ready, Restoring is Applying
        assertThat(status.apply(agentSays(ReservationSync.State.Drifted, Reason.MdevChangedOutside, "domain 1 unassigned by hand"))
                .getPhase()).isEqualTo(Phase.Ready);
        var restoring = status.apply(agentSays(ReservationSync.State.Restoring, Reason.RecoveringIntent, null));
        assertThat(restoring.getPhase()).isEqualTo(Phase.Applying);
        assertThat(condReason(restoring, Conditions.RECONCILING)).isEqualTo("True/RecoveringIntent");
    }

    static String mdevUuid(APQNReservation r) {
        return dev.apqn.api.v1alpha1.MdevUuids.of(r).toString();
    }

    static String condReason(dev.apqn.api.v1alpha1.APQNReservationStatus s, String type) {
        return Conditions.find(s.getConditions(), type).map(c -> c.getStatus() + "/" + c.getReason()).orElse("-");
    }

    @Test
    void conflictNamesTheHolderAndIsAWarning() {
        var older = reservation("older", List.of(5), List.of(1));
        var younger = reservation("younger", List.of(5), List.of(1, 2));
        younger.getMetadata().setCreationTimestamp(T1);
        NodeInput in = PlanInputs.nodeInput(node()).orElseThrow();
        Decision d = plan(older, younger).decision("ns/younger");
        var s = ReservationStatusBuilder.fromDecision(younger, "z1", d, in, false,
                ReservationStatusBuilder.AgentReport.none(), T0);
        assertThat(s.getPhase()).isEqualTo(Phase.Conflict);
        assertThat(s.getMessage()).contains("ns/older");
        assertThat(Conditions.find(s.getConditions(), Conditions.CONFLICT).orElseThrow().getReason())
                .isEqualTo(Reason.MatrixConflict.name());
        assertThat(s.getQueues()).extracting(q -> q.getApqn() + "=" + q.getState()).containsExactly("05.0001=Conflict");
        assertThat(EventRecorder.headline(s).orElseThrow().warning()).isTrue();
    }

    @Test
    void refusalsMapToVocabularyReasons() {
        var r = reservation("r", List.of(5), List.of(6));
        NodeInput in = PlanInputs.nodeInput(node()).orElseThrow();
        var s = ReservationStatusBuilder.fromDecision(r, "z1", plan(r).decision("ns/r"), in, false,
                ReservationStatusBuilder.AgentReport.none(), T0);
        assertThat(Conditions.find(s.getConditions(), Conditions.STALLED).orElseThrow().getReason())
                .isEqualTo(Reason.ForeignMdev.name());
        var missing = reservation("m", List.of(9), List.of(1));
        var s2 = ReservationStatusBuilder.fromDecision(missing, "z1", plan(missing).decision("ns/m"), in, false,
                ReservationStatusBuilder.AgentReport.none(), T0);
        assertThat(Conditions.find(s2.getConditions(), Conditions.STALLED).orElseThrow().getReason())
                .isEqualTo(Reason.ApqnNotFound.name());
        assertThat(s2.getPhase()).isEqualTo(Phase.Pending);
    }

    @Test
    void agentLivenessFollowsTheLease() {
        Instant now = Instant.parse(T1);
        var l = new Lease();
        var spec = new LeaseSpec();
        spec.setLeaseDurationSeconds(10);
        spec.setRenewTime(now.minusSeconds(25).atZone(ZoneOffset.UTC));
        l.setSpec(spec);
        assertThat(AgentLiveness.check("z1", "sys", Optional.of(l), now, 3, Duration.ofSeconds(5)).alive()).isTrue();
        spec.setRenewTime(now.minusSeconds(31).atZone(ZoneOffset.UTC));
        var dead = AgentLiveness.check("z1", "sys", Optional.of(l), now, 3, Duration.ofSeconds(5));
        assertThat(dead.alive()).isFalse();
        assertThat(dead.message()).contains("sys/apqn-agent-z1");
        assertThat(AgentLiveness.check("z1", "sys", Optional.empty(), now, 3, Duration.ofSeconds(5)).alive()).isFalse();
    }

    @Test
    void releaseWaitsForTheAgentToObserveTheSpecAndDropTheMdev() {
        var r = reservation("r", List.of(5), List.of(1));
        var ns = node();
        ns.getStatus().setObservedGeneration(3L);
        assertThat(NodeReconciler.releasedByAgent(ns, 4, r)).as("spec generation 4 not observed yet").isFalse();
        assertThat(NodeReconciler.releasedByAgent(ns, 3, r)).isTrue();
        var sync = new ReservationSync();
        sync.setReservation("ns/r");
        sync.setState(ReservationSync.State.InUse);
        ns.getStatus().setReservations(List.of(sync));
        assertThat(NodeReconciler.releasedByAgent(ns, 3, r)).isFalse();
        sync.setState(ReservationSync.State.Released);
        assertThat(NodeReconciler.releasedByAgent(ns, 3, r)).isTrue();
    }
}
