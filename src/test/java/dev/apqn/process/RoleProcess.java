package dev.apqn.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged application ({@code target/quarkus-app/quarkus-run.jar}, what the image runs) as a
 * process of this test JVM, one role, configured only through the environment a pod gives it:
 * {@code APQN_*}, {@code KUBECONFIG} (a service account's token), {@code POD_NAME},
 * {@code JAVA_TOOL_OPTIONS}. Its output goes to {@code target/process-it/<name>.log}; its HTTP port is
 * a free one. {@link #close()} kills it if it still runs.
 */
public final class RoleProcess implements AutoCloseable {

    static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** An HTTP answer: status code and body (code -1: nothing listens yet). */
    public record Answer(int code, String body) {
    }

    private final String name;
    private final Process process;
    private final int port;
    private final Path log;

    private RoleProcess(String name, Process process, int port, Path log) {
        this.name = name;
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** Starts {@code java -jar quarkus-run.jar} with {@code env} added to this JVM's environment. */
    static RoleProcess start(String name, Map<String, String> env) {
        return start(name, env, Path.of("target", "process-it", name + ".log"));
    }

    /** As {@link #start(String, Map)}, its output in {@code log} (the benchmark keeps its own under target/bench). */
    public static RoleProcess start(String name, Map<String, String> env, Path logFile) {
        if (!Files.isRegularFile(JAR)) {
            throw new IllegalStateException(JAR + " is missing: the process tests run after `mvn package` (failsafe, verify)");
        }
        int port = freePort();
        Path log = logFile.toAbsolutePath();
        try {
            Files.createDirectories(log.getParent());
            var pb = new ProcessBuilder(javaBinary(), "-jar", JAR.toAbsolutePath().toString());
            Map<String, String> all = new LinkedHashMap<>(env);
            all.put("QUARKUS_HTTP_PORT", String.valueOf(port));
            // only what is given here configures the role, whatever the test JVM's environment holds
            pb.environment().keySet().removeIf(k -> k.startsWith("APQN_") || k.startsWith("QUARKUS_")
                    || k.equals("KUBECONFIG") || k.equals("JAVA_TOOL_OPTIONS") || k.equals("MALLOC_ARENA_MAX")
                    || k.equals("POD_NAME"));
            pb.environment().putAll(all);
            pb.redirectErrorStream(true).redirectOutput(log.toFile());
            return new RoleProcess(name, pb.start(), port, log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static int freePort() {
        try (var s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process.isAlive();
    }

    public Answer ready() {
        return get("/q/health/ready");
    }

    Answer live() {
        return get("/q/health/live");
    }

    public Answer get(String path) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), r.body());
        } catch (IOException e) {
            return new Answer(-1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(-1, e.toString());
        }
    }

    /** SIGTERM, what the kubelet sends first. */
    public void terminate() {
        process.destroy();
    }

    /** Waits for the exit; the exit code, or null if still running after {@code timeout}. */
    public Integer awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : null;
    }

    /** VmRSS of /proc/&lt;pid&gt;/status in KiB, or -1. */
    long rssKiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    public String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }

    public Path log() {
        return log;
    }

    /** Kills the process (SIGKILL) if it still runs and waits for it. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
