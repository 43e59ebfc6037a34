package dev.apqn.e2e.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The E2E layer's wall time split, one {@code name=seconds} line per phase in
 * {@code target/e2e/timing.properties}: {@code make e2e} writes binaries and images (node image
 * build), the harness adds cluster-start, tests and cluster-stop; the last line printed sums them up.
 */
final class E2eTimings {

    private E2eTimings() {
    }

    static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.1fs", nanos / 1e9);
    }

    static void record(Path workDir, String phase, long nanos) {
        NodeClusterExtension.ensureDir(workDir);
        try {
            Files.writeString(workDir.resolve("timing.properties"), phase + "=" + seconds(nanos) + "\n",
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** "binaries=3s images=2s cluster-start=21.0s tests=80.2s cluster-stop=1.1s" (later lines win). */
    static String summary(Path workDir) {
        Map<String, String> phases = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(workDir.resolve("timing.properties"))) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    phases.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
                }
            }
        } catch (IOException e) {
            return "(no " + workDir.resolve("timing.properties") + ")";
        }
        return phases.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
    }
}
