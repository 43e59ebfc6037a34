package dev.apqn.apbus.sim.fuse;

import dev.apqn.ap.ApMask;
import dev.apqn.ap.Errno;
import dev.apqn.apbus.ErrnoExplanations;
import dev.apqn.apbus.FileSysfs;
import dev.apqn.apbus.Sysfs;
import dev.apqn.apbus.SysfsException;
import dev.apqn.apbus.sim.MachineProfile;
import dev.apqn.apbus.sim.MachineProfiles;
import dev.apqn.apbus.sim.SimKernel;
import dev.apqn.apbus.sim.SimSysfs;
import dev.apqn.apbus.tools.Lszcrypt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The simulated kernel served as a FUSE file system, read and written with the agent's production
 * backend ({@link FileSysfs}: libc open/read/write, native errnos) and with ordinary tools.
 */
class SimKernelFsFuseTest {

    static final MachineProfile PROFILE = MachineProfiles.loadResource("mask-mode-apconfig");
    static final String APMASK = "/sys/bus/ap/apmask";
    static final String MATRIX = "/sys/devices/vfio_ap/matrix/";
    static final String CREATE = MATRIX + "mdev_supported_types/vfio_ap-passthrough/create";
    static final String UUID = "11111111-2222-4333-8444-555555555555";
    static final String ALL_ONES = "0x" + "f".repeat(64) + "\n";

    @TempDir
    Path tmp;
    Path mnt;
    SimKernelFs simkernel;

    @BeforeEach
    void mount() {
        FuseRequirement.require();
        mnt = tmp.resolve("sysfs-root");
        long t0 = System.nanoTime();
        simkernel = SimKernelFs.start(mnt, PROFILE, 1, Duration.ofSeconds(5));
        System.out.printf("simkernel mount took %d ms%n", (System.nanoTime() - t0) / 1_000_000);
    }

    @AfterEach
    void unmount() {
        if (simkernel != null) {
            simkernel.close();
        }
    }

