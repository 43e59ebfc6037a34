package dev.apqn.apbus;

import dev.apqn.ap.Errno;
import dev.apqn.apbus.SysfsException.Operation;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * Runs sysfs calls on daemon worker threads so that a caller can give up on one: a real card can
 * hang a read, and an mdev {@code remove} blocks while QEMU holds the device (ap-bus.md §10.1).
 *
 * <p>A call that outlives its timeout is abandoned, not interrupted: a thread blocked in the kernel
 * cannot be interrupted anyway, and the call may still complete. Its worker is replaced so that the
 * pool keeps its capacity, but at most {@code maxStuck} times: while that many calls are stuck, new
 * calls are refused at once with an error naming the stuck ones, rather than piling more threads
 * onto a wedged device. A stuck call that finally returns gives its slot back.
 */
public final class SysfsCallPool implements AutoCloseable {

    public static final int DEFAULT_THREADS = 4;
    public static final int DEFAULT_MAX_STUCK = 8;

    /** The work of one sysfs call; runs on a worker thread. */
    @FunctionalInterface
    public interface Body<T> {
        T run() throws SysfsException;
    }

    private final int threads;
    private final int maxStuck;
    private final ThreadPoolExecutor executor;
    private final Set<Call<?>> stuck = new LinkedHashSet<>(); // guarded by this

    public SysfsCallPool() {
        this(DEFAULT_THREADS, DEFAULT_MAX_STUCK);
    }

    /**
     * @param threads  workers for calls that behave
     * @param maxStuck how many abandoned calls may be stuck at once (each gets a replacement thread)
     */
    public SysfsCallPool(int threads, int maxStuck) {
        if (threads < 1 || maxStuck < 1) {
            throw new IllegalArgumentException("need at least one thread and one stuck slot, got " + threads + " and " + maxStuck);
        }
        this.threads = threads;
        this.maxStuck = maxStuck;
        AtomicInteger names = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            // Daemon: a thread stuck in the kernel must not keep the JVM from exiting.
            Thread t = new Thread(r, "sysfs-call-" + names.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Runs {@code body} on a worker and waits at most {@code timeout} for it.
     *
     * @throws SysfsTimeoutException      the call started but did not return in time; for a write the
     *                                    outcome is unknown
     * @throws SysfsCallRefusedException  the call was never made (too many stuck calls, no free worker
     *                                    in time, or the pool is closed)
     */
    public <T> T call(Operation op, String path, String value, Duration timeout, Body<T> body) throws SysfsException {
        Call<T> call = new Call<>(op, path, value, body);
        synchronized (this) {
            if (stuck.size() >= maxStuck) {
                throw refused(call, stuck.size() + " earlier sysfs calls are stuck in the kernel and have not returned ("
                        + stuck.stream().map(Call::describe).collect(Collectors.joining("; "))
                        + "); no new call is started until one of them returns: the device or a guest may be hung");
            }
        }
        try {
            executor.execute(call);
        } catch (RejectedExecutionException e) {
            throw refused(call, "the sysfs call pool is closed");
        }
        try {
            if (call.done.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                return call.outcome();
            }
            return giveUp(call, timeout, false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return giveUp(call, timeout, true);
        }
    }

    /** How many abandoned calls have not returned yet. */
    public synchronized int stuckCalls() {
        return stuck.size();
    }

    /** Stops the workers; threads stuck in the kernel stay until the kernel lets them go. */
    @Override
    public void close() {
        executor.shutdownNow();
    }

    private <T> T giveUp(Call<T> call, Duration timeout, boolean interrupted) throws SysfsException {
        synchronized (this) {
            if (call.state.compareAndSet(Call.NEW, Call.SKIPPED)) {
                executor.remove(call);
                throw refused(call, interrupted
                        ? "the agent was interrupted before a worker was free; the call was not made"
                        : "all " + threads + " sysfs workers stayed busy for " + timeout.toMillis() + " ms; the call was not made");
            }
            if (call.state.compareAndSet(Call.RUNNING, Call.ABANDONED)) {
                stuck.add(call);
                resize();
                if (interrupted) {
                    throw new SysfsException(Errno.EINTR, call.op, call.path, call.value, null);
                }
                throw new SysfsTimeoutException(call.op, call.path, call.value, timeout);
            }
        }
        return call.outcome(); // it finished just as we gave up: its result stands
    }

    private synchronized void returned(Call<?> call) {
        if (!call.state.compareAndSet(Call.RUNNING, Call.DONE)) {
            stuck.remove(call); // it had been abandoned; its replacement thread can go
            resize();
        }
    }

    /** One replacement thread per stuck call (up to maxStuck), so healthy capacity stays {@code threads}. */
    private void resize() {
        int size = threads + Math.min(stuck.size(), maxStuck);
        if (size > executor.getMaximumPoolSize()) {
            executor.setMaximumPoolSize(size);
            executor.setCorePoolSize(size);
        } else {
            executor.setCorePoolSize(size);
            executor.setMaximumPoolSize(size);
        }
    }

    private static SysfsCallRefusedException refused(Call<?> call, String why) {
        return new SysfsCallRefusedException(call.op, call.path, call.value, why);
    }

    /** One submitted call: its state decides, exactly once, whether it ran, was skipped or was abandoned. */
    private final class Call<T> implements Runnable {
        static final int NEW = 0;
        static final int RUNNING = 1;
        static final int DONE = 2;
        static final int ABANDONED = 3;
        static final int SKIPPED = 4;

        final Operation op;
        final String path;
        final String value;
        final Body<T> body;
        final AtomicInteger state = new AtomicInteger(NEW);
        final CountDownLatch done = new CountDownLatch(1);
        volatile long startedNanos;
        volatile T result;
        volatile Throwable failure;

        Call(Operation op, String path, String value, Body<T> body) {
            this.op = op;
            this.path = path;
            this.value = value;
            this.body = body;
        }

        @Override
        public void run() {
            if (!state.compareAndSet(NEW, RUNNING)) {
                return; // the caller gave up before a worker was free
            }
            startedNanos = System.nanoTime();
            try {
                result = body.run();
            } catch (Throwable t) {
                failure = t;
            } finally {
                returned(this);
                done.countDown();
            }
        }

        T outcome() throws SysfsException {
            Throwable t = failure;
            if (t == null) {
                return result;
            }
            if (t instanceof SysfsException e) {
                throw e;
            }
            if (t instanceof RuntimeException e) {
                throw e;
            }
            if (t instanceof Error e) {
                throw e;
            }
            throw new IllegalStateException(t);
        }

        String describe() {
            String what = switch (op) {
                case WRITE -> "writing to " + path;
                case READ -> "reading " + path;
                case LIST -> "listing " + path;
                case READLINK -> "resolving " + path;
                case EXISTS -> "looking up " + path;
            };
            return what + " for " + Duration.ofNanos(System.nanoTime() - startedNanos).toSeconds() + " s";
        }
    }
}
