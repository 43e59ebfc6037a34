package dev.apqn.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.apqn.api.v1alpha1.APNodeState;
import dev.apqn.api.v1alpha1.APNodeStateSpec;
import dev.apqn.api.v1alpha1.APQNReservation;
import dev.apqn.testing.Helm;
import dev.apqn.testing.LocalControlPlane;
import dev.apqn.testing.WithKubeApiServer;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceSlice;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceSliceBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each role's permissions as the chart installs them (RBAC + admission policies), exercised with
 * real service-account tokens bound to Pods on Nodes (the TokenRequest the kubelet makes for a
 * projected token; the API server puts the node into the token, and so into
 * {@code request.userInfo.extra["authentication.kubernetes.io/node-name"]}). Every allow and every
 * deny a user relies on is a request that succeeds or fails here.
 */
@WithKubeApiServer(crds = "crds")
class LeastPrivilegeIT {

  static final Duration POLICY_PROPAGATION = Duration.ofSeconds(60);

  static String ns;
  static String nodeA;
  static String nodeB;
  static KubernetesClient admin;
  static KubernetesClient agentOnA;
  static KubernetesClient controller;
  static Path kubeconfigFile;

  @BeforeAll
  static void install(LocalControlPlane cp, @TempDir Path dir) {
    admin = cp.adminClient();
    ns = cp.createNamespace("least-priv");
    kubeconfigFile = cp.writeKubeconfig(dir.resolve("kubeconfig"));
    var install = Helm.run(kubeconfigFile,
        List.of("install", ns, Helm.chart().toString(), "--namespace", ns, "--skip-crds"));
    assertThat(install.exitCode()).as(install.stderr()).isZero();

    String id = UUID.randomUUID().toString().substring(0, 6);
    nodeA = "lp-a-" + id;
    nodeB = "lp-b-" + id;
    for (String node : List.of(nodeA, nodeB)) {
      admin.nodes().resource(new NodeBuilder().withNewMetadata().withName(node)
          .addToLabels("kubernetes.io/arch", "s390x").endMetadata().build()).create();
      var state = new APNodeState();
      state.setMetadata(new ObjectMetaBuilder().withName(node).build());
      state.setSpec(new APNodeStateSpec());
      admin.resource(state).create();
    }
    agentOnA = cp.clientWithToken(boundToken("apqn-agent", podOn(nodeA, "apqn-agent")));
    controller = cp.clientWithToken(boundToken("apqn-controller", podOn(nodeB, "apqn-controller")));
    // the admission policies are read through an informer: wait until the agent's one bites
    await().atMost(POLICY_PROPAGATION).ignoreExceptions().until(() -> {
      try {
        patchStatus(agentOnA, nodeB);
        return false;
      } catch (KubernetesClientException e) {
        return e.getCode() == 403 && e.getMessage().contains("may write only APNodeState");
      }
    });
  }

  /**
   * The chart's cluster-scoped DeviceClass apqn.dev has one fixed name: another release (ChartIT's) can
   * only be installed on this API server once this one is gone.
   */
  @AfterAll
  static void uninstall() {
    if (admin != null) {
      Helm.run(kubeconfigFile, List.of("uninstall", ns, "--namespace", ns, "--no-hooks", "--wait"));
    }
  }

  // ------------------------------------------------------------------ agent

  @Test
  void agentWritesOnlyItsOwnNodesResourceSlicesOfItsDriver() {
    var own = agentOnA.resource(slice(nodeA + "-apqn.dev", nodeA, "apqn.dev")).fieldManager("apqn-agent").serverSideApply();
    assertThat(own.getSpec().getNodeName()).isEqualTo(nodeA);
    agentOnA.resource(slice(nodeA + "-apqn.dev", nodeA, "apqn.dev")).fieldManager("apqn-agent").serverSideApply();

    assertDenied(() -> agentOnA.resource(slice(nodeB + "-apqn.dev", nodeB, "apqn.dev")).create(),
        "the apqn agent on node " + nodeA + " may write only ResourceSlices of the driver apqn.dev for node " + nodeA
            + ", not " + nodeB + "-apqn.dev (driver apqn.dev, node " + nodeB + ")");
    assertDenied(() -> agentOnA.resource(slice(nodeA + "-gpu", nodeA, "gpu.example.com")).create(),
        "may write only ResourceSlices of the driver apqn.dev for node " + nodeA);
    // nor delete the slice another node's agent published (moving one is refused by the API: nodeName is immutable)
    var other = admin.resource(slice(nodeB + "-apqn.dev", nodeB, "apqn.dev")).create();
    assertDenied(() -> agentOnA.resource(other).delete(), "not " + nodeB + "-apqn.dev");

    agentOnA.resource(own).delete();
    admin.resource(other).delete();
  }


