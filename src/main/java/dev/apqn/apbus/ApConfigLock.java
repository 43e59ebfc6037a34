package dev.apqn.apbus;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * The host-wide AP configuration lock that s390-tools take around AP changes (chzdev, and the
 * ap-check callout for mdevctl): the file {@code /run/lock/s390apconfig.lock} naming its holder's
 * PID. The protocol follows s390-tools {@code libutil/util_lockfile.c}, which {@code libap}'s
 * {@code ap_get_lock()} uses:
 * <ul>
 * <li>acquire: write {@code "<pid>\n"} to a unique temporary file beside the lock, then {@code link()}
 *     it to the lock path; the link is atomic and fails with EEXIST while the lock is held. The
 *     temporary file is removed either way.</li>
 * <li>held: read the PID in the lock. If that process is gone the lock is stale: remove it and retry
 *     at once. A lock without a PID is taken to be still being written unless it is older than 120 s.</li>
 * <li>otherwise wait about 30 ms, with jitter, and retry until {@code maxWait} has passed. libap retries
 *     far longer; the agent gives up after a few seconds and tries again on its next reconcile.</li>
 * <li>release: remove the lock only if it still names our PID.</li>
 * </ul>
 *
 * <p>The PID must mean the same to the other tools, so the agent runs in the host's PID namespace
 * ({@code hostPID}); otherwise their PIDs look dead to us and their locks stale. A lock naming our
 * own PID that this JVM does not hold is stale too: it was left by an earlier incarnation that had
 * the same PID (PID 1 in a restarted container, say).
 *
 * <p>Threads of one JVM share a PID, so the file cannot tell them apart. Each lock path therefore
 * also has a JVM-wide {@link ReentrantLock}, taken first and within the same {@code maxWait}: other
 * threads wait for it, the holding thread may acquire again (nested), and only the outermost release
 * removes the file. Release on the thread that acquired: {@code try (var held = lock.acquire()) {...}}.
 * Like libap, taking over a stale lock has a small window in which two takers can both succeed; we
 * narrow it by removing the stale file only if it is still the same file with the same content.
 */
public final class ApConfigLock {

    public static final String DEFAULT_PATH = "/run/lock/s390apconfig.lock";
    public static final Duration DEFAULT_MAX_WAIT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_RETRY_INTERVAL = Duration.ofMillis(30);
    /** util_lockfile.c WAITPID: how long a lock may exist without a PID before it counts as stale. */
    static final Duration UNWRITTEN_PID_GRACE = Duration.ofSeconds(120);

    /** Immediate retries after a release or a stale removal before waiting again (bounds a busy loop). */
    private static final int QUICK_RETRIES = 10;

    private static final Logger LOG = Logger.getLogger(ApConfigLock.class);
    private static final Pattern LEADING_PID = Pattern.compile("^\\s*(\\d{1,18})");
    private static final ConcurrentMap<Path, ReentrantLock> IN_JVM = new ConcurrentHashMap<>();

    private final Path file;
    private final Duration maxWait;
    private final Duration retryInterval;
    private final long pid = ProcessHandle.current().pid();
    private final ReentrantLock inJvm;

    /** The lock at its standard place below {@code root} ({@code /} on a node), with default waits. */
    public static ApConfigLock under(Path root) {
        return new ApConfigLock(root.resolve(DEFAULT_PATH.substring(1)), DEFAULT_MAX_WAIT, DEFAULT_RETRY_INTERVAL);
    }

    public ApConfigLock(Path file, Duration maxWait, Duration retryInterval) {
        this.file = file.toAbsolutePath().normalize();
        this.maxWait = Objects.requireNonNull(maxWait);
        this.retryInterval = Objects.requireNonNull(retryInterval);
        this.inJvm = IN_JVM.computeIfAbsent(this.file, f -> new ReentrantLock());
    }

    public Path file() {
        return file;
    }

