package dev.apqn.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apqn.agent.DrainPolicy;
import dev.apqn.agent.kube.AgentFleet;
import dev.apqn.agent.kube.AgentSettings;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.Errno;
import dev.apqn.apbus.sim.SimKernel;
import dev.apqn.apbus.sim.ZcryptRequest;
import dev.apqn.apbus.sim.ZcryptTarget;
import dev.apqn.api.v1alpha1.APNodeState;
import dev.apqn.api.v1alpha1.APQNReservation;
import dev.apqn.api.v1alpha1.APQNReservationSpec;
import dev.apqn.api.v1alpha1.Phase;
import dev.apqn.app.ApqnConfigs;
import dev.apqn.app.RoleStartup;
import dev.apqn.testing.LocalControlPlane;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 5's acceptance: the application's real metrics endpoint ({@code /q/metrics}, Quarkus
 * Micrometer with the Prometheus registry) serves the apqn series after a reservation became Ready.
 *
 * <p>A {@code @QuarkusTest} of the application as {@code apqn.role=controller} (its {@link RoleStartup}
 * starts the controller and {@link ReservationMetrics} on the injected registry) against its own
 * {@link LocalControlPlane} ({@link ControlPlaneResource}: crds/ applied, the Quarkus Kubernetes client
 * pointed at it). In the same JVM a simulated mask-mode node's agent ({@link AgentFleet}) reports to an
 * {@link AgentMetrics} on the same registry Quarkus serves (the injected {@link MeterRegistry}); its
 * first apmask/aqmask write is refused with EBUSY (SimSysfs fault injection), which the agent retries,
 * and host requests are in flight on the reserved queue when it is taken.
 * The endpoint is then scraped over HTTP and every series is checked.
 */
@QuarkusTest
@TestProfile(MetricsIT.Profile.class)
class MetricsIT {

    static final Duration WAIT = Duration.ofSeconds(90);
    static final String PROFILE = "mask-mode-apconfig";
    static final int IN_FLIGHT = 4;

