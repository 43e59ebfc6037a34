package dev.apqn.apbus.sim;

import dev.apqn.ap.Errno;
import dev.apqn.apbus.SysfsException;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Fault injection for {@link SimSysfs}: explicit, per path, one-shot or until released. Paths are
 * matched against both the path the caller used and its canonical (symlink-free) form, so
 * {@code /sys/bus/ap/devices/05.0004/online} and {@code /sys/devices/ap/card05/05.0004/online}
 * are the same file.
 *
 * <ul>
 *   <li>{@link #failNextWrite}/{@link #failNextRead}: the next call(s) fail with the given errno and
 *       change nothing.</li>
 *   <li>{@link #hangReads}: reads of the path block until {@link Hang#release()}; a caller whose
 *       {@link SimSysfs} timeout expires first gets a {@code SysfsTimeoutException}.</li>
 *   <li>{@link #hangWrites}: writes block until released. If the caller's timeout expires first it
 *       gets a {@code SysfsTimeoutException}, but the write is <em>not</em> lost: it lands (is applied
 *       to the kernel) when {@link Hang#release()} is called — a write that takes effect after its
 *       caller gave up.</li>
 * </ul>
 * Thread-safe.
 */
public final class SimFaults {

    private final Map<String, Deque<Errno>> writeFailures = new HashMap<>();
    private final Map<String, Deque<Errno>> readFailures = new HashMap<>();
    private final Map<String, Hang> readHangs = new HashMap<>();
    private final Map<String, Hang> writeHangs = new HashMap<>();

    /** The next write to {@code path} fails with {@code errno} (and has no effect). */
    public synchronized void failNextWrite(String path, Errno errno) {
        failWrites(path, errno, 1);
    }

    /** The next {@code times} writes to {@code path} fail with {@code errno}. */
    public synchronized void failWrites(String path, Errno errno, int times) {
        Deque<Errno> q = writeFailures.computeIfAbsent(norm(path), p -> new ArrayDeque<>());
        for (int i = 0; i < times; i++) {
            q.add(errno);
        }
    }

    /** The next read of {@code path} fails with {@code errno}. */
    public synchronized void failNextRead(String path, Errno errno) {
        readFailures.computeIfAbsent(norm(path), p -> new ArrayDeque<>()).add(errno);
    }

    /** Reads of {@code path} hang until the returned handle is released (never, if nobody does). */
    public synchronized Hang hangReads(String path) {
        Hang h = new Hang(norm(path));
        readHangs.put(h.path, h);
        return h;
    }

    /** Writes to {@code path} hang until released; writes whose callers timed out land at release. */
    public synchronized Hang hangWrites(String path) {
        Hang h = new Hang(norm(path));
        writeHangs.put(h.path, h);
        return h;
    }

    /** Removes every pending failure and releases every hang. */
    public void clear() {
        List<Hang> hangs;
        synchronized (this) {
            writeFailures.clear();
            readFailures.clear();
            hangs = new ArrayList<>(readHangs.values());
            hangs.addAll(writeHangs.values());
        }
        hangs.forEach(Hang::release);
    }

    /** True if no fault of any kind is armed (lets SimSysfs skip the extra path resolution). */
    synchronized boolean isEmpty() {
        return writeFailures.values().stream().allMatch(Deque::isEmpty) && readFailures.values().stream().allMatch(Deque::isEmpty)
                && readHangs.values().stream().allMatch(Hang::released) && writeHangs.values().stream().allMatch(Hang::released);
    }

    synchronized Errno takeWriteFailure(String path, String canonical) {
        return take(writeFailures, path, canonical);
    }

    synchronized Errno takeReadFailure(String path, String canonical) {
        return take(readFailures, path, canonical);
    }

    synchronized Hang readHang(String path, String canonical) {
        return active(readHangs, path, canonical);
    }

    synchronized Hang writeHang(String path, String canonical) {
        return active(writeHangs, path, canonical);
    }

    private static Errno take(Map<String, Deque<Errno>> map, String path, String canonical) {
        for (String p : new String[] {norm(path), canonical}) {
            Deque<Errno> q = p == null ? null : map.get(p);
            if (q != null && !q.isEmpty()) {
                return q.poll();
            }
        }
        return null;
    }

    private static Hang active(Map<String, Hang> map, String path, String canonical) {
        for (String p : new String[] {norm(path), canonical}) {
            Hang h = p == null ? null : map.get(p);
            if (h != null && !h.released()) {
                return h;
            }
        }
        return null;
    }

    static String norm(String path) {
        if (path == null) {
            return null;
        }
        String p = path.replaceAll("/+", "/");
        return p.length() > 1 && p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
    }

    /** A write that landed at {@link Hang#release()}; {@code error} is null if the kernel accepted it. */
    public record LandedWrite(String path, String value, SysfsException error) {
    }

    /** A hang on one path. */
    public static final class Hang {
        private final String path;
        private final CountDownLatch latch = new CountDownLatch(1);
        private final List<Runnable> deferred = new ArrayList<>();
        private final List<LandedWrite> landed = new ArrayList<>();
        private int blockedCalls;

        private Hang(String path) {
            this.path = path;
        }

        public String path() {
            return path;
        }

        /**
         * Lifts the hang: waiting callers proceed, and writes whose callers timed out are applied now,
         * in the order they were made. Returns their outcomes.
         */
        public List<LandedWrite> release() {
            List<Runnable> toRun;
            synchronized (this) {
                if (latch.getCount() == 0) {
                    return List.of();
                }
                latch.countDown();
                toRun = new ArrayList<>(deferred);
                deferred.clear();
            }
            toRun.forEach(Runnable::run);
            synchronized (this) {
                return List.copyOf(landed);
            }
        }

        public boolean released() {
            return latch.getCount() == 0;
        }

        /** How many calls blocked on this hang so far. */
        public synchronized int blockedCalls() {
            return blockedCalls;
        }

        /** Writes that landed at release, with their outcomes. */
        public synchronized List<LandedWrite> landed() {
            return List.copyOf(landed);
        }

        synchronized void countBlocked() {
            blockedCalls++;
        }

        boolean await(java.time.Duration timeout) throws InterruptedException {
            if (timeout == null) {
                latch.await();
                return true;
            }
            return latch.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
        }

        /** Defers a write after its caller timed out; false if the hang was released meanwhile. */
        synchronized boolean defer(Runnable write) {
            if (released()) {
                return false;
            }
            deferred.add(write);
            return true;
        }

        synchronized void recordLanded(LandedWrite w) {
            landed.add(w);
        }
    }
}
