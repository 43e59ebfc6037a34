package dev.apqn.controller;

import static dev.apqn.testing.Reservations.explicit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.apqn.ap.ApMask;
import dev.apqn.ap.Matrix;
import dev.apqn.api.v1alpha1.APNodeState;
import dev.apqn.api.v1alpha1.APQNPolicy;
import dev.apqn.api.v1alpha1.APQNPolicySpec;
import dev.apqn.api.v1alpha1.APQNReservation;
import dev.apqn.api.v1alpha1.APQNReservationSpec;
import dev.apqn.api.v1alpha1.Allocation;
import dev.apqn.api.v1alpha1.Approval;
import dev.apqn.api.v1alpha1.ApqnSet;
import dev.apqn.api.v1alpha1.Grant;
import dev.apqn.api.v1alpha1.MdevUuids;
import dev.apqn.api.v1alpha1.NodeMdev;
import dev.apqn.api.v1alpha1.Phase;
import dev.apqn.api.v1alpha1.SelectionSpec;
import dev.apqn.app.ApqnConfigs;
import dev.apqn.status.Conditions;
import dev.apqn.events.EventRecorder;
import dev.apqn.status.Reason;
import dev.apqn.testing.ChartRbac;
import dev.apqn.testing.Identity;
import dev.apqn.testing.LocalControlPlane;
import dev.apqn.testing.WithKubeApiServer;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.Operator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The controller on a real API server, in this JVM (plain JOSDK Operator with our reconcilers),
 * against {@link FakeAgent}s, running as its own service account under exactly
 * the chart's controller RBAC (charts/apqn-operator/templates/rbac-controller.yaml) (impersonation). Every test uses its own nodes and namespace.
 */
@WithKubeApiServer(crds = "crds")
class ControllerIT {

    static final Duration WAIT = Duration.ofSeconds(30);
    static final String SA = "apqn-controller";
    /** The admin: plays users, admins and (in FakeAgent) agents. */
    static KubernetesClient client;
    /** The controller's own client: its service account under the chart's controller RBAC. */
    static KubernetesClient controllerClient;
    static LocalControlPlane cp;
    static String system;
    static Operator operator;
    static final List<FakeAgent> agents = new ArrayList<>();

    @BeforeAll
    static void start(KubernetesClient admin, LocalControlPlane plane) {
        client = admin;
        cp = plane;
        system = cp.createNamespace("apqn-sys");
        controllerClient = controllerClient(cp, system);
        var settings = ApqnConfigs.controllerDefaults().withAgentLeaseNamespace(system)
                .withAgentRecheck(Duration.ofSeconds(1)).withLeaderElection(false, system);
        operator = ControllerOperator.create(controllerClient, settings);
        operator.start();
    }

    /**
     * The controller's identity: its service account in {@code ns}, bound to exactly
     * the chart's controller RBAC (charts/apqn-operator/templates/rbac-controller.yaml) (rendered by helm for this namespace), and a
     * client impersonating it once RBAC lets it read what it watches. Every test of this class runs the
     * controller with it.
     */
    static KubernetesClient controllerClient(LocalControlPlane cp, String ns) {
        KubernetesClient admin = cp.adminClient();
        admin.serviceAccounts().inNamespace(ns).resource(new ServiceAccountBuilder()
                .withNewMetadata().withName(SA).endMetadata().build()).create();
        ChartRbac.apply(admin, ns, ChartRbac.Role.controller);
        KubernetesClient c = cp.clientFor(Identity.serviceAccount(ns, SA));
        await().atMost(WAIT).ignoreExceptions().until(() -> {
            c.resources(APQNReservation.class).inAnyNamespace().list();
            c.resources(APNodeState.class).list();
            c.resources(Lease.class).inNamespace(ns).list();
            return true;
        });
        return c;
    }

    @AfterAll
    static void stop() {
        agents.forEach(FakeAgent::close);
        if (operator != null) {
            operator.stop();
        }
    }

    // ------------------------------------------------------------------ helpers

