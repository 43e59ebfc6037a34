package dev.apqn.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.apqn.ap.ApMask;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.Matrix;
import dev.apqn.api.v1alpha1.APNodeState;
import dev.apqn.api.v1alpha1.APQNReservation;
import dev.apqn.api.v1alpha1.APQNReservationStatus;
import dev.apqn.api.v1alpha1.Approval;
import dev.apqn.api.v1alpha1.Consumer;
import dev.apqn.api.v1alpha1.HostTargetMapper;
import dev.apqn.api.v1alpha1.Phase;
import dev.apqn.plan.HostTarget;
import dev.apqn.plan.MdevTarget;
import dev.apqn.plan.OffHostClaim;
import dev.apqn.plan.OwnershipMode;
import dev.apqn.status.Conditions;
import dev.apqn.status.Reason;
import dev.apqn.testing.LocalControlPlane;
import dev.apqn.testing.WithKubeApiServer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The generated CRDs on a real API server: what it accepts, what it rejects and with which message. */
@WithKubeApiServer(crds = "crds")
class ApiValidationIT {

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final String EXPLICIT = """
            nodeName: demo-z16
            adapters: [5]
            domains: [4, 6]
            controlDomains: [4]
            """;
    static String ns;

    @BeforeAll
    static void namespace(LocalControlPlane cp) {
        ns = cp.createNamespace("api");
    }

    @Test
    void theIssuesExplicitSampleIsAcceptedWithDefaults(KubernetesClient client) {
        var created = client.resources(APQNReservation.class).inNamespace(ns)
                .resource(typed("payroll-crypto", EXPLICIT)).create();
        assertThat(created.getSpec().getAdapters()).containsExactly(5);
        assertThat(created.getSpec().getDomains()).containsExactly(4, 6);
        assertThat(created.getSpec().getControlDomains()).containsExactly(4);
        assertThat(created.getSpec().getApproval()).isEqualTo(Approval.Automatic);
        assertThat(created.getSpec().getReleasePolicy()).hasToString("ReturnToHost");
    }

