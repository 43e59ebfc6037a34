package dev.apqn.apbus.sim.fuse;

import dev.apqn.ap.ApMask;
import dev.apqn.apbus.FileSysfs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The simkernel as its own process ({@link SimKernelFs#main}), as on a node: the kernel's state
 * lives there, not in the agent; SIGTERM unmounts cleanly; a restart is a reboot; a killed
 * simkernel's stale mount does not stop the next one.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class SimKernelFsIT {

    static final String APMASK = "/sys/bus/ap/apmask";
    static final String CREATE = "/sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create";
    static final String UUID = "11111111-2222-4333-8444-555555555555";
    static final String ALL_ONES = "0x" + "f".repeat(64) + "\n";

    @TempDir
    Path tmp;
    Path mnt;
    final List<Process> started = new ArrayList<>();

    @BeforeEach
    void setUp() {
        FuseRequirement.require();
        mnt = tmp.resolve("simkernel");
    }

    @AfterEach
    void stopAll() throws Exception {
        for (Process p : started) {
            if (p.isAlive()) {
                p.destroy();
                p.waitFor(30, TimeUnit.SECONDS);
            }
        }
        if (FuseRequirement.mounted(mnt)) {
            FuseMount.unmount(mnt);
        }
    }

    @Test
    void stateOutlivesTheAgentSigtermUnmountsAndARestartIsAReboot() throws Exception {
        Process simkernel = start();
        try (FileSysfs agent = new FileSysfs(mnt)) {
            agent.write(APMASK, "-5\n");
            agent.write(CREATE, UUID + "\n");
        }
        try (FileSysfs restartedAgent = new FileSysfs(mnt)) {
            assertThat(restartedAgent.read(APMASK)).isEqualTo(ApMask.all().without(5).toSysfs());
            assertThat(restartedAgent.list("/sys/devices/vfio_ap/matrix")).contains(UUID);
        }

        simkernel.destroy(); // SIGTERM
        assertThat(simkernel.waitFor(30, TimeUnit.SECONDS)).as("simkernel exits on SIGTERM").isTrue();
        assertThat(FuseRequirement.mounted(mnt)).as("no mount left after SIGTERM").isFalse();

        start();
        try (FileSysfs afterReboot = new FileSysfs(mnt)) {
            assertThat(afterReboot.read(APMASK)).isEqualTo(ALL_ONES);
            assertThat(afterReboot.list("/sys/devices/vfio_ap/matrix")).doesNotContain(UUID);
        }
    }

    @Test
    void aKilledSimkernelsStaleMountIsReplacedOnRestart() throws Exception {
        Process simkernel = start();
        try (FileSysfs agent = new FileSysfs(mnt)) {
            agent.write(APMASK, "-5\n");
        }
        simkernel.destroyForcibly(); // SIGKILL: no unmount
        simkernel.waitFor();
        assertThat(FuseRequirement.mounted(mnt)).as("a killed FUSE server leaves its mount").isTrue();

        start();
        try (FileSysfs agent = new FileSysfs(mnt)) {
            assertThat(agent.read(APMASK)).isEqualTo(ALL_ONES);
        }
    }

    @Test
    void wrongArgumentsExitWithUsage() throws Exception {
        Process p = java("--mount", mnt.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).isEqualTo(2);
        assertThat(out).contains("a mount point and a machine profile are required", "usage: SimKernelFs");
    }

    /** Starts a simkernel process and waits until its file system answers. */
    private Process start() throws IOException, InterruptedException {
        Path log = Files.createTempFile(tmp, "simkernel-", ".log");
        Process p = java("--mount", mnt.toString(), "--profile", "mask-mode-apconfig", "--seed", "1")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        started.add(p);
        long t0 = System.nanoTime();
        while (!Files.exists(mnt.resolve("sys/bus/ap/apmask"))) { // the class @Timeout bounds a simkernel that never mounts
            assertThat(p.isAlive()).as("simkernel running; its log: " + Files.readString(log)).isTrue();
            Thread.sleep(20);
        }
        System.out.printf("simkernel process up and mounted in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        return p;
    }

    private static ProcessBuilder java(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), SimKernelFs.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd);
    }
}
