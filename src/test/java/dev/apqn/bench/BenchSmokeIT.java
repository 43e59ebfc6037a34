package dev.apqn.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The benchmark end to end at toy size (3 nodes x 9 reservations, 2 s windows) on its own control
 * plane: every figure is in the JSON file, every reservation went Ready and gone. No timing
 * assertions: the figures of a toy run on a shared machine mean nothing.
 */
class BenchSmokeIT {

    @Test
    void smallRunWritesEveryFigure() throws Exception {
        Path out = Path.of("target/bench/smoke-results.json");
        Files.deleteIfExists(out);
        var config = new BenchConfig(3, 9, 2, 2, 1, 4, 2, 300, BenchConfig.DEFAULT_PROFILE, out);

        new Bench(config).run();

        JsonNode r = Serialization.jsonMapper().readTree(Files.readString(out));
        assertThat(r.path("allReady").asBoolean()).isTrue();
        assertThat(r.path("allGone").asBoolean()).isTrue();
        assertThat(r.path("readyCount").asInt()).isEqualTo(9);
        assertThat(r.path("goneCount").asInt()).isEqualTo(9);
        for (String p : List.of("/create/applyToReadyMs/p50", "/create/applyToReadyMs/p95", "/create/applyToReadyMs/p99",
                "/create/convergedPerSecond", "/create/appliesPerSecond", "/delete/deleteToGoneMs/p99",
                "/delete/gonePerSecond", "/lifecycle/apqnReservationWritesPerReservation",
                "/lifecycle/apNodeStateWritesPerReservation", "/lifecycle/eventWritesPerReservation",
                "/lifecycle/leaseWrites", "/steady/writes/apqnreservations", "/steady/writes/apnodestates",
                "/steady/writes/events", "/steady/writes/leases", "/restart/writes/apqnreservations",
                "/memory/baselineHeapUsedMiB", "/memory/convergedHeapUsedMiB", "/memory/convergedRssMiB",
                "/memory/controllerHeapMiB", "/memory/agentsHeapMiB", "/memory/perAgentHeapKiB",
                "/raw/appliesPerSecond", "/raw/deletesPerSecond", "/raw/lifecyclesPerSecond",
                "/ratio/convergedPerSecondOverRawAppliesPerSecond", "/ratio/operatorLifecyclesOverRawLifecycles")) {
            assertThat(r.at(p).isNumber()).as(p + " in " + out).isTrue();
        }
        assertThat(r.at("/create/applyToReadyMs/count").asInt()).isEqualTo(9);
        assertThat(r.at("/delete/deleteToGoneMs/count").asInt()).isEqualTo(9);
        // the bench's own writes are in the counters: 9 applies + 9 deletes at least
        assertThat(r.at("/create/writes/apqnreservations").asLong()).isGreaterThanOrEqualTo(9);
        assertThat(r.at("/raw/apqnReservationWrites").asLong()).isEqualTo(18);
    }
}