  @Test
  void agentWritesItsOwnNodeStateStatusOnly() {
    patchStatus(agentOnA, nodeA);
    assertDenied(() -> patchStatus(agentOnA, nodeB),
        "the apqn agent on node " + nodeA + " may write only APNodeState " + nodeA + ", not " + nodeB);
    // spec is the controller's: RBAC grants the agent no write of the main resource at all
    assertDenied(() -> agentOnA.resources(APNodeState.class).withName(nodeA)
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"allocations\":[]}}"),
        "cannot patch resource \"apnodestates\"");
  }

  @Test
  void agentWritesItsOwnLeaseOnly() {
    var own = agentOnA.resources(Lease.class).inNamespace(ns).resource(lease("apqn-agent-" + nodeA)).create();
    own.getSpec().setRenewTime(own.getSpec().getAcquireTime());
    agentOnA.resources(Lease.class).inNamespace(ns).resource(own).update();

    assertDenied(() -> agentOnA.resources(Lease.class).inNamespace(ns).resource(lease("apqn-agent-" + nodeB)).create(),
        "may write only its own Lease apqn-agent-" + nodeA + ", not apqn-agent-" + nodeB);
    // the controller's leader-election Lease: RBAC lets the agent update Leases of the namespace, the policy does not
    Lease leader = admin.resources(Lease.class).inNamespace(ns).resource(lease("apqn-controller-leader")).create();
    leader.getSpec().setHolderIdentity("an-agent");
    assertDenied(() -> agentOnA.resources(Lease.class).inNamespace(ns).resource(leader).update(),
        "not apqn-controller-leader");
  }

  @Test
  void agentRecordsEventsAboutItsOwnNodeStateOnly() {
    agentOnA.v1().events().inNamespace("default").resource(event(nodeA)).create();
    assertDenied(() -> agentOnA.v1().events().inNamespace("default").resource(event(nodeB)).create(),
        "may record Events only about APNodeState " + nodeA);
  }

  @Test
  void agentReadsNoSecretsNoReservationsAndWritesNoNodes() {
    assertDenied(() -> agentOnA.secrets().inNamespace(ns).list(), "cannot list resource \"secrets\"");
    assertDenied(() -> agentOnA.secrets().inNamespace("default").list(), "cannot list resource \"secrets\"");
    assertDenied(() -> agentOnA.resources(APQNReservation.class).inAnyNamespace().list(),
        "cannot list resource \"apqnreservations\"");
    assertDenied(() -> agentOnA.nodes().withName(nodeA).patch(PatchContext.of(PatchType.JSON_MERGE),
        "{\"metadata\":{\"labels\":{\"x\":\"y\"}}}"), "resource \"nodes\"");
  }

  @Test
  void agentTokenNotBoundToAPodOnANodeWritesNothing(LocalControlPlane cp) {
    var unbound = cp.clientWithToken(cp.serviceAccountToken(ns, "apqn-agent"));
    assertDenied(() -> patchStatus(unbound, nodeA), "must authenticate with a service-account token bound to its Pod on a Node");
  }

  // ------------------------------------------------------------------ controller

  @Test
  void controllerPatchesFinalizersButNeverTheSpec() {
    var r = admin.resources(APQNReservation.class).inNamespace(ns).load(new ByteArrayInputStream((
        "apiVersion: apqn.dev/v1alpha1\nkind: APQNReservation\nmetadata: {name: lp, namespace: " + ns + "}\n"
            + "spec: {nodeName: " + nodeA + ", adapters: [5], domains: [4]}\n").getBytes(StandardCharsets.UTF_8))).create();
    var reservations = controller.resources(APQNReservation.class).inNamespace(ns).withName(r.getMetadata().getName());
    reservations.patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"finalizers\":[\"apqn.dev/release\"]}}");
    assertThat(admin.resource(r).get().getMetadata().getFinalizers()).containsExactly("apqn.dev/release");

    assertDenied(() -> reservations.patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"domains\":[4,6]}}"),
        "the apqn controller never writes APQNReservation.spec");
    assertThat(admin.resource(r).get().getSpec().getDomains()).containsExactly(4);
    admin.resources(APQNReservation.class).inNamespace(ns).withName("lp")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"finalizers\":null}}");
  }

  @Test
  void controllerNeverWritesNodeStateStatusSecretsOrAgentLeases() {
    assertDenied(() -> patchStatus(controller, nodeA), "cannot patch resource \"apnodestates/status\"");
    assertDenied(() -> controller.secrets().inNamespace(ns).list(), "cannot list resource \"secrets\"");
    admin.resources(Lease.class).inNamespace(ns).resource(lease("apqn-agent-victim")).create();
    assertDenied(() -> controller.resources(Lease.class).inNamespace(ns).withName("apqn-agent-victim")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"holderIdentity\":\"controller\"}}"),
        "cannot patch resource \"leases\"");
    // its own leader-election Lease: allowed by name
    admin.resources(Lease.class).inNamespace(ns).resource(lease("apqn-controller-leader")).createOr(x -> x.update());
    controller.resources(Lease.class).inNamespace(ns).withName("apqn-controller-leader")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"holderIdentity\":\"controller-0\"}}");
  }

  // ------------------------------------------------------------------ both

  /**
   * Lease requests of both roles are classified into the chart's FlowSchema and the leader-election priority
   * level (API Priority and Fairness answers every request with the UIDs it chose), while their other requests
   * stay with ordinary workloads: a busy API server must not let agent Leases expire behind our own writes.
   */
  @Test
  void leaseRequestsOfBothRolesGoToTheLeaderElectionPriorityLevel() throws Exception {
    var schema = admin.resources(io.fabric8.kubernetes.api.model.flowcontrol.v1.FlowSchema.class)
        .withName(ns + "-apqn-operator-leases").get();
    assertThat(schema).as("the chart's FlowSchema").isNotNull();
    String schemaUid = schema.getMetadata().getUid();
    String levelUid = admin.resources(io.fabric8.kubernetes.api.model.flowcontrol.v1.PriorityLevelConfiguration.class)
        .withName("leader-election").get().getMetadata().getUid();
    admin.resources(Lease.class).inNamespace(ns).resource(lease("apqn-agent-" + nodeA)).createOr(x -> x.update());
    admin.resources(Lease.class).inNamespace(ns).resource(lease("apqn-controller-leader")).createOr(x -> x.update());
    String leases = "apis/coordination.k8s.io/v1/namespaces/" + ns + "/leases/";
    assertThat(apfHeaders(agentOnA, leases + "apqn-agent-" + nodeA)).as("the agent's Lease")
        .containsEntry("schema", schemaUid).containsEntry("level", levelUid);
    assertThat(apfHeaders(controller, leases + "apqn-controller-leader")).as("the controller's leader Lease")
        .containsEntry("schema", schemaUid).containsEntry("level", levelUid);
    // anything else of theirs is not ours to promote
    var other = apfHeaders(agentOnA, "apis/apqn.dev/v1alpha1/apnodestates/" + nodeA);
    assertThat(other.get("schema")).isNotEqualTo(schemaUid);
    assertThat(other.get("level")).isNotEqualTo(levelUid);
  }

  /** The FlowSchema and priority level UIDs API Priority and Fairness put on the answer to a GET of {@code path}. */
  static java.util.Map<String, String> apfHeaders(KubernetesClient client, String path) throws Exception {
    var http = client.getHttpClient();
    var request = http.newHttpRequestBuilder().uri(client.getMasterUrl().toString() + path).build();
    var response = http.sendAsync(request, String.class).get(30, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(response.code()).as(path + ": " + response.body()).isEqualTo(200);
    return java.util.Map.of("schema", String.valueOf(response.header("X-Kubernetes-PF-FlowSchema-UID")),
        "level", String.valueOf(response.header("X-Kubernetes-PF-PriorityLevel-UID")));
  }

  @Test
  void noRoleHasWildcards() {
    List<HasMetadata> rendered = admin.load(new ByteArrayInputStream(
        Helm.template(ns, ns).getBytes(StandardCharsets.UTF_8))).items();
    List<PolicyRule> rules = rendered.stream().flatMap(o -> o instanceof ClusterRole c ? c.getRules().stream()
        : o instanceof Role r ? r.getRules().stream() : Stream.empty()).toList();
    assertThat(rules).isNotEmpty();
    for (PolicyRule rule : rules) {
      assertThat(Stream.of(rule.getApiGroups(), rule.getResources(), rule.getVerbs()).flatMap(List::stream))
          .as(rule.toString()).doesNotContain("*");
      assertThat(rule.getResources()).as(rule.toString()).doesNotContain("secrets", "configmaps", "pods");
    }
  }

  // ------------------------------------------------------------------ helpers

  /** A Pod object scheduled to {@code node} (no kubelet runs it: the token only needs the object). */
  static Pod podOn(String node, String serviceAccount) {
    return admin.pods().inNamespace(ns).resource(new PodBuilder()
        .withNewMetadata().withName(serviceAccount + "-" + node).endMetadata()
        .withNewSpec().withNodeName(node).withServiceAccountName(serviceAccount)
        .addNewContainer().withName("c").withImage("ghcr.io/apqn-dev/apqn-operator:never-pulled").endContainer()
        .endSpec().build()).create();
  }

  static String boundToken(String serviceAccount, Pod pod) {
    var request = new TokenRequestBuilder().withNewSpec().withExpirationSeconds(3600L)
        .withNewBoundObjectRef().withApiVersion("v1").withKind("Pod").withName(pod.getMetadata().getName())
        .withUid(pod.getMetadata().getUid()).endBoundObjectRef().endSpec().build();
    return admin.serviceAccounts().inNamespace(ns).withName(serviceAccount).tokenRequest(request).getStatus().getToken();
  }

  static void patchStatus(KubernetesClient client, String node) {
    client.resources(APNodeState.class).withName(node).subresource("status")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"status\":{\"observedGeneration\":1}}");
  }

  /** A ResourceSlice of {@code driver} with one device for {@code node}, named {@code name}. */
  static ResourceSlice slice(String name, String node, String driver) {
    return new ResourceSliceBuilder().withNewMetadata().withName(name).endMetadata()
        .withNewSpec().withDriver(driver).withNodeName(node).withNewPool().withName(node).withGeneration(1L)
        .withResourceSliceCount(1L).endPool().addNewDevice().withName("0a1b2c3d-0000-4000-8000-000000000001").endDevice()
        .endSpec().build();
  }

  static Lease lease(String name) {
    return new LeaseBuilder().withNewMetadata().withName(name).withNamespace(ns).endMetadata()
        .withNewSpec().withHolderIdentity("x").withLeaseDurationSeconds(40)
        .withAcquireTime(java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC).withNano(0)).endSpec().build();
  }

  static io.fabric8.kubernetes.api.model.Event event(String node) {
    return new EventBuilder().withNewMetadata().withName("apqn-" + node + "-" + UUID.randomUUID().toString().substring(0, 6))
        .withNamespace("default").endMetadata()
        .withNewInvolvedObject().withApiVersion("apqn.dev/v1alpha1").withKind("APNodeState").withName(node).endInvolvedObject()
        .withType("Normal").withReason("Ready").withMessage("test").withNewSource().withComponent("apqn-agent").endSource()
        .build();
  }

  static void assertDenied(ThrowingCallable call, String message) {
    assertThatThrownBy(call).isInstanceOfSatisfying(KubernetesClientException.class, e -> {
      assertThat(e.getCode()).as(e.getMessage()).isEqualTo(403);
      assertThat(e.getMessage()).contains(message);
    });
  }
}
