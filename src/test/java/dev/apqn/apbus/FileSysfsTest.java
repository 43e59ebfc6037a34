package dev.apqn.apbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.apqn.ap.Errno;
import dev.apqn.apbus.SysfsException.Operation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * FileSysfs over a temporary tree, and over the real /proc and /sys where an errno can only come
 * from the kernel. Errno tests run through both I/O paths: libc (native errno) and the Java fallback
 * (errno from the message text).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FileSysfsTest {

    enum Io {
        LIBC, JAVA;

        FileSysfsIo create() {
            if (this == JAVA) {
                return new FileSysfsJavaIo();
            }
            Libc libc = Libc.instance().orElse(null);
            assumeTrue(libc != null, "JNA cannot load libc here");
            return new FileSysfsNativeIo(libc);
        }
    }

    @TempDir
    Path root;

    private final SysfsCallPool pool = new SysfsCallPool(1, 2);

    @AfterEach
    void closePool() {
        pool.close();
    }

    private FileSysfs sysfs(Io io) {
        return sysfs(root, io);
    }

    private FileSysfs sysfs(Path at, Io io) {
        return new FileSysfs(at, FileSysfsTimeouts.fixed(Duration.ofSeconds(20)), pool, io.create());
    }

    private Path file(String sysfsPath, String content) throws IOException {
        Path p = root.resolve(sysfsPath.substring(1));
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
        return p;
    }

    @ParameterizedTest
    @EnumSource(Io.class)
    void readsTheAttributeBelowTheRootAsTheKernelPrintsIt(Io io) throws Exception {
        file("/sys/bus/ap/ap_max_domain_id", "15\n");

        assertThat(sysfs(io).read("/sys/bus/ap/ap_max_domain_id")).isEqualTo("15\n");
    }

    @ParameterizedTest
    @EnumSource(Io.class)
    void aWriteLeavesExactlyTheValue(Io io) throws Exception {
        Path apmask = file("/sys/bus/ap/apmask", "0x" + "f".repeat(64) + "\n");

        sysfs(io).write("/sys/bus/ap/apmask", "-5\n");

        assertThat(Files.readString(apmask)).isEqualTo("-5\n");
    }

    @ParameterizedTest
    @EnumSource(Io.class)
    void writingAMissingAttributeFailsWithEnoentAndCreatesNothing(Io io) throws Exception {
        Files.createDirectories(root.resolve("sys/bus/ap"));

        SysfsException e = catchThrowableOfType(() -> sysfs(io).write("/sys/bus/ap/apmask", "-5\n"), SysfsException.class);

        assertThat(e.errno()).isEqualTo(Errno.ENOENT);
        assertThat(e.operation()).isEqualTo(Operation.WRITE);
        assertThat(e.path()).isEqualTo("/sys/bus/ap/apmask");
        assertThat(e.value()).isEqualTo("-5\n");
        assertThat(e).hasMessageContaining("the kernel module (vfio_ap, zcrypt) may not be loaded");
        assertThat(root.resolve("sys/bus/ap/apmask")).doesNotExist();
    }

    @ParameterizedTest
    @EnumSource(Io.class)
    void readingAMissingAttributeFailsWithEnoent(Io io) {
        assertThat(errnoOf(() -> sysfs(io).read("/sys/devices/ap/card05/online"))).isEqualTo(Errno.ENOENT);
    }

    @ParameterizedTest
    @EnumSource(Io.class)
    void writingADirectoryFailsWithEisdir(Io io) throws Exception {
        Files.createDirectories(root.resolve("sys/devices/ap/card05"));

        assertThat(errnoOf(() -> sysfs(io).write("/sys/devices/ap/card05", "1\n"))).isEqualTo(Errno.EISDIR);
    }

    @ParameterizedTest
    @EnumSource(Io.class)
    void aPathThroughAFileFailsWithEnotdir(Io io) throws Exception {
        file("/sys/bus/ap/apmask", "0x0\n");

        assertThat(errnoOf(() -> sysfs(io).read("/sys/bus/ap/apmask/online"))).isEqualTo(Errno.ENOTDIR);
    }

    /** Read-only sysfs attributes refuse a writer with EACCES even for root (kernfs checks the mode). */
    @ParameterizedTest
    @EnumSource(Io.class)
    void writingAReadOnlyKernelAttributeFailsWithEacces(Io io) {
        String attr = "/sys/kernel/address_bits";
        assumeTrue(Files.isRegularFile(Path.of(attr)), "no sysfs here");

        SysfsException e = catchThrowableOfType(() -> sysfs(Path.of("/"), io).write(attr, "1\n"), SysfsException.class);

        assumeTrue(e.errno() != Errno.EROFS, "sysfs is mounted read-only here");
        assertThat(e.errno()).isEqualTo(Errno.EACCES);
        assertThat(e).hasMessageContaining("read-only or write-only");
    }

    @ParameterizedTest
    @EnumSource(Io.class)
    void readingAWriteOnlyKernelAttributeFailsWithEacces(Io io) {
        String attr = "/sys/bus/platform/drivers_probe";
        assumeTrue(Files.exists(Path.of(attr)), "no platform bus here");

        assertThat(errnoOf(() -> sysfs(Path.of("/"), io).read(attr))).isEqualTo(Errno.EACCES);
    }

    /** The errno of a store handler arrives from write(), after open() succeeded. */
    @ParameterizedTest
    @EnumSource(Io.class)
    void aKernelStoreHandlersRefusalArrivesAsItsErrno(Io io) {
        String attr = "/sys/bus/platform/drivers_probe";
        assumeTrue(Files.exists(Path.of(attr)), "no platform bus here");

        SysfsException e = catchThrowableOfType(
                () -> sysfs(Path.of("/"), io).write(attr, "apqn-operator-no-such-device\n"), SysfsException.class);

        assumeTrue(e.errno() != Errno.EROFS, "sysfs is mounted read-only here");
        assertThat(e.errno()).isEqualTo(Errno.ENODEV);
        assertThat(e).hasMessageContaining("No such device");
    }

    /**
     * A thread's comm, like a sysfs attribute, takes each write() as a whole new value: written in
     * two pieces it would keep only the second. The single worker thread renames itself here.
     */
    @ParameterizedTest
    @EnumSource(Io.class)
    void aValueIsWrittenWithOneWriteCall(Io io) throws Exception {
        String comm = "/proc/thread-self/comm";
        assumeTrue(Files.exists(Path.of(comm)), "no /proc/thread-self here");
        FileSysfs proc = sysfs(Path.of("/"), io);
        String before = proc.read(comm);

        proc.write(comm, "apqn-one-write");

        assertThat(proc.read(comm)).isEqualTo("apqn-one-write\n");
        proc.write(comm, before.strip());
    }

    @ParameterizedTest
    @EnumSource(Io.class)
    void aReaderOfAFifoReceivesTheWholeValue(Io io) throws Exception {
        Path fifo = FileSysfsFifos.mkfifo(root.resolve("sys/bus/ap/aqmask"));
        String value = "0x" + "0123456789abcdef".repeat(4) + "\n";
        CompletableFuture<String> reader = CompletableFuture.supplyAsync(() -> FileSysfsFifos.readAll(fifo));

        sysfs(io).write("/sys/bus/ap/aqmask", value);

        assertThat(reader.get(30, TimeUnit.SECONDS)).isEqualTo(value);
    }

    @Test
    void listsEntriesSortedIncludingLinksAndDirectories() throws Exception {
        file("/sys/bus/ap/drivers/vfio_ap/bind", "");
        Files.createDirectories(root.resolve("sys/devices/ap/card05/05.0004"));
        Files.createSymbolicLink(root.resolve("sys/bus/ap/drivers/vfio_ap/05.0004"),
                Path.of("../../../../devices/ap/card05/05.0004"));
        Files.createDirectories(root.resolve("sys/bus/ap/drivers/vfio_ap/module"));

        assertThat(sysfs(Io.LIBC).list("/sys/bus/ap/drivers/vfio_ap")).containsExactly("05.0004", "bind", "module");
    }

    @Test
    void listingAMissingDirectoryOrAFileFails() throws Exception {
        file("/sys/bus/ap/apmask", "0x0\n");

        assertThat(errnoOf(() -> sysfs(Io.JAVA).list("/sys/bus/ap/drivers"))).isEqualTo(Errno.ENOENT);
        assertThat(errnoOf(() -> sysfs(Io.JAVA).list("/sys/bus/ap/apmask"))).isEqualTo(Errno.ENOTDIR);
    }

    @Test
    void existsSeesFilesDirectoriesAndLinks() throws Exception {
        file("/sys/bus/ap/apmask", "0x0\n");
        Files.createSymbolicLink(root.resolve("sys/bus/ap/gone"), Path.of("nowhere"));
        FileSysfs sysfs = sysfs(Io.JAVA);

        assertThat(sysfs.exists("/sys/bus/ap/apmask")).isTrue();
        assertThat(sysfs.exists("/sys/bus/ap")).isTrue();
        assertThat(sysfs.exists("/sys/bus/ap/gone")).isTrue();
        assertThat(sysfs.exists("/sys/bus/ap/aqmask")).isFalse();
    }

    @Test
    void readLinkGivesTheTargetAsWrittenOrEmpty() throws Exception {
        Path queue = root.resolve("sys/devices/ap/card05/05.0004");
        Files.createDirectories(queue);
        Files.createSymbolicLink(queue.resolve("driver"), Path.of("../../../../bus/ap/drivers/vfio_ap"));
        file("/sys/devices/ap/card05/05.0004/online", "1\n");
        Files.createDirectories(root.resolve("sys/devices/ap/card05/05.0005"));
        FileSysfs sysfs = sysfs(Io.JAVA);

        assertThat(sysfs.readLink("/sys/devices/ap/card05/05.0004/driver")).contains("../../../../bus/ap/drivers/vfio_ap");
        assertThat(sysfs.readLink("/sys/devices/ap/card05/05.0004/online")).isEmpty();
        assertThat(sysfs.readLink("/sys/devices/ap/card05/05.0005/driver")).as("unbound queue").isEmpty();
        assertThat(errnoOf(() -> sysfs.readLink("/sys/devices/ap/card06/06.0004/driver"))).isEqualTo(Errno.ENOENT);
    }

    @Test
    void pathsMustBeAbsoluteAndStayBelowTheRoot() {
        FileSysfs sysfs = sysfs(Io.JAVA);

        assertThatThrownBy(() -> sysfs.read("sys/bus/ap/apmask")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> sysfs.read("/sys/../../etc/passwd")).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * The agent's pod mounts the host's sysfs at /host/sys and the simkernel's mount holds sysfs at
     * its root: paths keep the /sys every caller writes, and land below the mount without it.
     */
    @Test
    void atASysfsMountPathsBelowSysLandBelowTheMount() throws Exception {
        Path mount = root.resolve("host-sys");
        Files.createDirectories(mount.resolve("bus/ap"));
        Files.writeString(mount.resolve("bus/ap/apmask"), "0xff00\n");
        try (FileSysfs sysfs = FileSysfs.atSysfsMount(mount)) {
            assertThat(sysfs.read("/sys/bus/ap/apmask")).isEqualTo("0xff00\n");
            assertThat(sysfs.list("/sys")).containsExactly("bus");
            sysfs.write("/sys/bus/ap/apmask", "0xf000");
            assertThat(Files.readString(mount.resolve("bus/ap/apmask"))).startsWith("0xf000");
            assertThat(sysfs.exists("/sys/sys/bus/ap/apmask")).isFalse();
            assertThatThrownBy(() -> sysfs.read("/proc/sys/kernel/random/boot_id"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not below /sys");
            assertThatThrownBy(() -> sysfs.read("/sys/../etc/passwd")).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void usesTheNativeErrnoWhereJnaLoads() {
        assumeTrue(Libc.instance().isPresent());
        try (FileSysfs sysfs = new FileSysfs(root)) {
            assertThat(sysfs.nativeErrno()).isTrue();
        }
    }

    interface Call {
        void run() throws SysfsException;
    }

    static Errno errnoOf(Call call) {
        SysfsException e = catchThrowableOfType(call::run, SysfsException.class);
        assertThat(e).as("expected a SysfsException").isNotNull();
        return e.errno();
    }
}
