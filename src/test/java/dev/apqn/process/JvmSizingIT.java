package dev.apqn.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.apqn.controller.NodeStateManager;
import dev.apqn.testing.Helm;
import dev.apqn.testing.LocalControlPlane;
import dev.apqn.testing.WithKubeApiServer;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import java.nio.file.Files;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The per-role JVM options the chart sets through {@code JAVA_TOOL_OPTIONS} and {@code MALLOC_ARENA_MAX}
 * (charts/apqn-operator/values.yaml, read from there; docs/operator.md, "JVM sizing"):
 * each role, with default flags and with the documented ones, runs until ready and is measured at idle
 * (VmRSS of /proc/&lt;pid&gt;/status). What is asserted is that the documented options are accepted by the
 * JVM and the role gets ready under them; the RSS figures are printed, as they depend on the machine and
 * the JDK.
 */
@WithKubeApiServer(crds = "crds")
class JvmSizingIT {

    /** The chart's values: what a pod of each role gets (agent.jvmOptions, controller.mallocArenaMax, ...). */
    static final JsonNode VALUES = chartValues();
    static final String AGENT_OPTIONS = VALUES.at("/agent/jvmOptions").asText();
    static final String AGENT_MALLOC_ARENA_MAX = VALUES.at("/agent/mallocArenaMax").asText();
    static final String CONTROLLER_OPTIONS = VALUES.at("/controller/jvmOptions").asText();
    static final String CONTROLLER_MALLOC_ARENA_MAX = VALUES.at("/controller/mallocArenaMax").asText();
    /** How long a ready role runs before it is measured. */
    static final Duration IDLE = Duration.ofSeconds(20);

    static LocalControlPlane cp;
    static String system;
    static ProcessAccounts accounts;

    @BeforeAll
    static void accounts(LocalControlPlane plane) {
        cp = plane;
        system = cp.createNamespace("apqn-proc-jvm");
        accounts = ProcessAccounts.create(cp, system);
    }

    Map<String, String> controller(String pod, String options, String arenas) {
        Map<String, String> env = new LinkedHashMap<>(Map.of(
                "APQN_ROLE", "controller",
                "APQN_NAMESPACE", system,
                "POD_NAME", pod,
                "KUBECONFIG", accounts.kubeconfig(ProcessAccounts.CONTROLLER).toString(),
                "APQN_CONTROLLER_NODE_SELECTOR", "apqn.process/cluster=" + system));
        flags(env, options, arenas);
        return env;
    }

    Map<String, String> agent(String node, String options, String arenas) throws Exception {
        // a Node the controller selects (it would delete the APNodeState of a Node that does not exist)
        cp.adminClient().nodes().resource(new NodeBuilder().withNewMetadata().withName(node)
                .withLabels(Map.of("apqn.process/cluster", system)).endMetadata().build()).create();
        NodeStateManager.ensure(cp.adminClient(), node);
        Map<String, String> env = new LinkedHashMap<>(Map.of(
                "APQN_ROLE", "agent",
                "APQN_NAMESPACE", system,
                "APQN_NODE_NAME", node,
                "APQN_AGENT_BACKEND", "simulated",
                "APQN_AGENT_PROFILE", "mask-mode-apconfig",
                "APQN_AGENT_LEDGER_DIR", Files.createTempDirectory("apqn-proc-ledger").resolve("ledger").toString(),
                "KUBECONFIG", accounts.kubeconfig(ProcessAccounts.AGENT).toString()));
        flags(env, options, arenas);
        return env;
    }

    static void flags(Map<String, String> env, String options, String arenas) {
        if (options != null) {
            env.put("JAVA_TOOL_OPTIONS", options);
            env.put("MALLOC_ARENA_MAX", arenas);
        }
    }

    @Test
    void eachRoleGetsReadyUnderItsDocumentedJvmOptions() throws Exception {
        String id = system.substring(system.length() - 4);
        var defaults = measure("default flags", controller("jvm-ctl-d-" + id, null, null),
                agent("jvm-z-d-" + id, null, null));
        var sized = measure("documented flags", controller("jvm-ctl-s-" + id, CONTROLLER_OPTIONS, CONTROLLER_MALLOC_ARENA_MAX),
                agent("jvm-z-s-" + id, AGENT_OPTIONS, AGENT_MALLOC_ARENA_MAX));
        System.out.printf("JvmSizingIT: idle RSS controller %s -> %s, agent %s -> %s%n",
                mib(defaults[0]), mib(sized[0]), mib(defaults[1]), mib(sized[1]));
        assertThat(sized[0]).isPositive();
        assertThat(sized[1]).isPositive();
    }

    /** Starts both roles, waits until each is ready and then {@link #IDLE}, returns their VmRSS in KiB. */
    long[] measure(String label, Map<String, String> controllerEnv, Map<String, String> agentEnv) throws Exception {
        String tag = label.startsWith("default") ? "default" : "sized";
        try (RoleProcess c = RoleProcess.start("jvm-controller-" + tag, controllerEnv);
             RoleProcess a = RoleProcess.start("jvm-agent-" + tag, agentEnv)) {
            long t0 = System.nanoTime();
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100))
                    .until(() -> c.ready().code() == 200 || !c.alive());
            long controllerReady = ms(t0);
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100))
                    .until(() -> a.ready().code() == 200 || !a.alive());
            long agentReady = ms(t0);
            assertThat(c.ready().code()).as("controller ready with %s (output: %s)", label, c.log()).isEqualTo(200);
            assertThat(a.ready().code()).as("agent ready with %s (output: %s)", label, a.log()).isEqualTo(200);
            Thread.sleep(IDLE.toMillis()); // idle: measured once the start-up garbage has settled
            long[] rss = {c.rssKiB(), a.rssKiB()};
            System.out.printf("JvmSizingIT: %s: controller (%s) ready after %d ms, idle RSS %s; agent ready after %d ms,"
                    + " idle RSS %s%n", label, c.ready().body().contains("standby") ? "standby" : "leader", controllerReady,
                    mib(rss[0]), agentReady, mib(rss[1]));
            // SIGTERM: the controller gives the leader Lease back for the next one measured
            c.terminate();
            a.terminate();
            c.awaitExit(Duration.ofSeconds(20));
            a.awaitExit(Duration.ofSeconds(20));
            return rss;
        }
    }

    static String mib(long kib) {
        return String.format("%.1f MiB", kib / 1024.0);
    }

    static long ms(long since) {
        return Duration.ofNanos(System.nanoTime() - since).toMillis();
    }

    private static JsonNode chartValues() {
        try {
            return new ObjectMapper(new YAMLFactory()).readTree(Helm.chart().resolve("values.yaml").toFile());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
