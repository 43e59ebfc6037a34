package dev.apqn.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.apqn.testing.Helm;

import java.io.IOException;
import java.io.UncheckedIOException;

/** The chart's JVM sizing of the controller pod (values.yaml), so the benchmark's controller process is sized like the pod. */
final class ChartValues {

    private ChartValues() {
    }

    static String controllerJvmOptions() {
        return values().at("/controller/jvmOptions").asText();
    }

    static String controllerMallocArenaMax() {
        return values().at("/controller/mallocArenaMax").asText();
    }

    private static JsonNode values() {
        try {
            return new ObjectMapper(new YAMLFactory()).readTree(Helm.chart().resolve("values.yaml").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
