package dev.apqn.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Each mode of the benchmark end to end at toy size, through the same code as `make bench`: its own
 * control plane, the controller process (quarkus-run.jar, so this runs after `mvn package`), the agent
 * fleet process, 2 s windows. Every figure is in the JSON file, every reservation went Ready and gone,
 * each process's CPU was measured. No timing assertions: the figures of a toy run on a shared machine
 * mean nothing.
 */
class BenchSmokeIT {

    /** Pointers that hold a number in every mode's JSON. */
    static final List<String> FIGURES = List.of("/create/applyToReadyMs/p50", "/create/applyToReadyMs/p95",
            "/create/applyToReadyMs/p99", "/create/convergedPerSecond", "/create/appliesPerSecond",
            "/delete/deleteToGoneMs/p99", "/delete/gonePerSecond",
            "/lifecycle/apqnReservationWritesPerReservation", "/lifecycle/apNodeStateWritesPerReservation",
            "/lifecycle/eventWritesPerReservation", "/lifecycle/leaseWrites", "/lifecycle/conflicts409Total",
            "/lifecycle/cpuMsPerLifecycle/controller", "/lifecycle/cpuMsPerLifecycle/agentFleet",
            "/lifecycle/cpuMsPerLifecycle/kube-apiserver", "/lifecycle/cpuMsPerLifecycle/etcd",
            "/steady/writes/apqnreservations", "/steady/writes/apnodestates", "/steady/writes/events",
            "/steady/writes/leases", "/restart/writes/apqnreservations", "/restart/writes/events",
            "/restart/newControllerLeadsAfterSeconds", "/memory/convergedRssMiB/controller",
            "/memory/convergedRssMiB/agentFleet", "/memory/peakRssMiB/controller", "/memory/peakRssMiB/kube-apiserver",
            "/memory/convergedControllerHeapUsedMiB", "/raw/appliesPerSecond", "/raw/deletesPerSecond",
            "/raw/lifecyclesPerSecond", "/raw/cpuMsPerCreateDelete/kube-apiserver",
            "/ratio/convergedPerSecondOverRawAppliesPerSecond", "/ratio/operatorLifecyclesOverRawLifecycles",
            "/ratio/apiServerCpuPerLifecycleOverRaw", "/config/loadAverageAtStart", "/config/loadAverageAtEnd");

    @ParameterizedTest
    @EnumSource(BenchConfig.Mode.class)
    void aToyRunOfEachModeWritesEveryFigure(BenchConfig.Mode mode) throws Exception {
        Path out = Path.of("target/bench/smoke/results-" + mode.id() + ".json");
        Files.deleteIfExists(out);
        var config = switch (mode) {
            case BURST -> BenchConfig.small(mode, 3, 9, 0, out);
            case PACED -> BenchConfig.small(mode, 3, 9, 3, out);
            case SCALE -> BenchConfig.small(mode, 12, 24, 0, out);
        };

        new Bench(config).run();

        JsonNode r = Serialization.jsonMapper().readTree(Files.readString(out));
        int n = config.reservations();
        assertThat(r.at("/config/mode").asText()).isEqualTo(mode.id());
        assertThat(r.path("allReady").asBoolean()).as("all Ready in " + out).isTrue();
        assertThat(r.path("allGone").asBoolean()).as("all gone in " + out).isTrue();
        assertThat(r.path("readyCount").asInt()).isEqualTo(n);
        assertThat(r.path("goneCount").asInt()).isEqualTo(n);
        for (String p : FIGURES) {
            assertThat(r.at(p).isNumber()).as(p + " in " + out).isTrue();
        }
        assertThat(r.at("/create/applyToReadyMs/count").asInt()).isEqualTo(n);
        assertThat(r.at("/delete/deleteToGoneMs/count").asInt()).isEqualTo(n);
        // the controller and the fleet are processes of their own, and did the work
        assertThat(r.at("/lifecycle/cpuMsPerLifecycle/controller").asDouble()).isPositive();
        assertThat(r.at("/lifecycle/cpuMsPerLifecycle/agentFleet").asDouble()).isPositive();
        // the bench's own writes are in the counters: n applies + n deletes at least
        assertThat(r.at("/create/writes/apqnreservations").asLong()).isGreaterThanOrEqualTo(n);
        assertThat(r.at("/raw/apqnReservationWrites").asLong()).isEqualTo(2L * n);
        assertThat(r.path("targets")).hasSize(10);
        r.path("targets").forEach(t -> assertThat(t.path("met").asText()).isIn("yes", "NO", "other mode", "no figure"));
    }
}
