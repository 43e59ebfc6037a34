package dev.apqn.apbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.apqn.ap.Errno;
import dev.apqn.apbus.SysfsException.Operation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hung sysfs calls, played by FIFOs: opening one for reading blocks until a writer comes, and for
 * writing until a reader comes, like a card that never answers.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SysfsCallPoolTest {

    private static final Duration SHORT = Duration.ofMillis(500);

    @TempDir
    Path root;

    private final SysfsCallPool pool = new SysfsCallPool(1, 2);
    private FileSysfs sysfs;

    @BeforeEach
    void tree() throws Exception {
        sysfs = new FileSysfs(root, FileSysfsTimeouts.fixed(SHORT), pool);
        Files.createDirectories(root.resolve("sys/bus/ap"));
        Files.writeString(root.resolve("sys/bus/ap/ap_max_domain_id"), "15\n");
    }

    @AfterEach
    void closePool() {
        pool.close();
    }

    @Test
    void aHungReadTimesOutAndLaterCallsStillWork() throws Exception {
        Path hung = FileSysfsFifos.mkfifo(root.resolve("sys/devices/ap/card05/05.0004/online"));

        SysfsTimeoutException e = catchThrowableOfType(
                () -> sysfs.read("/sys/devices/ap/card05/05.0004/online"), SysfsTimeoutException.class);

        assertThat(e.errno()).isEqualTo(Errno.ETIMEDOUT);
        assertThat(e.outcomeUnknown()).isFalse();
        assertThat(e.timeout()).isEqualTo(SHORT);
        assertThat(pool.stuckCalls()).isEqualTo(1);
        // The only worker is stuck; its replacement serves the next call.
        assertThat(sysfs.read("/sys/bus/ap/ap_max_domain_id")).isEqualTo("15\n");

        Files.writeString(hung, "1\n"); // the card answers at last
        await().until(() -> pool.stuckCalls() == 0);
        assertThat(sysfs.read("/sys/bus/ap/ap_max_domain_id")).isEqualTo("15\n");
    }

    @Test
    void aWriteThatTimesOutMayStillTakeEffect() throws Exception {
        Path remove = FileSysfsFifos.mkfifo(root.resolve("sys/devices/vfio_ap/matrix/u1/remove"));

        SysfsTimeoutException e = catchThrowableOfType(
                () -> sysfs.write("/sys/devices/vfio_ap/matrix/u1/remove", "1\n"), SysfsTimeoutException.class);

        assertThat(e.outcomeUnknown()).isTrue();
        assertThat(e).hasMessageContaining("re-read the state");
        // The abandoned call goes on: once the other side reads, the value arrives after all.
        assertThat(FileSysfsFifos.readAll(remove)).isEqualTo("1\n");
        await().until(() -> pool.stuckCalls() == 0);
    }

    @Test
    void tooManyStuckCallsAreRefusedNamingThemUntilOneReturns() throws Exception {
        Path first = FileSysfsFifos.mkfifo(root.resolve("sys/devices/ap/card05/05.0004/online"));
        FileSysfsFifos.mkfifo(root.resolve("sys/devices/ap/card06/06.0004/online"));
        catchThrowableOfType(() -> sysfs.read("/sys/devices/ap/card05/05.0004/online"), SysfsTimeoutException.class);
        catchThrowableOfType(() -> sysfs.read("/sys/devices/ap/card06/06.0004/online"), SysfsTimeoutException.class);

        SysfsCallRefusedException refused = catchThrowableOfType(
                () -> sysfs.read("/sys/bus/ap/ap_max_domain_id"), SysfsCallRefusedException.class);

        assertThat(refused.errno()).isEqualTo(Errno.EAGAIN);
        assertThat(refused).hasMessageContaining("2 earlier sysfs calls are stuck")
                .hasMessageContaining("/sys/devices/ap/card05/05.0004/online")
                .hasMessageContaining("/sys/devices/ap/card06/06.0004/online");

        Files.writeString(first, "1\n");
        await().until(() -> pool.stuckCalls() == 1);
        assertThat(sysfs.read("/sys/bus/ap/ap_max_domain_id")).isEqualTo("15\n");
        Files.writeString(root.resolve("sys/devices/ap/card06/06.0004/online"), "1\n");
        await().until(() -> pool.stuckCalls() == 0);
    }

    @Test
    void aCallThatFindsNoFreeWorkerInTimeIsNeverMade() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<String> removal = CompletableFuture.supplyAsync(() -> call(Operation.WRITE, Duration.ofSeconds(30), () -> {
            started.countDown();
            awaitQuietly(release);
            return "removed";
        }));
        started.await();
        AtomicBoolean made = new AtomicBoolean();

        SysfsCallRefusedException refused = catchThrowableOfType(
                () -> pool.call(Operation.WRITE, "/sys/bus/ap/apmask", "0x00\n", SHORT, () -> made.getAndSet(true)),
                SysfsCallRefusedException.class);

        assertThat(refused).hasMessageContaining("the call was not made");
        assertThat(pool.stuckCalls()).as("a call that never started is not stuck").isZero();
        release.countDown();
        assertThat(removal.get(30, TimeUnit.SECONDS)).isEqualTo("removed");
        assertThat(pool.call(Operation.READ, "/sys/bus/ap/apmask", null, SHORT, () -> "after")).isEqualTo("after");
        assertThat(made).as("the refused call never ran").isFalse();
    }

    @Test
    void aFailureInsideTheCallReachesTheCaller() {
        SysfsException busy = new SysfsException(Errno.EBUSY, Operation.WRITE, "/sys/bus/ap/apmask", "0xff\n");

        SysfsException e = catchThrowableOfType(
                () -> pool.call(Operation.WRITE, "/sys/bus/ap/apmask", "0xff\n", SHORT, () -> {
                    throw busy;
                }), SysfsException.class);

        assertThat(e).isSameAs(busy);
    }

    private String call(Operation op, Duration timeout, SysfsCallPool.Body<String> body) {
        try {
            return pool.call(op, "/sys/devices/vfio_ap/matrix/u1/remove", "1\n", timeout, body);
        } catch (SysfsException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