    static String node(String prefix, Map<String, String> labels) {
        String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 6);
        Map<String, String> l = new java.util.HashMap<>(labels);
        l.put("kubernetes.io/arch", "s390x");
        l.put("apqn.test/node", name);
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName(name).withLabels(l).endMetadata().build()).create();
        return name;
    }

    static FakeAgent agent(String node) {
        var a = new FakeAgent(client, node, system, ApMask.of(5, 6), ApMask.fromRange(0, 15)).start();
        agents.add(a);
        return a;
    }


    static APQNReservation create(APQNReservation r) {
        return client.resource(r).create();
    }

    static APQNReservation get(String ns, String name) {
        return client.resources(APQNReservation.class).inNamespace(ns).withName(name).get();
    }

    static APQNReservation awaitPhase(String ns, String name, Phase phase) {
        await().atMost(WAIT).until(() -> {
            var r = get(ns, name);
            return r != null && r.getStatus() != null && r.getStatus().getPhase() == phase;
        });
        return get(ns, name);
    }

    static APNodeState nodeState(String node) {
        return client.resources(APNodeState.class).withName(node).get();
    }

    static List<String> mdevOwners(String node) {
        var ns = nodeState(node);
        return ns == null || ns.getSpec() == null || ns.getSpec().getMdevs() == null ? List.of()
                : ns.getSpec().getMdevs().stream().map(NodeMdev::getReservation).toList();
    }

    static List<Event> events(String ns, String name) {
        return client.v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> name.equals(e.getInvolvedObject().getName())).toList();
    }

    /** Edits a reservation as a user would, again on a 409 (the controller writes status concurrently). */
    static void edit(String ns, String name, java.util.function.UnaryOperator<APQNReservation> change) {
        await().atMost(WAIT).ignoreExceptionsMatching(e -> e instanceof KubernetesClientException k && k.getCode() == 409)
                .until(() -> {
                    client.resources(APQNReservation.class).inNamespace(ns).withName(name).edit(change);
                    return true;
                });
    }

    static void delete(String ns, String name) {
        client.resources(APQNReservation.class).inNamespace(ns).withName(name).delete();
    }

    static void awaitGone(String ns, String name) {
        await().atMost(WAIT).until(() -> get(ns, name) == null);
    }

    static String condReason(APQNReservation r, String type) {
        return Conditions.find(r.getStatus().getConditions(), type).map(c -> c.getStatus() + "/" + c.getReason()).orElse("-");
    }

    // ------------------------------------------------------------------ tests

    @Test
    void createdReservationBecomesReadyWhenTheAgentReportsItSynced() {
        String ns = cp.createNamespace("ready");
        String n = node("z-ready", Map.of());
        agent(n);
        create(explicit(ns, "payroll", n, List.of(5), List.of(4, 6)));
        var r = awaitPhase(ns, "payroll", Phase.Ready);
        assertThat(r.getMetadata().getFinalizers()).contains(ReservationReconciler.FINALIZER);
        assertThat(r.getStatus().getObservedGeneration()).isEqualTo(r.getMetadata().getGeneration());
        assertThat(r.getStatus().getNode()).isEqualTo(n);
        assertThat(r.getStatus().getMdevUuid()).isEqualTo(MdevUuids.of(r).toString());
        assertThat(r.getStatus().getApqnSummary()).isEqualTo("05.0004,05.0006");
        assertThat(r.getStatus().getPlan().getHash()).isNotBlank();
        assertThat(r.getStatus().getUsage().getQemuDevice()).contains(r.getStatus().getMdevUuid());
        assertThat(condReason(r, Conditions.READY)).isEqualTo("True/Ready");
        assertThat(condReason(r, Conditions.STALLED)).isEqualTo("False/AsExpected");
        var spec = nodeState(n).getSpec();
        assertThat(spec.getMdevs()).extracting(NodeMdev::getUuid).containsExactly(r.getStatus().getMdevUuid());
        assertThat(spec.getAllocations()).extracting(Allocation::getReservation).containsExactly(ns + "/payroll");
        assertThat(nodeState(n).getMetadata().getManagedFields()).anyMatch(f -> "apqn-controller".equals(f.getManager()));
    }

    @Test
    void conflictNamesTheHolderAndTheLoserBecomesReadyOnceTheHolderIsGone() {
        String ns = cp.createNamespace("conflict");
        String n = node("z-conflict", Map.of());
        agent(n);
        create(explicit(ns, "holder", n, List.of(5), List.of(4)));
        awaitPhase(ns, "holder", Phase.Ready);
        create(explicit(ns, "loser", n, List.of(5), List.of(4, 5)));
        var loser = awaitPhase(ns, "loser", Phase.Conflict);
        assertThat(condReason(loser, Conditions.CONFLICT)).isEqualTo("True/MatrixConflict");
        assertThat(loser.getStatus().getMessage()).contains(ns + "/holder");
        assertThat(mdevOwners(n)).containsExactly(ns + "/holder");
        delete(ns, "holder");
        awaitGone(ns, "holder");
        awaitPhase(ns, "loser", Phase.Ready);
        assertThat(mdevOwners(n)).containsExactly(ns + "/loser");
    }

    @Test
    void twoMdevsShareAnAdapterWithDisjointDomains() {
        String ns = cp.createNamespace("share");
        String n = node("z-share", Map.of());
        agent(n);
        create(explicit(ns, "a", n, List.of(5), List.of(4)));
        create(explicit(ns, "b", n, List.of(5), List.of(6)));
        awaitPhase(ns, "a", Phase.Ready);
        awaitPhase(ns, "b", Phase.Ready);
        assertThat(mdevOwners(n)).containsExactlyInAnyOrder(ns + "/a", ns + "/b");
    }

    @Test
    void selectionIsStoredOnceAndNotReselectedWhenTheInventoryChanges() {
        String ns = cp.createNamespace("select");
        String n = node("z-select", Map.of("pool", ns));
        FakeAgent a = agent(n);
        var r = new APQNReservation();
        r.setMetadata(new ObjectMetaBuilder().withName("pick").withNamespace(ns).build());
        var s = new APQNReservationSpec();
        var sel = new SelectionSpec();
        sel.setAdapters(1);
        sel.setDomains(2);
        s.setSelect(sel);
        s.setNodeSelector(Map.of("pool", ns));
        r.setSpec(s);
        create(r);
        var ready = awaitPhase(ns, "pick", Phase.Ready);
        assertThat(ready.getStatus().getNode()).isEqualTo(n);
        Allocation alloc = nodeState(n).getSpec().getAllocations().get(0);
        assertThat(alloc.getSource()).isEqualTo(Allocation.Source.Selected);
        a.inventory(ApMask.of(3, 5, 6), ApMask.fromRange(0, 15));
        await().atMost(WAIT).until(() -> nodeState(n).getSpec().getHostEdits().getInventoryGeneration() == 2L);
        Allocation after = nodeState(n).getSpec().getAllocations().get(0);
        assertThat(after.getMatrix().toMatrix()).isEqualTo(alloc.getMatrix().toMatrix());
        assertThat(after.getAllocatedAt()).isEqualTo(alloc.getAllocatedAt());
        awaitPhase(ns, "pick", Phase.Ready);
    }

    @Test
    void selectionWithSameAsUsageGivesTheMdevThePickedDomainsAsControlDomains() {
        String ns = cp.createNamespace("samectl");
        String n = node("z-samectl", Map.of("pool", ns));
        agent(n);
        var r = new APQNReservation();
        r.setMetadata(new ObjectMetaBuilder().withName("ctl").withNamespace(ns).build());
        var s = new APQNReservationSpec();
        var sel = new SelectionSpec();
        sel.setAdapters(1);
        sel.setDomains(3);
        sel.setControlDomains(SelectionSpec.ControlDomains.SameAsUsage);
        s.setSelect(sel);
        s.setNodeSelector(Map.of("pool", ns));
        r.setSpec(s);
        create(r);
        var ready = awaitPhase(ns, "ctl", Phase.Ready);
        var spec = nodeState(n).getSpec();
        assertThat(spec.getMdevs()).hasSize(1);
        Matrix mdev = spec.getMdevs().get(0).getMatrix().toMatrix();
        assertThat(mdev.domains().cardinality()).isEqualTo(3);
        assertThat(mdev.controlDomains()).as("the picked usage domains are the mdev's control domains")
                .isEqualTo(mdev.domains());
        assertThat(spec.getAllocations().get(0).getMatrix().toMatrix()).isEqualTo(mdev);
        assertThat(ready.getStatus().getMatrix().toMatrix()).isEqualTo(mdev);
    }

    @Test
    void manualApprovalPublishesThePlanAndTouchesNothingUntilApproved() {
        String ns = cp.createNamespace("manual");
        String n = node("z-manual", Map.of());
        agent(n);
        var r = explicit(ns, "careful", n, List.of(6), List.of(1, 2));
        r.getSpec().setApproval(Approval.Manual);
        create(r);
        var waiting = awaitPhase(ns, "careful", Phase.AwaitingApproval);
        String hash = waiting.getStatus().getPlan().getHash();
        assertThat(hash).isNotBlank();
        assertThat(waiting.getStatus().getPlan().getApproved()).isFalse();
        assertThat(condReason(waiting, Conditions.RECONCILING)).isEqualTo("True/AwaitingApproval");
        assertThat(mdevOwners(n)).isEmpty();
        assertThat(nodeState(n).getSpec().getAllocations()).isNullOrEmpty();
        edit(ns, "careful", x -> {
                    x.getSpec().setApprovedPlan(hash);
                    return x;
                });
        var ready = awaitPhase(ns, "careful", Phase.Ready);
        assertThat(ready.getStatus().getPlan().getApproved()).isTrue();
        assertThat(mdevOwners(n)).containsExactly(ns + "/careful");
    }

    /**
     * An Automatic reservation held back because a policy requires approval of collateral: the
     * approve command its message prints is accepted by the API server as printed (approvedPlan is
     * only valid with approval: Manual, so the command switches that too) and runs the plan.
     */
    @Test
    void thePrintedApproveCommandOfAPolicyHeldReservationIsAcceptedAndRunsThePlan() {
        String ns = cp.createNamespace("collapprove");
        String n = node("z-collapprove", Map.of());
        agent(n);
        var p = new APQNPolicy();
        p.setMetadata(new ObjectMetaBuilder().withName("careful-" + n).build());
        var ps = new APQNPolicySpec();
        ps.setNodeSelector(Map.of("apqn.test/node", n));
        ps.setCollateral(APQNPolicySpec.Collateral.RequireApproval);
        var g = new Grant();
        g.setNamespaces(List.of(ns));
        g.setAdapters(List.of(5, 6));
        ps.setGrants(List.of(g));
        p.setSpec(ps);
        client.resource(p).create();
        try {
            create(explicit(ns, "pulls", n, List.of(6), List.of(1, 2)));
            var waiting = awaitPhase(ns, "pulls", Phase.AwaitingApproval);
            String message = waiting.getStatus().getMessage();
            String patch = message.substring(message.indexOf("-p '") + 4, message.lastIndexOf("'"));
            assertThat(patch).contains("\"approval\":\"Manual\"").contains(waiting.getStatus().getPlan().getHash());
            client.resources(APQNReservation.class).inNamespace(ns).withName("pulls")
                    .patch(io.fabric8.kubernetes.client.dsl.base.PatchContext.of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE), patch);
            assertThat(awaitPhase(ns, "pulls", Phase.Ready).getStatus().getPlan().getApproved()).isTrue();
        } finally {
            client.resource(p).delete();
        }
    }

    @Test
    void policyKeptApqnsAreNeverTakenAndUngrantedNamespacesAreRefused() {
        String ns = cp.createNamespace("policy");
        String n = node("z-policy", Map.of());
        agent(n);
        var p = new APQNPolicy();
        p.setMetadata(new ObjectMetaBuilder().withName("keep-" + n).build());
        var ps = new APQNPolicySpec();
        ps.setNodeSelector(Map.of("apqn.test/node", n));
        var keep = new ApqnSet();
        keep.setApqns(List.of("05.0004"));
        ps.setHostKeep(keep);
        var g = new Grant();
        g.setNamespaces(List.of(ns));
        g.setAdapters(List.of(5));
        ps.setGrants(List.of(g));
        p.setSpec(ps);
        client.resource(p).create();
        create(explicit(ns, "kept", n, List.of(5), List.of(4)));
        awaitPhase(ns, "kept", Phase.Pending);
        await().atMost(WAIT).until(() -> condReason(get(ns, "kept"), Conditions.STALLED).equals("True/KeptForHost"));
        create(explicit(ns, "ungranted", n, List.of(6), List.of(7)));
        await().atMost(WAIT).until(() -> get(ns, "ungranted").getStatus() != null
                && condReason(get(ns, "ungranted"), Conditions.STALLED).equals("True/NotPermitted"));
        assertThat(get(ns, "ungranted").getStatus().getMessage()).contains("namespace " + ns);
        create(explicit(ns, "fine", n, List.of(5), List.of(9)));
        awaitPhase(ns, "fine", Phase.Ready);
        assertThat(mdevOwners(n)).containsExactly(ns + "/fine");
        assertThat(get(ns, "kept").getStatus().getMessage()).contains("05.0004");
        var edits = nodeState(n).getSpec().getHostEdits();
        // the cover of 05.0009 is the domain bit 9, never adapter 5 (that would take the kept 05.0004)
        assertThat(edits.getAdaptersOffHost()).isNull();
        assertThat(edits.getDomainsOffHost()).containsExactly(9);
    }

    @Test
    void anMdevTheOperatorDidNotMakeIsLeftAlone() {
        String ns = cp.createNamespace("foreign");
        String n = node("z-foreign", Map.of());
        FakeAgent a = agent(n);
        String foreignUuid = UUID.randomUUID().toString();
        a.foreignMdev(foreignUuid, Matrix.of(ApMask.of(5), ApMask.of(4)));
        await().atMost(WAIT).until(() -> nodeState(n) != null && nodeState(n).getStatus() != null
                && nodeState(n).getStatus().getMdevs() != null);
        create(explicit(ns, "wants-foreign", n, List.of(5), List.of(4)));
        var r = awaitPhase(ns, "wants-foreign", Phase.Conflict);
        assertThat(condReason(r, Conditions.CONFLICT)).isEqualTo("True/ForeignMdev");
        assertThat(r.getStatus().getMessage()).contains(foreignUuid);
        assertThat(nodeState(n).getSpec().getMdevs() == null ? List.of()
                : nodeState(n).getSpec().getMdevs().stream().map(NodeMdev::getUuid).toList()).doesNotContain(foreignUuid);
    }

    @Test
    void aNonRectangleNeverGetsPastTheApiServer() {
        String ns = cp.createNamespace("rect");
        var r = new APQNReservation();
        r.setMetadata(new ObjectMetaBuilder().withName("l-shape").withNamespace(ns).build());
        var s = new APQNReservationSpec();
        s.setNodeName("somewhere");
        s.setApqns(List.of("05.0004", "06.0006"));
        r.setSpec(s);
        assertThatThrownBy(() -> create(r)).isInstanceOf(KubernetesClientException.class)
                .hasMessageContaining("rectangle");
    }

    @Test
    void finalizerGoesOnlyAfterTheAgentReportsTheRelease() {
        String ns = cp.createNamespace("release");
        String n = node("z-release", Map.of());
        FakeAgent a = agent(n);
        create(explicit(ns, "r", n, List.of(6), List.of(3)));
        awaitPhase(ns, "r", Phase.Ready);
        a.guestInUse(ns + "/r", true);
        delete(ns, "r");
        var releasing = awaitPhase(ns, "r", Phase.Releasing);
        await().atMost(WAIT).until(() -> condReason(get(ns, "r"), Conditions.IN_USE).equals("True/GuestRunning"));
        assertThat(mdevOwners(n)).isEmpty();
        assertThat(releasing.getMetadata().getFinalizers()).contains(ReservationReconciler.FINALIZER);
        a.pause(true);
        a.guestInUse(ns + "/r", false);
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> get(ns, "r") != null);
        a.pause(false);
        awaitGone(ns, "r");
        assertThat(events(ns, "r")).extracting(Event::getReason).contains(Reason.Released.name());
    }

    @Test
    void aDeletedNodeReleasesFinalizersWithAnEvent() {
        String ns = cp.createNamespace("nodegone");
        String n = node("z-gone", Map.of());
        FakeAgent a = agent(n);
        create(explicit(ns, "r", n, List.of(5), List.of(2)));
        awaitPhase(ns, "r", Phase.Ready);
        a.guestInUse(ns + "/r", true);
        delete(ns, "r");
        awaitPhase(ns, "r", Phase.Releasing);
        a.close();
        client.nodes().withName(n).delete();
        awaitGone(ns, "r");
        assertThat(events(ns, "r")).anyMatch(e -> e.getReason().equals(Reason.NodeDeleted.name()) && e.getType().equals("Warning"));
        await().atMost(WAIT).until(() -> nodeState(n) == null);
    }

    @Test
    void forceReleaseAnnotationDropsTheFinalizerWithAWarning() {
        String ns = cp.createNamespace("force");
        String n = node("z-force", Map.of());
        FakeAgent a = agent(n);
        create(explicit(ns, "stuck", n, List.of(6), List.of(8)));
        awaitPhase(ns, "stuck", Phase.Ready);
        a.guestInUse(ns + "/stuck", true);
        delete(ns, "stuck");
        awaitPhase(ns, "stuck", Phase.Releasing);
        edit(ns, "stuck", x -> {
                    x.getMetadata().getAnnotations().put(ReservationReconciler.FORCE_RELEASE, "true");
                    return x;
                });
        awaitGone(ns, "stuck");
        assertThat(events(ns, "stuck")).anyMatch(e -> e.getReason().equals(Reason.ForceReleased.name())
                && e.getType().equals("Warning"));
    }

    @Test
    void aNodeWithoutAgentIsReportedWithinBoundedTime() {
        String ns = cp.createNamespace("noagent");
        String n = node("z-noagent", Map.of());
        create(explicit(ns, "r", n, List.of(5), List.of(1)));
        await().atMost(Duration.ofSeconds(15)).until(() -> get(ns, "r").getStatus() != null
                && condReason(get(ns, "r"), Conditions.STALLED).equals("True/AgentUnavailable"));
        assertThat(get(ns, "r").getStatus().getMessage()).contains(APNodeState.leaseName(n));
        assertThat(nodeState(n)).as("the controller creates the node's APNodeState on demand").isNotNull();
        agent(n);
        awaitPhase(ns, "r", Phase.Ready);
    }

    @Test
    void aFailedAgentWriteKeepsApplyingWithTheErrnoSentenceAndAStalledReason() {
        String ns = cp.createNamespace("failed");
        String n = node("z-failed", Map.of());
        FakeAgent a = agent(n);
        String errno = "write of 0x6 to /sys/devices/vfio_ap/matrix/" + "x" + "/assign_domain failed: EBUSY"
                + " (Device or resource busy): the domain is in use by another mdev";
        a.fail(ns + "/r", Reason.AssignFailed.name(), errno);
        create(explicit(ns, "r", n, List.of(5), List.of(6)));
        await().atMost(WAIT).until(() -> get(ns, "r").getStatus() != null
                && condReason(get(ns, "r"), Conditions.STALLED).equals("True/AssignFailed"));
        var r = get(ns, "r");
        assertThat(r.getStatus().getPhase()).isEqualTo(Phase.Applying);
        assertThat(r.getStatus().getMessage()).contains(errno);
        assertThat(Conditions.find(r.getStatus().getConditions(), Conditions.STALLED).orElseThrow().getMessage())
                .contains("EBUSY");
        await().atMost(WAIT).until(() -> events(ns, "r").stream().anyMatch(e -> e.getReason().equals(Reason.AssignFailed.name())
                && e.getType().equals("Warning") && e.getMessage().contains("EBUSY")));
        a.fail(ns + "/r", null, null);
        awaitPhase(ns, "r", Phase.Ready);
        assertThat(condReason(get(ns, "r"), Conditions.STALLED)).isEqualTo("False/AsExpected");
    }

    @Test
    void eventsAreEmittedOnTransitionsOnly() {
        String ns = cp.createNamespace("events");
        String n = node("z-events", Map.of());
        agent(n);
        create(explicit(ns, "quiet", n, List.of(6), List.of(11)));
        awaitPhase(ns, "quiet", Phase.Ready);
        await().atMost(WAIT).until(() -> events(ns, "quiet").stream().anyMatch(e -> e.getReason().equals(Reason.Ready.name())));
        int before = events(ns, "quiet").size();
        for (int i = 0; i < 5; i++) {
            int k = i;
            edit(ns, "quiet", x -> {
                x.getMetadata().getAnnotations().put("test/poke", "" + k);
                return x;
            });
        }
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                .until(() -> events(ns, "quiet").size() == before);
        assertThat(events(ns, "quiet")).filteredOn(e -> e.getReason().equals(Reason.Ready.name())).hasSize(1);
    }

    @Test
    void aRepeatedTransitionBumpsTheCountOfItsEventInsteadOfAddingOne() {
        String ns = cp.createNamespace("repeat");
        String n = node("z-repeat", Map.of());
        FakeAgent a = agent(n);
        create(explicit(ns, "flaky", n, List.of(6), List.of(12)));
        awaitPhase(ns, "flaky", Phase.Ready);
        for (int round = 0; round < 2; round++) {
            a.fail(ns + "/flaky", Reason.AssignFailed.name(), "assign_domain 0xc: EBUSY (round " + round + ")");
            await().atMost(WAIT).until(() -> condReason(get(ns, "flaky"), Conditions.STALLED).equals("True/AssignFailed"));
            a.fail(ns + "/flaky", null, null);
            awaitPhase(ns, "flaky", Phase.Ready);
        }
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(events(ns, "flaky")).filteredOn(e -> e.getReason().equals(Reason.AssignFailed.name())).singleElement()
                    .satisfies(e -> {
                        assertThat(e.getType()).isEqualTo("Warning");
                        assertThat(e.getCount()).isEqualTo(2);
                        assertThat(e.getSeries().getCount()).isEqualTo(2);
                        assertThat(e.getMessage()).contains("round 1");
                    });
            assertThat(events(ns, "flaky")).filteredOn(e -> e.getReason().equals(Reason.Ready.name())).singleElement()
                    .satisfies(e -> assertThat(e.getCount()).isEqualTo(3));
        });
    }

    @Test
    void eventsOfTheSameReasonOnTheSameObjectAreOneEventWithACountAcrossRestarts() {
        String ns = cp.createNamespace("evcount");
        var cm = client.configMaps().inNamespace(ns).resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
                .withNewMetadata().withName("target").endMetadata().build()).create();
        var recorder = new EventRecorder(controllerClient, EventRecorder.CONTROLLER, "controller-it");
        recorder.emit(cm, true, Reason.DrainTimeout, "first");
        recorder.emit(cm, true, Reason.DrainTimeout, "second");
        // a new instance (restart, new leader) knows no counts: it learns the existing one
        new EventRecorder(controllerClient, EventRecorder.CONTROLLER, "controller-it").emit(cm, true, Reason.DrainTimeout, "third");
        recorder.emit(cm, false, Reason.Released, "other reason");
        List<Event> evs = events(ns, "target");
        assertThat(evs).hasSize(2);
        Event drain = evs.stream().filter(e -> e.getReason().equals(Reason.DrainTimeout.name())).findFirst().orElseThrow();
        assertThat(drain.getCount()).isEqualTo(3);
        assertThat(drain.getSeries().getCount()).isEqualTo(3);
        assertThat(drain.getSeries().getLastObservedTime()).isNotNull();
        assertThat(drain.getMessage()).isEqualTo("third");
        assertThat(drain.getMetadata().getName()).isEqualTo(recorder.eventName(cm, "Warning", Reason.DrainTimeout));
        assertThat(drain.getFirstTimestamp()).isNotNull();
        // an expired (deleted) event is made afresh
        client.v1().events().inNamespace(ns).withName(drain.getMetadata().getName()).delete();
        await().atMost(WAIT).until(() -> events(ns, "target").size() == 1);
        recorder.emit(cm, true, Reason.DrainTimeout, "fourth");
        assertThat(events(ns, "target")).filteredOn(e -> e.getReason().equals(Reason.DrainTimeout.name())).singleElement()
                .satisfies(e -> assertThat(e.getCount()).isEqualTo(1));
    }

    @Test
    void aRestartedControllerWritesNothingWhenEverythingIsReady() {
        String ns = cp.createNamespace("restart");
        String n = node("z-restart", Map.of());
        FakeAgent a = agent(n);
        List<String> names = List.of("r0", "r1", "r2", "r3");
        for (int i = 0; i < names.size(); i++) {
            create(explicit(ns, names.get(i), n, List.of(5 + i % 2), List.of(i)));
        }
        names.forEach(x -> awaitPhase(ns, x, Phase.Ready));
        await().atMost(WAIT).until(() -> names.stream().allMatch(x -> events(ns, x).stream()
                .anyMatch(e -> e.getReason().equals(Reason.Ready.name()))));
        a.pause(true); // the agent keeps its Lease but writes no status: every write below would be the controller's
        await().pollDelay(Duration.ofSeconds(1)).until(() -> true);
        Map<String, String> before = versions(ns, names, n);
        Map<String, Integer> eventsBefore = eventCounts(ns);

        operator.stop();
        var settings = ApqnConfigs.controllerDefaults().withAgentLeaseNamespace(system)
                .withAgentRecheck(Duration.ofSeconds(1)).withLeaderElection(false, system);
        operator = ControllerOperator.create(controllerClient, settings);
        operator.start();
        // a few agent-recheck periods (1 s) and Lease renewals (200 ms) of the fresh controller
        await().pollDelay(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(6)).until(() -> true);

        assertThat(versions(ns, names, n)).as("no status or APNodeState write after the restart").isEqualTo(before);
        assertThat(eventCounts(ns)).as("no new or bumped Event after the restart").isEqualTo(eventsBefore);
        a.pause(false);
    }

    /**
     * The normal path's cost at the API server (issue 10's write floor): a burst of reservations on one
     * node, each created, Ready, deleted and gone, costs each reservation two Events (Ready, Released),
     * at most four operator writes (finalizer on, Ready status, finalizer off, and one transient status
     * if the agent is slow), and not a single 409 on reservations or APNodeStates.
     */
    @Test
    void aBurstLifecycleCostsTwoEventsFourWritesAndNoConflict() {
        String ns = cp.createNamespace("floor");
        String n = node("z-floor", Map.of());
        agent(n);
        await().atMost(WAIT).until(() -> nodeState(n) != null && nodeState(n).getStatus() != null);
        List<String> names = java.util.stream.IntStream.range(0, 8).mapToObj(i -> "b" + i).toList();
        Map<String, Long> before = requestCounts();
        for (int i = 0; i < names.size(); i++) {
            create(explicit(ns, names.get(i), n, List.of(5 + i % 2), List.of(i)));
        }
        names.forEach(x -> awaitPhase(ns, x, Phase.Ready));
        names.forEach(x -> delete(ns, x));
        names.forEach(x -> awaitGone(ns, x));
        Map<String, Long> after = requestCounts();

        for (String x : names) {
            assertThat(events(ns, x)).as("Events of " + x).extracting(e -> e.getType() + "/" + e.getReason())
                    .containsExactlyInAnyOrder("Normal/" + Reason.Ready.name(), "Normal/" + Reason.Released.name());
        }
        assertThat(delta(before, after, "409", "apqnreservations") + delta(before, after, "409", "apnodestates"))
                .as("conflicts").isZero();
        long operatorWrites = delta(before, after, "PATCH", "apqnreservations") + delta(before, after, "APPLY", "apqnreservations")
                + delta(before, after, "PUT", "apqnreservations");
        assertThat(operatorWrites).as("operator writes to the reservations (not the user's create and delete)")
                .isLessThanOrEqualTo(4L * names.size());
    }

    /** {@code apiserver_request_total} summed by "verb resource" and "code resource", from the API server's /metrics. */
    static Map<String, Long> requestCounts() {
        Map<String, Long> out = new java.util.HashMap<>();
        var line = java.util.regex.Pattern.compile("^apiserver_request_total\\{([^}]*)}\\s+(\\S+)");
        var label = java.util.regex.Pattern.compile("(\\w+)=\"([^\"]*)\"");
        for (String l : client.raw("/metrics").split("\n")) {
            var m = line.matcher(l);
            if (!m.find()) {
                continue;
            }
            Map<String, String> labels = new java.util.HashMap<>();
            var lm = label.matcher(m.group(1));
            while (lm.find()) {
                labels.put(lm.group(1), lm.group(2));
            }
            long v = (long) Double.parseDouble(m.group(2));
            String resource = labels.getOrDefault("resource", "");
            out.merge(labels.getOrDefault("verb", "") + " " + resource, v, Long::sum);
            out.merge(labels.getOrDefault("code", "") + " " + resource, v, Long::sum);
        }
        return out;
    }

    static long delta(Map<String, Long> before, Map<String, Long> after, String verbOrCode, String resource) {
        String k = verbOrCode + " " + resource;
        return after.getOrDefault(k, 0L) - before.getOrDefault(k, 0L);
    }

    static Map<String, String> versions(String ns, List<String> names, String node) {
        Map<String, String> out = new java.util.TreeMap<>();
        names.forEach(x -> out.put(x, get(ns, x).getMetadata().getResourceVersion()));
        out.put("apnodestate/" + node, nodeState(node).getMetadata().getResourceVersion());
        return out;
    }

    static Map<String, Integer> eventCounts(String ns) {
        Map<String, Integer> out = new java.util.TreeMap<>();
        client.v1().events().inNamespace(ns).list().getItems()
                .forEach(e -> out.put(e.getMetadata().getName(), e.getCount() == null ? 1 : e.getCount()));
        return out;
    }

    @Test
    void leaderElectionTakesTheLeaseInTheOperatorNamespace() {
        // under the controller's RBAC: its Role lets it create and renew only this Lease
        var settings = ApqnConfigs.controllerDefaults().withAgentLeaseNamespace(system).withLeaderElection(true, system);
        assertThat(ControllerOperator.leaderElection(settings).getLeaseNamespace()).contains(system);
        Operator le = ControllerOperator.create(controllerClient, settings, false);
        assertThat(le.getConfigurationService().getLeaderElectionConfiguration()).isPresent();
        le.start();
        try {
            await().atMost(WAIT).until(() -> client.resources(Lease.class).inNamespace(system)
                    .withName(ControllerSettings.DEFAULT_LEADER_LEASE).get() != null);
            var lease = client.resources(Lease.class).inNamespace(system).withName(ControllerSettings.DEFAULT_LEADER_LEASE).get();
            assertThat(lease.getSpec().getHolderIdentity()).isEqualTo(settings.identity());
            String renewed = lease.getMetadata().getResourceVersion();
            await().atMost(WAIT).until(() -> !renewed.equals(client.resources(Lease.class).inNamespace(system)
                    .withName(ControllerSettings.DEFAULT_LEADER_LEASE).get().getMetadata().getResourceVersion()));
        } finally {
            le.stop();
        }
    }

    @Test
    void theControllerWorksUnderItsRbacAndIsRefusedWhatOthersOwn() {
        // every test of this class runs the controller as its service account; here what it may not do
        String ns = cp.createNamespace("rbac");
        String n = node("z-rbac", Map.of());
        agent(n);
        create(explicit(ns, "r", n, List.of(5), List.of(7)));
        awaitPhase(ns, "r", Phase.Ready);
        java.util.function.Consumer<org.assertj.core.api.ThrowableAssert.ThrowingCallable> forbidden = call ->
                assertThatThrownBy(call).isInstanceOfSatisfying(KubernetesClientException.class,
                        e -> assertThat(e.getCode()).isEqualTo(403));

        // APNodeState.status is the agent's: refused, by SSA as by update
        var status = new APNodeState();
        status.setMetadata(new ObjectMetaBuilder().withName(n).build());
        status.setSpec(null);
        var st = new dev.apqn.api.v1alpha1.APNodeStateStatus();
        st.setObservedGeneration(999L);
        status.setStatus(st);
        forbidden.accept(() -> controllerClient.resource(status).subresource("status").patch(new PatchContext.Builder()
                .withPatchType(PatchType.SERVER_SIDE_APPLY).withFieldManager(ReservationReconciler.FIELD_MANAGER)
                .withForce(true).build()));
        forbidden.accept(() -> controllerClient.resources(APNodeState.class).withName(n).editStatus(x -> {
            x.getStatus().setObservedGeneration(999L);
            return x;
        }));
        // reservations are the users': no create, no delete (spec: see the managedFields below)
        forbidden.accept(() -> controllerClient.resource(explicit(ns, "mine", n, List.of(6), List.of(7))).create());
        forbidden.accept(() -> controllerClient.resources(APQNReservation.class).inNamespace(ns).withName("r").delete());
        // policies are the admin's, Nodes are read only, no secrets, no other Leases renewed
        var p = new APQNPolicy();
        p.setMetadata(new ObjectMetaBuilder().withName("sneaky-" + n).build());
        p.setSpec(new APQNPolicySpec());
        forbidden.accept(() -> controllerClient.resource(p).create());
        forbidden.accept(() -> controllerClient.nodes().withName(n).edit(x -> {
            x.getMetadata().getLabels().put("apqn.test/touched", "yes");
            return x;
        }));
        forbidden.accept(() -> controllerClient.secrets().inNamespace(system).list());
        forbidden.accept(() -> controllerClient.resources(Lease.class).inNamespace(system).withName(APNodeState.leaseName(n))
                .edit(l -> {
                    l.getSpec().setHolderIdentity("controller");
                    return l;
                }));

        // it never sends a reservation's spec: its entries are the finalizer (main resource) and the status
        var managed = get(ns, "r").getMetadata().getManagedFields().stream()
                .filter(f -> ReservationReconciler.FIELD_MANAGER.equals(f.getManager())).toList();
        assertThat(managed).isNotEmpty();
        assertThat(managed).allSatisfy(f -> assertThat(fields(f)).doesNotContain("\"f:spec\""));
        assertThat(managed).anySatisfy(f -> {
            assertThat(f.getSubresource()).isEqualTo("status");
            assertThat(fields(f)).contains("\"f:status\"");
        });
        assertThat(managed).filteredOn(f -> f.getSubresource() == null || f.getSubresource().isEmpty())
                .allSatisfy(f -> assertThat(fields(f)).contains("\"f:finalizers\"").doesNotContain("\"f:status\""));
        // and it owns APNodeState.spec, the fake agent its status
        var nodeManaged = nodeState(n).getMetadata().getManagedFields();
        assertThat(nodeManaged).filteredOn(f -> ReservationReconciler.FIELD_MANAGER.equals(f.getManager()))
                .allSatisfy(f -> assertThat(fields(f)).doesNotContain("\"f:status\""))
                .anySatisfy(f -> assertThat(fields(f)).contains("\"f:spec\""));
    }

    static String fields(io.fabric8.kubernetes.api.model.ManagedFieldsEntry f) {
        return f.getFieldsV1() == null ? "" : io.fabric8.kubernetes.client.utils.Serialization.asJson(f.getFieldsV1());
    }
}
