package dev.apqn.apbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The AP config lock against another process that follows the s390-tools protocol: a shell that
 * writes its PID to a temporary file and {@code ln}s it to the lock path (link() fails while held).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ApConfigLockTest {

    /** $1 = lock path, $2 = attempts. Prints waiting/acquired/gave-up; holds until a line arrives on stdin. */
    private static final String HOLDER = """
            lock="$1"; tmp="$lock.sh.$$"
            echo $$ > "$tmp"
            tries=0
            until ln "$tmp" "$lock" 2>/dev/null; do
              [ $tries -eq 0 ] && echo waiting
              tries=$((tries + 1))
              if [ $tries -ge "$2" ]; then rm -f "$tmp"; echo gave-up; exit 3; fi
              sleep 0.03
            done
            rm -f "$tmp"
            echo acquired
            read -r _
            [ "$(cat "$lock")" = "$$" ] && rm -f "$lock"
            echo released
            """;

    @TempDir
    Path root;

    private Path lockFile;
    private ApConfigLock lock;
    private final long ourPid = ProcessHandle.current().pid();
    private Holder holder;

    @BeforeEach
    void lockDir() throws IOException {
        Files.createDirectories(root.resolve("run/lock"));
        lock = ApConfigLock.under(root);
        lockFile = root.resolve("run/lock/s390apconfig.lock");
    }

    @AfterEach
    void stopHolder() {
        if (holder != null) {
            holder.process.destroyForcibly();
        }
    }

    @Test
    void excludesAnotherProcessAndWaitsForIt() throws Exception {
        try (var held = lock.acquire()) {
            assertThat(pidIn(lockFile)).isEqualTo(ourPid);
            holder = Holder.start(lockFile, 3000);
            assertThat(holder.nextLine()).as("the other process must wait").isEqualTo("waiting");
            assertThat(pidIn(lockFile)).isEqualTo(ourPid);
        }
        assertThat(holder.nextLine()).isEqualTo("acquired");
        assertThat(pidIn(lockFile)).isEqualTo(holder.pid());

        CompletableFuture<Long> ours = CompletableFuture.supplyAsync(this::pidWhileHolding);
        holder.release();
        assertThat(holder.nextLine()).isEqualTo("released");
        assertThat(ours.get(30, TimeUnit.SECONDS)).isEqualTo(ourPid);
        assertThat(lockFile).doesNotExist();
        assertThat(root.resolve("run/lock")).isEmptyDirectory();
    }

    @Test
    void givesUpAfterTheBoundedWaitNamingTheHolder() throws Exception {
        holder = Holder.start(lockFile, 3000);
        assertThat(holder.nextLine()).isEqualTo("acquired");
        ApConfigLock impatient = new ApConfigLock(lockFile, Duration.ofMillis(300), Duration.ofMillis(30));

        ApConfigLockException e = catchThrowableOfType(impatient::acquire, ApConfigLockException.class);

        assertThat(e.holderPid()).hasValue(holder.pid());
        assertThat(e).hasMessageContaining("held by PID " + holder.pid());
        assertThat(pidIn(lockFile)).as("the holder keeps its lock").isEqualTo(holder.pid());
        try (var entries = Files.list(root.resolve("run/lock"))) {
            assertThat(entries).as("no temporary file left behind").containsExactly(lockFile);
        }
    }

    @Test
    void takesOverTheLockOfAProcessThatDied() throws Exception {
        holder = Holder.start(lockFile, 3000);
        assertThat(holder.nextLine()).isEqualTo("acquired");
        long dead = holder.pid();
        holder.process.destroyForcibly().waitFor();
        assertThat(pidIn(lockFile)).as("a killed holder leaves its lock behind").isEqualTo(dead);

        try (var held = lock.acquire()) {
            assertThat(pidIn(lockFile)).isEqualTo(ourPid);
        }
        assertThat(lockFile).doesNotExist();
    }

    @Test
    void anotherProcessCannotGetTheLockWhileWeHoldIt() throws Exception {
        try (var held = lock.acquire()) {
            holder = Holder.start(lockFile, 5);
            assertThat(holder.nextLine()).isEqualTo("waiting");
            assertThat(holder.nextLine()).isEqualTo("gave-up");
        }
    }

    @Test
    void aLockLeftWithOurOwnPidByAnEarlierIncarnationIsStale() throws Exception {
        Files.writeString(lockFile, ourPid + "\n");

        try (var held = lock.acquire()) {
            assertThat(pidIn(lockFile)).isEqualTo(ourPid);
        }
        assertThat(lockFile).doesNotExist();
    }

    @Test
    void aFreshLockWithoutPidIsRespectedAsBeingWritten() throws Exception {
        Files.writeString(lockFile, "");
        ApConfigLock impatient = new ApConfigLock(lockFile, Duration.ofMillis(200), Duration.ofMillis(30));

        ApConfigLockException e = catchThrowableOfType(impatient::acquire, ApConfigLockException.class);

        assertThat(e.holderPid()).isEmpty();
        assertThat(e).hasMessageContaining("has not written its PID");
    }

    @Test
    void releaseLeavesALockThatNamesSomeoneElse() throws Exception {
        long other = ProcessHandle.current().parent().orElseThrow().pid();
        try (var held = lock.acquire()) {
            Files.writeString(lockFile, other + "\n"); // someone judged ours stale and took over
        }
        assertThat(pidIn(lockFile)).isEqualTo(other);
    }

    @Test
    void nestsOnOneThreadAndExcludesOtherThreads() throws Exception {
        ApConfigLock sameFile = new ApConfigLock(lockFile, Duration.ofMillis(200), Duration.ofMillis(30));
        try (var outer = lock.acquire()) {
            try (var inner = lock.acquire()) {
                assertThat(pidIn(lockFile)).isEqualTo(ourPid);
            }
            assertThat(lockFile).as("only the outermost release removes the file").exists();

            ApConfigLockException e = CompletableFuture.supplyAsync(
                    () -> catchThrowableOfType(sameFile::acquire, ApConfigLockException.class)).get(30, TimeUnit.SECONDS);
            assertThat(e).hasMessageContaining("another thread of this process");
        }
        assertThat(lockFile).doesNotExist();
        assertThat(CompletableFuture.supplyAsync(this::pidWhileHolding).get(30, TimeUnit.SECONDS)).isEqualTo(ourPid);
    }

    @Test
    void aMissingLockDirectoryIsAnErrorNotCreated() throws Exception {
        ApConfigLock elsewhere = ApConfigLock.under(root.resolve("no-such-root"));

        ApConfigLockException e = catchThrowableOfType(elsewhere::acquire, ApConfigLockException.class);

        assertThat(e).hasMessageContaining(elsewhere.file().toString());
        assertThat(root.resolve("no-such-root")).doesNotExist();
    }

    /** Takes the lock on the calling thread and reports the PID in the file while held. */
    private long pidWhileHolding() {
        try (var held = lock.acquire()) {
            return pidIn(lockFile);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long pidIn(Path lockFile) throws IOException {
        return Long.parseLong(Files.readString(lockFile).strip());
    }

    /** A shell process taking the lock the way s390-tools do. */
    private record Holder(Process process, BufferedReader out) {

        static Holder start(Path lockFile, int attempts) throws IOException {
            Process p = new ProcessBuilder("sh", "-c", HOLDER, "holder", lockFile.toString(), String.valueOf(attempts))
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            return new Holder(p, new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)));
        }

        long pid() {
            return process.pid();
        }

        String nextLine() throws IOException {
            return out.readLine();
        }

        void release() throws IOException {
            OutputStream in = process.getOutputStream();
            in.write('\n');
            in.flush();
        }
    }
}