    /** The application as the controller, against {@link ControlPlaneResource}'s API server. */
    public static final class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> c = new LinkedHashMap<>();
            c.put("apqn.role", "controller");
            c.put("apqn.namespace", ControlPlaneResource.SYSTEM);
            c.put("apqn.lease.leader-election", "false");
            c.put("apqn.controller.agent-recheck", "1s");
            c.put("apqn.controller.resync", "30s");
            // a real API server is given below; never start a dev-services cluster
            c.put("quarkus.kubernetes-client.devservices.enabled", "false");
            c.put("quarkus.http.test-port", "0");
            return c;
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(ControlPlaneResource.class));
        }
    }

    /**
     * Starts a {@link LocalControlPlane} before Quarkus boots, applies crds/, creates the operator
     * namespace, writes the admin kubeconfig and points the Quarkus Kubernetes client at the server.
     */
    public static final class ControlPlaneResource implements QuarkusTestResourceLifecycleManager {
        static final String SYSTEM = "apqn-system";
        static final String KUBECONFIG = "metrics-it.kubeconfig";
        private LocalControlPlane cp;

        @Override
        public Map<String, String> start() {
            cp = LocalControlPlane.start();
            cp.applyCrds("crds");
            cp.adminClient().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(SYSTEM).endMetadata().build())
                    .create();
            Path file = cp.writeKubeconfig(Path.of("target", "metrics-it", "kubeconfig"));
            Config k = Config.fromKubeconfig(cp.kubeconfigYaml());
            Map<String, String> c = new LinkedHashMap<>();
            c.put("quarkus.kubernetes-client.api-server-url", k.getMasterUrl());
            put(c, "quarkus.kubernetes-client.ca-cert-file", k.getCaCertFile());
            put(c, "quarkus.kubernetes-client.ca-cert-data", k.getCaCertData());
            put(c, "quarkus.kubernetes-client.client-cert-file", k.getClientCertFile());
            put(c, "quarkus.kubernetes-client.client-cert-data", k.getClientCertData());
            put(c, "quarkus.kubernetes-client.client-key-file", k.getClientKeyFile());
            put(c, "quarkus.kubernetes-client.client-key-data", k.getClientKeyData());
            c.put(KUBECONFIG, file.toString());
            return c;
        }

        private static void put(Map<String, String> c, String key, String value) {
            if (value != null && !value.isBlank()) {
                c.put(key, value);
            }
        }

        @Override
        public void stop() {
            if (cp != null) {
                cp.stop();
            }
        }
    }

    @Inject
    MeterRegistry registry;

    @Inject
    RoleStartup startup;

    @Inject
    KubernetesClient appClient;

    @TestHTTPResource("/q/metrics")
    URI metricsUri;

    static AgentFleet fleet;
    static KubernetesClient admin;

    @AfterAll
    static void stopAgents() {
        if (fleet != null) {
            fleet.close();
        }
        if (admin != null) {
            admin.close();
        }
    }

    @Test
    void theEndpointServesEverySeriesAfterAReservationIsReady() throws Exception {
        System.out.printf("MetricsIT: injected registry %s; Metrics.globalRegistry holds %s%n",
                registry.getClass().getName(), Metrics.globalRegistry.getRegistries().stream().map(r -> r.getClass().getSimpleName()).toList());
        // the role starts on its own thread (RoleStartup): wait until it has
        await().atMost(WAIT).until(() -> startup.launched() != null);
        assertThat(startup.launched().operator()).as("the controller role is running").isPresent();
        assertThat(startup.launched().reservationMetrics()).as("reservation metrics started by the controller role").isPresent();

        String kubeconfig = ConfigProvider.getConfig().getValue(ControlPlaneResource.KUBECONFIG, String.class);
        admin = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(Files.readString(Path.of(kubeconfig)))).build();
        assertThat(appClient.getMasterUrl()).as("Quarkus' client talks to the local API server").isEqualTo(admin.getMasterUrl());

        // one simulated s390x node whose agent reports to the registry Quarkus serves
        String node = "metrics-z16-" + java.util.UUID.randomUUID().toString().substring(0, 4);
        admin.nodes().resource(new NodeBuilder().withNewMetadata().withName(node)
                .withLabels(Map.of("kubernetes.io/arch", "s390x", "kubernetes.io/hostname", node)).endMetadata().build()).create();
        AgentSettings settings = ApqnConfigs.agentDefaults().withIdentity("metrics-it").withLeaseNamespace(ControlPlaneResource.SYSTEM)
                .withLease(Duration.ofSeconds(3), Duration.ofMillis(500)).withResyncPeriod(Duration.ofMillis(300))
                .withRetryDelay(Duration.ofMillis(200))
                .withDrain(DrainPolicy.waitBounded(Duration.ofMillis(300)).withPollInterval(Duration.ofMillis(20)));
        fleet = AgentFleet.create(admin, settings, 2, Files.createTempDirectory("apqn-metrics-it"), new AgentMetrics(registry));
        SimKernel kernel = fleet.addSimulatedNode(node, PROFILE);
        var sysfs = fleet.node(node).orElseThrow().sysfs();
        // host requests in flight on the queue the reservation takes: nobody completes them, so the
        // bounded drain gives up and the write that takes the queue flushes them (the estimate)
        for (int i = 0; i < IN_FLIGHT; i++) {
            kernel.traffic().submit(ZcryptRequest.Kind.NORMAL, ZcryptTarget.apqn(Apqn.of(4, 3)));
        }
        // the first write that takes queues from the host is refused (whichever mask the plan clears)
        sysfs.faults().failNextWrite("/sys/bus/ap/apmask", Errno.EBUSY);
        sysfs.faults().failNextWrite("/sys/bus/ap/aqmask", Errno.EBUSY);
        await().atMost(WAIT).until(() -> {
            APNodeState s = admin.resources(APNodeState.class).withName(node).get();
            return s != null && s.getStatus() != null && s.getStatus().getInventoryGeneration() != null;
        });

        String ns = "metrics-" + java.util.UUID.randomUUID().toString().substring(0, 6);
        admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
        var r = new APQNReservation();
        r.setMetadata(new ObjectMetaBuilder().withName("payroll").withNamespace(ns).build());
        var spec = new APQNReservationSpec();
        spec.setNodeName(node);
        spec.setAdapters(List.of(4));
        spec.setDomains(List.of(3));
        r.setSpec(spec);
        admin.resource(r).create();
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
            var x = admin.resources(APQNReservation.class).inNamespace(ns).withName("payroll").get();
            return x != null && x.getStatus() != null && x.getStatus().getPhase() == Phase.Ready;
        });

        // the scrape: the application's HTTP endpoint, as Prometheus reads it
        Scrape s = await().atMost(WAIT).pollInterval(Duration.ofMillis(300)).until(this::scrape,
                x -> x.value("apqn_reservations", Map.of("phase", "Ready")) >= 1
                        && x.value("apqn_node_apqns", Map.of("node", node, "state", "reserved")) >= 1);
        System.out.println("MetricsIT: scraped " + metricsUri + ":\n" + s.apqnLines());

        assertThat(s.value("apqn_node_apqns", Map.of("node", node, "state", "reserved"))).as("reserved").isEqualTo(1);
        assertThat(s.value("apqn_node_apqns", Map.of("node", node, "state", "free"))).as("free").isGreaterThanOrEqualTo(1);
        assertThat(s.value("apqn_node_apqns", Map.of("node", node, "state", "in_use"))).as("in use (no guest)").isZero();
        assertThat(s.value("apqn_node_apqns", Map.of("node", node, "state", "collateral"))).as("collateral").isGreaterThanOrEqualTo(0);
        assertThat(s.value("apqn_reservations", Map.of("phase", "Ready"))).isGreaterThanOrEqualTo(1);
        assertThat(s.value("apqn_reservations", Map.of("phase", "Conflict"))).as("every phase is served").isZero();
        assertThat(s.value("apqn_converge_seconds_count", Map.of("node", node))).isGreaterThanOrEqualTo(1);
        assertThat(s.value("apqn_converge_seconds_sum", Map.of("node", node))).isGreaterThan(0);
        assertThat(s.value("apqn_takeover_inflight_requests_count", Map.of("node", node))).isGreaterThanOrEqualTo(1);
        assertThat(s.value("apqn_takeover_inflight_requests_sum", Map.of("node", node))).isGreaterThanOrEqualTo(IN_FLIGHT);
        assertThat(s.value("apqn_reservation_takeover_inflight_requests", Map.of("node", node, "reservation", ns + "/payroll")))
                .isGreaterThanOrEqualTo(IN_FLIGHT);
        assertThat(s.value("apqn_host_write_errors_total", Map.of("node", node, "errno", "EBUSY")))
                .as("the refused mask write").isGreaterThanOrEqualTo(1);
        assertThat(s.value("apqn_plan_stale", Map.of("node", node))).isZero();
        assertThat(s.value("apqn_plan_stale_seconds", Map.of("node", node))).isZero();
        for (String family : List.of("apqn_node_apqns", "apqn_reservations", "apqn_converge_seconds", "apqn_takeover_inflight_requests",
                "apqn_reservation_takeover_inflight_requests", "apqn_host_write_errors_total", "apqn_plan_stale",
                "apqn_plan_stale_seconds")) {
            assertThat(s.help(family)).as("HELP of " + family).isNotBlank();
        }
    }

    // ------------------------------------------------------------------ the scrape

    Scrape scrape() throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> res = http.send(HttpRequest.newBuilder(metricsUri).timeout(Duration.ofSeconds(10))
                .header("Accept", "text/plain").GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(res.statusCode()).as("GET " + metricsUri).isEqualTo(200);
        return new Scrape(res.body());
    }

    /** A parsed Prometheus text exposition. */
    record Scrape(String body) {
        private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)\\})?\\s+(\\S+)");
        private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

        /** The value of the first sample of {@code name} whose labels include {@code labels}; NaN if absent. */
        double value(String name, Map<String, String> labels) {
            for (String line : body.split("\n")) {
                Matcher m = SAMPLE.matcher(line);
                if (line.startsWith("#") || !m.find() || !m.group(1).equals(name)) {
                    continue;
                }
                Map<String, String> have = new LinkedHashMap<>();
                if (m.group(2) != null) {
                    Matcher l = LABEL.matcher(m.group(2));
                    while (l.find()) {
                        have.put(l.group(1), l.group(2));
                    }
                }
                if (have.entrySet().containsAll(labels.entrySet())) {
                    return Double.parseDouble(m.group(3));
                }
            }
            return Double.NaN;
        }

        String help(String family) {
            for (String line : body.split("\n")) {
                if (line.startsWith("# HELP " + family + " ")) {
                    return line.substring(("# HELP " + family + " ").length());
                }
            }
            return "";
        }

        String apqnLines() {
            List<String> out = new ArrayList<>();
            for (String line : body.split("\n")) {
                if (line.contains("apqn_") && !line.contains("_bucket")) {
                    out.add(line);
                }
            }
            return String.join("\n", out);
        }
    }
}