    @Test
    void readersSeeTheTreeWithSysfsModesAndRelativeSymlinks() throws Exception {
        Path ap = mnt.resolve("sys/bus/ap");
        assertThat(Files.isDirectory(ap)).isTrue();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(ap.resolve("apmask")))).isEqualTo("rw-r--r--");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(ap.resolve("ap_adapter_mask")))).isEqualTo("r--r--r--");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(ap.resolve("drivers_probe")))).isEqualTo("-w-------");
        Path driver = mnt.resolve("sys/devices/ap/card05/05.0001/driver");
        assertThat(Files.isSymbolicLink(driver)).isTrue();
        assertThat(Files.readSymbolicLink(driver).toString()).isEqualTo("../../../../bus/ap/drivers/cex4queue");
        assertThat(driver.toRealPath().toString()).isEqualTo(mnt.resolve("sys/bus/ap/drivers/cex4queue").toString());
        try (var names = Files.list(mnt.resolve("sys/bus/ap/devices"))) {
            assertThat(names.map(p -> p.getFileName().toString()).toList()).contains("card03", "card06", "05.000f");
        }
        // the tools a person uses on a node
        assertThat(run("cat", mnt.resolve("sys/bus/ap/ap_max_domain_id").toString())).isEqualTo("84\n");
        assertThat(run("ls", mnt.resolve("sys/devices/ap/card04").toString())).contains("04.0000", "online", "hwtype");
        assertThat(run("sh", "-c", "echo -6 > " + mnt.resolve("sys/bus/ap/apmask") + " && cat " + mnt.resolve("sys/bus/ap/apmask")))
                .isEqualTo(ApMask.all().without(6).toSysfs());
        assertThat(run("readlink", mnt.resolve("sys/devices/ap/card06/06.0002/driver").toString()))
                .isEqualTo("../../../../bus/ap/drivers/vfio_ap\n");
    }

    @Test
    void lszcryptReadsTheMountAsItReadsTheModel() throws Exception {
        try (FileSysfs fs = new FileSysfs(mnt)) {
            fs.write(APMASK, "-5\n");
            fs.write("/sys/devices/ap/card04/04.0002/online", "0\n");
            String throughFiles = new Lszcrypt(fs).verbose();
            assertThat(throughFiles).isEqualTo(new Lszcrypt(simkernel.sysfs()).verbose());
            assertThat(throughFiles).contains("05.0003", "vfio_ap", "04.0002", "offline");
        }
    }

    @Test
    void theProductionBackendReadsAndWritesTheModel() throws Exception {
        try (FileSysfs fs = new FileSysfs(mnt)) {
            assertThat(fs.nativeErrno()).isTrue();
            assertThat(fs.read(APMASK)).isEqualTo(ALL_ONES);
            fs.write(APMASK, "-5\n");
            assertThat(simkernel.kernel().apmask()).isEqualTo(ApMask.all().without(5));
            assertThat(fs.readLink("/sys/devices/ap/card05/05.0003/driver")).contains("../../../../bus/ap/drivers/vfio_ap");
            assertThat(fs.readLink("/sys/bus/ap/apmask")).isEmpty();
            assertThat(fs.exists("/sys/devices/ap/card07")).isFalse();
            fs.write(CREATE, UUID + "\n");
            assertThat(fs.list(MATRIX)).contains(UUID, "mdev_supported_types");
            fs.write(MATRIX + UUID + "/assign_adapter", "5\n");
            fs.write(MATRIX + UUID + "/assign_domain", "3\n");
            assertThat(fs.read(MATRIX + UUID + "/matrix")).isEqualTo("05.0003\n");
            assertThat(new SimSysfs(simkernel.kernel()).read(MATRIX + UUID + "/matrix")).isEqualTo("05.0003\n");
        }
    }

    @Test
    void oneWriteIsOneStoreCall() throws Exception {
        // the bus's scans counter counts store calls of its attribute: one write() must raise it by
        // exactly one; a relative list is applied by one store as one unit
        try (FileSysfs fs = new FileSysfs(mnt)) {
            fs.write(APMASK, "-5,-6\n");
            assertThat(fs.read(APMASK)).isEqualTo(ApMask.all().without(5).without(6).toSysfs());
            long scans = Long.parseLong(fs.read("/sys/bus/ap/scans").strip());
            fs.write("/sys/bus/ap/scans", "1\n");
            assertThat(fs.read("/sys/bus/ap/scans")).isEqualTo((scans + 1) + "\n");
        }
    }

    @Test
    void handlerRefusalsReachTheWriterAsTheirErrnos() throws Exception {
        List<String[]> writes = List.of(
                new String[]{APMASK, "0X5\n"},                                // EINVAL: syntax
                new String[]{APMASK, "-5\n"},                                 // ok
                new String[]{CREATE, UUID + "\n"},                            // ok
                new String[]{CREATE, UUID + "\n"},                            // EEXIST
                new String[]{MATRIX + UUID + "/assign_adapter", "5\n"},       // ok
                new String[]{MATRIX + UUID + "/assign_domain", "1\n"},        // ok
                new String[]{APMASK, "+5\n"},                                 // EBUSY: in-use veto
                new String[]{"/sys/bus/ap/drivers/cex4queue/bind", "0a.0001\n"}, // ENODEV: no such device
                new String[]{"/sys/bus/ap/ap_adapter_mask", "0x0\n"},         // EACCES: read-only
                new String[]{"/sys/bus/ap/no_such_attribute", "1\n"},         // ENOENT
                new String[]{"/sys/bus/ap/poll_timeout", "99999999999999999999999\n"}); // ERANGE
        List<Optional<Errno>> expected = List.of(Optional.of(Errno.EINVAL), Optional.empty(), Optional.empty(),
                Optional.of(Errno.EEXIST), Optional.empty(), Optional.empty(), Optional.of(Errno.EBUSY),
                Optional.of(Errno.ENODEV), Optional.of(Errno.EACCES), Optional.of(Errno.ENOENT), Optional.of(Errno.ERANGE));

        List<Optional<Errno>> inMemory = errnos(new SimSysfs(SimKernel.boot(PROFILE, 1)), writes);
        List<Optional<Errno>> throughFuse;
        try (FileSysfs fs = new FileSysfs(mnt)) {
            throughFuse = errnos(fs, writes);
            assertThatThrownBy(() -> fs.write(APMASK, "+5\n")).isInstanceOfSatisfying(SysfsException.class, e ->
                    assertThat(e.getMessage()).isEqualTo("writing \"+5\\n\" to " + APMASK + " failed with EBUSY (Device or resource busy): "
                            + ErrnoExplanations.explain(Errno.EBUSY, APMASK)));
            assertThatThrownBy(() -> fs.read("/sys/bus/ap/drivers_probe")).isInstanceOfSatisfying(SysfsException.class,
                    e -> assertThat(e.errno()).isEqualTo(Errno.EACCES));
        }
        assertThat(inMemory).isEqualTo(expected);
        assertThat(throughFuse).isEqualTo(expected);
    }

    @Test
    void aZeroLengthWriteNeverReachesTheStoreHandler() throws Exception {
        // as on a real kernel (sysfs_kf_write returns 0 for count 0): success, nothing changes;
        // the model's port itself would hand the empty buffer to the handler (ap-bus.md §2.1 "empty input")
        try (FileSysfs fs = new FileSysfs(mnt)) {
            fs.write(APMASK, "");
            fs.write("/sys/bus/ap/poll_thread", "");
            assertThat(fs.read(APMASK)).isEqualTo(ALL_ONES);
        }
        assertThat(simkernel.kernel().apmask()).isEqualTo(ApMask.all());
    }

    @Test
    void theKernelStateOutlivesTheAgentAndARestartIsAReboot() throws Exception {
        try (FileSysfs first = new FileSysfs(mnt)) {
            first.write(APMASK, "-5\n");
            first.write(CREATE, UUID + "\n");
        }
        try (FileSysfs restartedAgent = new FileSysfs(mnt)) {
            assertThat(restartedAgent.read(APMASK)).isEqualTo(ApMask.all().without(5).toSysfs());
            assertThat(restartedAgent.exists(MATRIX + UUID)).isTrue();
        }
        simkernel.close();
        assertThat(FuseRequirement.mounted(mnt)).isFalse();
        simkernel = SimKernelFs.start(mnt, PROFILE, 1, Duration.ofSeconds(5));
        try (FileSysfs afterReboot = new FileSysfs(mnt)) {
            assertThat(afterReboot.read(APMASK)).isEqualTo(ALL_ONES);
            assertThat(afterReboot.exists(MATRIX + UUID)).isFalse();
        }
    }

    @Test
    void closeLeavesNoMountBehind() {
        assertThat(FuseRequirement.mounted(mnt)).isTrue();
        simkernel.close();
        assertThat(FuseRequirement.mounted(mnt)).isFalse();
        assertThat(Files.isDirectory(mnt, LinkOption.NOFOLLOW_LINKS)).isTrue();
        simkernel.close(); // idempotent
        simkernel = null;
    }

    @Test
    void aWriteHeldByTheModelDoesNotBlockReaders() throws Exception {
        var hang = simkernel.sysfs().faults().hangWrites(APMASK);
        try (FileSysfs fs = new FileSysfs(mnt)) {
            var writer = java.util.concurrent.CompletableFuture.runAsync(() -> {
                try {
                    fs.write(APMASK, "-5\n");
                } catch (SysfsException e) {
                    throw new IllegalStateException(e);
                }
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (hang.blockedCalls() == 0) {
                assertThat(System.nanoTime()).as("the write reached the model's handler").isLessThan(deadline);
                Thread.sleep(1);
            }
            assertThat(fs.read("/sys/bus/ap/aqmask")).isEqualTo(ALL_ONES);
            assertThat(writer).isNotDone();
            hang.release();
            writer.get(10, TimeUnit.SECONDS);
            assertThat(fs.read(APMASK)).isEqualTo(ApMask.all().without(5).toSysfs());
        }
    }

    /**
     * The control files under /sys/kernel/debug/apqn-sim, driven from a shell as an E2E test does it
     * through {@code docker exec}: hold a write, see it blocked, release it; fail the next write with
     * an errno; read every write back from the journal.
     */
    @Test
    void controlFilesHoldAndFailWritesAndJournalThemFromAShell() throws Exception {
        Path control = mnt.resolve("sys/kernel/debug/apqn-sim");
        assertThat(run("ls", mnt.resolve("sys").toString())).contains("kernel");
        // the model's own /sys/kernel entries stay visible beside debug/
        assertThat(run("ls", mnt.resolve("sys/kernel").toString()).split("\n"))
                .containsAll(simkernel.sysfs().list("/sys/kernel")).contains("debug");
        assertThat(run("ls", control.toString()).split("\n"))
                .containsExactly("fail_writes", "hold_writes", "release_writes", "writes");
        assertThat(run("cat", control.resolve("writes").toString())).isEmpty();

        run("sh", "-c", "echo " + APMASK + " > " + control.resolve("hold_writes"));
        Process writer = new ProcessBuilder("sh", "-c", "echo -5 > " + mnt.resolve("sys/bus/ap/apmask")).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!run("cat", control.resolve("hold_writes").toString()).equals(APMASK + " blocked=1\n")) {
            assertThat(System.nanoTime()).as("the shell's write is held").isLessThan(deadline);
            Thread.sleep(10);
        }
        assertThat(writer.isAlive()).isTrue();
        assertThat(simkernel.kernel().apmask()).isEqualTo(ApMask.all());
        run("sh", "-c", "echo " + APMASK + " > " + control.resolve("release_writes"));
        assertThat(writer.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(writer.exitValue()).isZero();
        assertThat(simkernel.kernel().apmask()).isEqualTo(ApMask.all().without(5));
        assertThat(run("cat", control.resolve("hold_writes").toString())).isEmpty();

        run("sh", "-c", "echo '/sys/bus/ap/aqmask EBUSY' > " + control.resolve("fail_writes"));
        try (FileSysfs fs = new FileSysfs(mnt)) {
            assertThatThrownBy(() -> fs.write("/sys/bus/ap/aqmask", "-3\n"))
                    .isInstanceOfSatisfying(SysfsException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EBUSY));
            fs.write("/sys/bus/ap/aqmask", "-3\n");
        }
        assertThat(run("cat", control.resolve("writes").toString())).isEqualTo("""
                1 /sys/bus/ap/apmask -5\\n ok
                2 /sys/bus/ap/aqmask -3\\n EBUSY
                3 /sys/bus/ap/aqmask -3\\n ok
                """);

        // a control write that names no sysfs path, or no errno, is refused and arms nothing
        for (String bad : List.of("'apmask' > " + control.resolve("hold_writes"),
                "'/sys/bus/ap/apmask EWHAT' > " + control.resolve("fail_writes"),
                "/sys/bus/ap/apmask > " + control.resolve("release_writes"))) {
            // bash, not sh: dash words every failed write of its echo as "I/O error"
            Process p = new ProcessBuilder("bash", "-c", "echo " + bad).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor()).as("echo %s: %s", bad, out).isNotZero();
            assertThat(out).contains("Invalid argument");
        }
        assertThat(run("cat", control.resolve("hold_writes").toString())).isEmpty();
    }

    private static List<Optional<Errno>> errnos(Sysfs fs, List<String[]> writes) {
        List<Optional<Errno>> out = new ArrayList<>();
        for (String[] w : writes) {
            try {
                fs.write(w[0], w[1]);
                out.add(Optional.empty());
            } catch (SysfsException e) {
                out.add(Optional.of(e.errno()));
            }
        }
        return out;
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(String.join(" ", command) + " → " + out).isZero();
        return out;
    }
}
