package dev.apqn.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** {@link FleetMain} as a child JVM on this JVM's class path; its output in a log file. */
final class FleetProcess implements AutoCloseable {

    private final Process process;
    private final Path log;

    private FleetProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    static FleetProcess start(BenchConfig config, Path kubeconfig, String leaseNamespace, Path log) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        Arrays.stream(config.fleetJvm().trim().split("\\s+")).filter(s -> !s.isEmpty()).forEach(cmd::add);
        cmd.addAll(List.of(
                "-Djava.util.logging.manager=org.jboss.logmanager.LogManager",
                "-Dbench.fleet.kubeconfig=" + kubeconfig.toAbsolutePath(),
                "-Dbench.fleet.nodes=" + config.nodes(),
                "-Dbench.fleet.workers=" + config.agentWorkers(),
                "-Dbench.fleet.profile=" + config.profile(),
                "-Dbench.fleet.leaseNamespace=" + leaseNamespace,
                "-cp", System.getProperty("java.class.path"), FleetMain.class.getName()));
        try {
            Files.createDirectories(log.toAbsolutePath().getParent());
            var pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().remove("JAVA_TOOL_OPTIONS");
            return new FleetProcess(pb.start(), log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.isAlive();
    }

    Path log() {
        return log;
    }

    /** Ends the fleet: end of its input (it stops its agents), then SIGKILL if it is still there after 20 s. */
    @Override
    public void close() {
        try {
            process.getOutputStream().close();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