    /**
     * Takes the lock, waiting at most {@code maxWait}.
     *
     * @throws ApConfigLockException naming the holder's PID when the wait ran out, or carrying the
     *                               I/O error (for example a missing {@code /run/lock})
     */
    public Held acquire() throws ApConfigLockException {
        long deadline = System.nanoTime() + maxWait.toNanos();
        try {
            if (!inJvm.tryLock(maxWait.toNanos(), TimeUnit.NANOSECONDS)) {
                throw new ApConfigLockException(file, OptionalLong.of(pid), "cannot take the AP configuration lock " + file
                        + " within " + maxWait.toMillis() + " ms: another thread of this process (PID " + pid + ") holds it", null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApConfigLockException(file, OptionalLong.empty(), "interrupted while waiting for " + file, e);
        }
        if (inJvm.getHoldCount() > 1) {
            return new Held(); // nested on this thread: the file is already ours
        }
        try {
            takeFile(deadline);
            return new Held();
        } catch (ApConfigLockException | RuntimeException | Error e) {
            inJvm.unlock();
            throw e;
        }
    }

    private void takeFile(long deadline) throws ApConfigLockException {
        Path temp = file.resolveSibling(file.getFileName() + "." + pid + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        try {
            // Not creating /run/lock on purpose: in a container that would be a private lock nobody else sees.
            Files.write(temp, (pid + "\n").getBytes(StandardCharsets.US_ASCII), StandardOpenOption.CREATE_NEW);
            int quickRetries = 0;
            while (true) {
                try {
                    Files.createLink(file, temp);
                    return;
                } catch (FileAlreadyExistsException held) {
                    // EEXIST: someone holds it; see who
                }
                LockFile holder = LockFile.read(file);
                if ((holder == null || isStale(holder)) && quickRetries++ < QUICK_RETRIES) {
                    if (holder != null) {
                        removeIfUnchanged(holder);
                    }
                    continue; // released meanwhile, or stale and removed: retry at once
                }
                if (System.nanoTime() - deadline >= 0) {
                    throw timedOut(holder);
                }
                quickRetries = 0;
                sleepBeforeRetry(deadline);
            }
        } catch (ApConfigLockException e) {
            throw e;
        } catch (IOException e) {
            throw new ApConfigLockException(file, OptionalLong.empty(), "cannot take the AP configuration lock " + file + ": " + e, e);
        } finally {
            deleteQuietly(temp);
        }
    }

    private boolean isStale(LockFile holder) {
        if (holder.pid().isEmpty()) {
            return holder.modified().plus(UNWRITTEN_PID_GRACE).isBefore(Instant.now());
        }
        long holderPid = holder.pid().getAsLong();
        // Our own PID here means an earlier incarnation: this JVM holds the in-JVM lock and has not linked yet.
        return holderPid == pid || ProcessHandle.of(holderPid).map(p -> !p.isAlive()).orElse(true);
    }

    private void removeIfUnchanged(LockFile stale) throws IOException {
        LockFile now = LockFile.read(file);
        if (now != null && now.sameAs(stale)) {
            Files.deleteIfExists(file);
            LOG.infof("Removed the stale AP configuration lock %s of %s, which is no longer running", file,
                    stale.pid().isPresent() ? "PID " + stale.pid().getAsLong() : "a process that never wrote its PID");
        }
    }

    private void sleepBeforeRetry(long deadline) throws ApConfigLockException {
        long jitter = ThreadLocalRandom.current().nextLong(retryInterval.toNanos() / 10 + 1);
        long nanos = Math.min(retryInterval.toNanos() + jitter, Math.max(0, deadline - System.nanoTime()));
        try {
            TimeUnit.NANOSECONDS.sleep(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApConfigLockException(file, OptionalLong.empty(), "interrupted while waiting for " + file, e);
        }
    }

    private ApConfigLockException timedOut(LockFile holder) {
        OptionalLong holderPid = holder == null ? OptionalLong.empty() : holder.pid();
        String who = holderPid.isEmpty() ? "a process that has not written its PID yet"
                : "PID " + holderPid.getAsLong() + ProcessHandle.of(holderPid.getAsLong())
                        .flatMap(p -> p.info().command()).map(c -> " (" + c + ")").orElse("");
        return new ApConfigLockException(file, holderPid, "cannot take the AP configuration lock " + file + " within "
                + maxWait.toMillis() + " ms: it is held by " + who
                + "; another AP configuration tool (chzdev, mdevctl/ap-check) is at work", null);
    }

    private void releaseFile() {
        try {
            LockFile now = LockFile.read(file);
            if (now != null && now.pid().isPresent() && now.pid().getAsLong() == pid) {
                Files.deleteIfExists(file);
            } else {
                LOG.warnf("The AP configuration lock %s no longer names this process (PID %d) but %s; leaving it alone",
                        file, pid, now == null ? "is gone" : "holds \"" + now.content().strip() + "\"");
            }
        } catch (IOException e) {
            LOG.warnf(e, "Could not release the AP configuration lock %s", file);
        }
    }

    private static void deleteQuietly(Path temp) {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException e) {
            LOG.debugf(e, "Could not remove the temporary lock file %s", temp);
        }
    }

    /** A held lock; {@link #close()} releases it (on the acquiring thread), once. */
    public final class Held implements AutoCloseable {
        private boolean released;

        private Held() {
        }

        @Override
        public void close() {
            if (released) {
                return;
            }
            if (!inJvm.isHeldByCurrentThread()) {
                throw new IllegalStateException("release the AP configuration lock on the thread that acquired it");
            }
            released = true;
            try {
                if (inJvm.getHoldCount() == 1) {
                    releaseFile();
                }
            } finally {
                inJvm.unlock();
            }
        }
    }

    /** What the lock file said when we looked: its identity (to notice replacement), age and PID. */
    private record LockFile(Object key, Instant modified, String content, OptionalLong pid) {

        /** The lock file, or null if it vanished meanwhile. */
        static LockFile read(Path file) throws IOException {
            try {
                BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                String content = new String(Files.readAllBytes(file), StandardCharsets.US_ASCII);
                Matcher m = LEADING_PID.matcher(content);
                // Like atoi() in util_lockfile.c: a leading number; 0 or none means "not written yet".
                long pid = m.find() ? Long.parseLong(m.group(1)) : 0;
                return new LockFile(attrs.fileKey(), attrs.lastModifiedTime().toInstant(), content,
                        pid > 0 ? OptionalLong.of(pid) : OptionalLong.empty());
            } catch (NoSuchFileException e) {
                return null;
            }
        }

        boolean sameAs(LockFile other) {
            return Objects.equals(key, other.key) && content.equals(other.content);
        }
    }
}