    static Stream<Arguments> invalidSpecs() {
        return Stream.of(
                Arguments.of("adapter 256", "nodeName: n\nadapters: [256]\ndomains: [4]",
                        List.of("spec.adapters[0]", "less than or equal to 255")),
                Arguments.of("node name in capitals", "nodeName: Demo-Z16\nadapters: [5]\ndomains: [4]",
                        List.of("spec.nodeName must be a Node name: a lowercase DNS subdomain", "got Demo-Z16")),
                Arguments.of("node name with an underscore", "nodeName: z16_a\nadapters: [5]\ndomains: [4]",
                        List.of("spec.nodeName must be a Node name")),
                Arguments.of("duplicate domain", "nodeName: n\nadapters: [5]\ndomains: [4, 4]",
                        List.of("spec.domains[1]", "Duplicate value")),
                Arguments.of("empty domains", "nodeName: n\nadapters: [5]\ndomains: []",
                        List.of("spec.domains", "at least 1 items")),
                Arguments.of("apqn not canonical", "nodeName: n\napqns: ['5.4']",
                        List.of("spec.apqns: each entry is <adapter>.<domain> in lower-case hex %02x.%04x")),
                Arguments.of("apqn domain above 0xff", "nodeName: n\napqns: ['05.0100']",
                        List.of("spec.apqns: each entry is")),
                Arguments.of("apqns not a rectangle", "nodeName: n\napqns: ['05.0004', '06.0006']",
                        List.of("spec.apqns must form a rectangle", "got 05.0004, 06.0006")),
                Arguments.of("mixing adapters with apqns", "nodeName: n\nadapters: [5]\ndomains: [4]\napqns: ['05.0004']",
                        List.of("spec must use exactly one form")),
                Arguments.of("no form at all", "nodeName: n",
                        List.of("spec must use exactly one form")),
                Arguments.of("adapters without domains", "nodeName: n\nadapters: [5]",
                        List.of("spec.adapters and spec.domains go together")),
                Arguments.of("nodeName with nodeSelector", "nodeName: n\nnodeSelector: {a: b}\nselect: {adapters: 1, domains: 1}",
                        List.of("spec.nodeName and spec.nodeSelector exclude each other")),
                Arguments.of("nodeSelector with the explicit form", "nodeSelector: {a: b}\nadapters: [5]\ndomains: [4]",
                        List.of("spec.nodeSelector is only used with spec.select", "spec.nodeName is required")),
                Arguments.of("control domains without domains", "select: {adapters: 1, domains: 1}\ncontrolDomains: [4]",
                        List.of("spec.controlDomains needs usage domains")),
                Arguments.of("approvedPlan with Automatic", EXPLICIT + "approvedPlan: 0123456789abcdef",
                        List.of("spec.approvedPlan is only used with spec.approval: Manual")),
                Arguments.of("mdev UUID not lower-case", EXPLICIT + "mdevUuid: 3A1C9B2E-7F40-4D8A-9E21-5B6C7D8E9F01",
                        List.of("spec.mdevUuid", "should match")),
                Arguments.of("claim namespace not a DNS label", EXPLICIT + "claimNamespaces: [payroll, Payroll_VMs]",
                        List.of("spec.claimNamespaces: each entry is a namespace name")),
                Arguments.of("claim namespace twice", EXPLICIT + "claimNamespaces: [payroll-vms, payroll-vms]",
                        List.of("spec.claimNamespaces[1]", "Duplicate value")),
                Arguments.of("selection count 0", "select: {adapters: 0, domains: 1}",
                        List.of("spec.select.adapters", "greater than or equal to 1")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidSpecs")
    void invalidSpecIsRejectedNamingTheField(String name, String spec, List<String> expected, KubernetesClient client) {
        String object = "bad-" + name.replaceAll("[^a-z0-9]+", "-");
        assertThatThrownBy(() -> generic(client).resource(generic(object, spec)).create())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(422);
                    assertThat(e.getStatus().getMessage()).contains(expected);
                });
        assertThat(generic(client).withName(object).get()).isNull();
    }

    @Test
    void nodeNameIsImmutable(KubernetesClient client) {
        generic(client).resource(generic("move-me", EXPLICIT)).create();
        assertRejected(() -> generic(client).withName("move-me").edit(r -> spec(r, "nodeName", "other-node")),
                "spec.nodeName is immutable");
        // other fields stay editable
        var edited = generic(client).withName("move-me").edit(r -> spec(r, "domains", List.of(4, 6, 7)));
        assertThat(((Map<?, ?>) edited.getAdditionalProperties().get("spec")).get("domains")).isEqualTo(List.of(4, 6, 7));
    }

    @Test
    void mdevUuidIsImmutableOnceSetAndCannotBeAddedLater(KubernetesClient client) {
        generic(client).resource(generic("fixed-uuid", EXPLICIT + "mdevUuid: 3a1c9b2e-7f40-4d8a-9e21-5b6c7d8e9f01")).create();
        assertRejected(() -> generic(client).withName("fixed-uuid")
                .edit(r -> spec(r, "mdevUuid", "3a1c9b2e-7f40-4d8a-9e21-5b6c7d8e9f02")), "spec.mdevUuid is immutable");
        assertRejected(() -> generic(client).withName("fixed-uuid").edit(r -> spec(r, "mdevUuid", null)),
                "spec.mdevUuid is immutable");
        generic(client).resource(generic("derived-uuid", EXPLICIT)).create();
        assertRejected(() -> generic(client).withName("derived-uuid")
                .edit(r -> spec(r, "mdevUuid", "3a1c9b2e-7f40-4d8a-9e21-5b6c7d8e9f03")), "spec.mdevUuid is immutable");
    }

    @Test
    void manualApprovalTakesAnApprovedPlan(KubernetesClient client) {
        generic(client).resource(generic("manual", EXPLICIT + "approval: Manual")).create();
        var edited = generic(client).withName("manual").edit(r -> spec(r, "approvedPlan", "0123456789abcdef"));
        assertThat(((Map<?, ?>) edited.getAdditionalProperties().get("spec")).get("approvedPlan")).isEqualTo("0123456789abcdef");
    }

    @Test
    void statusSubresourceWritesStatusOnlyAndConditionsAreAListMap(KubernetesClient client) {
        var r = client.resources(APQNReservation.class).inNamespace(ns).resource(typed("with-status", EXPLICIT)).create();
        var status = new APQNReservationStatus();
        status.setObservedGeneration(r.getMetadata().getGeneration());
        status.setPhase(Phase.AwaitingApproval);
        status.setNode("demo-z16");
        status.setApqnSummary("05.0004,05.0006");
        status.setConditions(Conditions.set(null, Conditions.RECONCILING, true, Reason.AwaitingApproval,
                "plan 0123456789abcdef waits for approval", 1L, "2026-01-01T00:00:00Z"));
        r.setStatus(status);
        r.getSpec().setAdapters(List.of(7)); // must be ignored by the status endpoint
        var updated = client.resources(APQNReservation.class).inNamespace(ns).resource(r).updateStatus();
        assertThat(updated.getStatus().getPhase()).isEqualTo(Phase.AwaitingApproval);
        assertThat(updated.getSpec().getAdapters()).containsExactly(5);
        assertThat(updated.getMetadata().getGeneration()).isEqualTo(1L);

        // a second condition of the same type is refused: conditions are a map keyed by type
        var twice = client.resources(APQNReservation.class).inNamespace(ns).withName("with-status").get();
        var dup = new java.util.ArrayList<>(twice.getStatus().getConditions());
        dup.add(dup.get(0));
        twice.getStatus().setConditions(dup);
        assertRejected(() -> client.resources(APQNReservation.class).inNamespace(ns).resource(twice).updateStatus(),
                "status.conditions[1]", "Duplicate value");
    }

    @Test
    void nodeStateCarriesAHostTargetFaithfully(KubernetesClient client) {
        var target = new HostTarget(OwnershipMode.MASKS, ApMask.of(5), ApMask.of(4, 6),
                new TreeSet<>(),
                new TreeMap<>(Map.of(UUID.fromString("3a1c9b2e-7f40-4d8a-9e21-5b6c7d8e9f01"),
                        new MdevTarget(UUID.fromString("3a1c9b2e-7f40-4d8a-9e21-5b6c7d8e9f01"), "payroll/payroll-crypto",
                                new Matrix(ApMask.of(5), ApMask.of(4, 6), ApMask.of(4))))),
                List.of(new OffHostClaim(OffHostClaim.Kind.RESERVED, "payroll/payroll-crypto",
                                new TreeSet<>(List.of(Apqn.parse("05.0004"), Apqn.parse("05.0006")))),
                        new OffHostClaim(OffHostClaim.Kind.COLLATERAL, "payroll/payroll-crypto",
                                new TreeSet<>(List.of(Apqn.parse("05.0005"))))),
                42);
        var node = new APNodeState();
        node.setMetadata(new ObjectMetaBuilder().withName("demo-z16-" + ns).build());
        node.setSpec(HostTargetMapper.toSpec(target));
        client.resources(APNodeState.class).resource(node).create();
        var back = client.resources(APNodeState.class).withName("demo-z16-" + ns).get();
        assertThat(HostTargetMapper.fromSpec(back.getSpec())).contains(target);
    }

    @Test
    void kubectlShowsTheFirstConsumersClaim(KubernetesClient client, LocalControlPlane cp, @TempDir Path dir) throws Exception {
        var r = client.resources(APQNReservation.class).inNamespace(ns)
                .resource(typed("shared-hsm", EXPLICIT + "claimNamespaces: [payroll-vms]")).create();
        assertThat(r.getSpec().getClaimNamespaces()).containsExactly("payroll-vms");
        var status = new APQNReservationStatus();
        status.setPhase(Phase.Ready);
        var consumer = new Consumer();
        consumer.setClaim("payroll-vms/ledger-crypto");
        consumer.setClaimUID("8d3c9a1e-0000-4000-8000-000000000001");
        consumer.setPod("payroll-vms/virt-launcher-ledger-x7k2p");
        consumer.setSince("2026-12-05T04:00:00Z");
        r.setStatus(status);
        r.getStatus().setConsumers(List.of(consumer));
        client.resources(APQNReservation.class).inNamespace(ns).resource(r).updateStatus();

        var kubectl = new ProcessBuilder(cp.kubectl().toString(), "get", "apqnr", "shared-hsm", "-n", ns)
                .redirectErrorStream(true);
        kubectl.environment().put("KUBECONFIG", cp.writeKubeconfig(dir.resolve("kubeconfig")).toString());
        Process p = kubectl.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        assertThat(out.lines().toList()).hasSize(2);
        assertThat(out.lines().findFirst().orElseThrow()).contains("CONSUMER");
        assertThat(out).contains("payroll-vms/ledger-crypto");
    }

    @Test
    void crdsCarryRadixDescriptionsPrinterColumnsAndNames(KubernetesClient client) {
        var crds = client.apiextensions().v1().customResourceDefinitions();
        CustomResourceDefinition apqnr = crds.withName("apqnreservations.apqn.dev").get();
        JSONSchemaProps spec = schema(apqnr).getProperties().get("spec");
        assertThat(spec.getProperties().get("adapters").getDescription())
                .contains("decimal integer 0-255").contains("2 hex digits");
        assertThat(spec.getProperties().get("domains").getDescription())
                .contains("decimal integer 0-255").contains("4 hex digits");
        assertThat(spec.getProperties().get("apqns").getDescription()).contains("lower-case hex '%02x.%04x'");
        assertThat(spec.getProperties().get("select").getProperties().get("adapters").getDescription())
                .contains("decimal integer");
        assertThat(columns(apqnr)).containsExactly("Node", "Phase", "APQNs", "Mdev", "Consumer", "Age");
        assertThat(apqnr.getSpec().getNames().getShortNames()).containsExactly("apqnr");
        assertThat(apqnr.getSpec().getNames().getCategories()).containsExactly("apqn");
        assertThat(apqnr.getSpec().getScope()).isEqualTo("Namespaced");
        JSONSchemaProps conditions = schema(apqnr).getProperties().get("status").getProperties().get("conditions");
        assertThat(conditions.getXKubernetesListType()).isEqualTo("map");
        assertThat(conditions.getXKubernetesListMapKeys()).containsExactly("type");

        CustomResourceDefinition apns = crds.withName("apnodestates.apqn.dev").get();
        assertThat(columns(apns)).containsExactly("Mode", "Free", "Reserved", "Lease", "Age");
        assertThat(apns.getSpec().getNames().getShortNames()).containsExactly("apns");
        assertThat(apns.getSpec().getScope()).isEqualTo("Cluster");
        assertThat(schema(apns).getProperties().get("status").getProperties().get("cards").getItems().getSchema()
                .getProperties().get("queues").getItems().getSchema().getProperties().get("domains").getDescription())
                .contains("decimal range");

        CustomResourceDefinition policy = crds.withName("apqnpolicies.apqn.dev").get();
        assertThat(policy.getSpec().getScope()).isEqualTo("Cluster");
        assertThat(policy.getSpec().getNames().getCategories()).containsExactly("apqn");
    }

    // --- helpers

    static JSONSchemaProps schema(CustomResourceDefinition crd) {
        return crd.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema();
    }

    static List<String> columns(CustomResourceDefinition crd) {
        return crd.getSpec().getVersions().get(0).getAdditionalPrinterColumns().stream()
                .map(CustomResourceColumnDefinition::getName).toList();
    }

    static void assertRejected(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String... expected) {
        assertThatThrownBy(call).isInstanceOfSatisfying(KubernetesClientException.class, e -> {
            assertThat(e.getCode()).isEqualTo(422);
            assertThat(e.getStatus().getMessage()).contains(expected);
        });
    }

    static io.fabric8.kubernetes.client.dsl.MixedOperation<GenericKubernetesResource,
            io.fabric8.kubernetes.api.model.GenericKubernetesResourceList,
            io.fabric8.kubernetes.client.dsl.Resource<GenericKubernetesResource>> genericAll(KubernetesClient client) {
        return client.genericKubernetesResources("apqn.dev/v1alpha1", "APQNReservation");
    }

    static io.fabric8.kubernetes.client.dsl.NonNamespaceOperation<GenericKubernetesResource,
            io.fabric8.kubernetes.api.model.GenericKubernetesResourceList,
            io.fabric8.kubernetes.client.dsl.Resource<GenericKubernetesResource>> generic(KubernetesClient client) {
        return genericAll(client).inNamespace(ns);
    }

    static GenericKubernetesResource generic(String name, String specYaml) {
        return new GenericKubernetesResourceBuilder().withApiVersion("apqn.dev/v1alpha1").withKind("APQNReservation")
                .withMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build())
                .withAdditionalProperties(Map.of("spec", parse(specYaml))).build();
    }

    static APQNReservation typed(String name, String specYaml) {
        try {
            var r = new APQNReservation();
            r.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
            r.setSpec(YAML.readValue(specYaml, dev.apqn.api.v1alpha1.APQNReservationSpec.class));
            return r;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> parse(String yaml) {
        try {
            return YAML.readValue(yaml, Map.class);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    static GenericKubernetesResource spec(GenericKubernetesResource r, String field, Object value) {
        var spec = (Map<String, Object>) r.getAdditionalProperties().get("spec");
        if (value == null) {
            spec.remove(field);
        } else {
            spec.put(field, value);
        }
        return r;
    }
}
