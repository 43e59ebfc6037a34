package dev.apqn.apbus;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A {@link Sysfs} decorator that counts calls by kind, and writes per path, so that the cost of
 * an inventory or refresh can be shown ({@link SysfsApBus} wraps its Sysfs in one) and tests can
 * check that each value was written exactly once. Failed calls count too. Thread-safe.
 */
public final class CountingSysfs implements Sysfs {

    /** Call counts at one moment. {@link #readCalls()} is every call that is not a write. */
    public record Counts(long reads, long lists, long exists, long readLinks, long writes) {

        public long readCalls() {
            return reads + lists + exists + readLinks;
        }

        public Counts minus(Counts earlier) {
            return new Counts(reads - earlier.reads, lists - earlier.lists, exists - earlier.exists,
                    readLinks - earlier.readLinks, writes - earlier.writes);
        }
    }

    private final Sysfs delegate;
    private final AtomicLong reads = new AtomicLong();
    private final AtomicLong lists = new AtomicLong();
    private final AtomicLong exists = new AtomicLong();
    private final AtomicLong readLinks = new AtomicLong();
    private final AtomicLong writes = new AtomicLong();
    private final Map<String, LongAdder> writesPerPath = new ConcurrentHashMap<>();

    public CountingSysfs(Sysfs delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    public Sysfs delegate() {
        return delegate;
    }

    @Override
    public String read(String path) throws SysfsException {
        reads.incrementAndGet();
        return delegate.read(path);
    }

    @Override
    public void write(String path, String value) throws SysfsException {
        writes.incrementAndGet();
        writesPerPath.computeIfAbsent(path, p -> new LongAdder()).increment();
        delegate.write(path, value);
    }

    @Override
    public List<String> list(String path) throws SysfsException {
        lists.incrementAndGet();
        return delegate.list(path);
    }

    @Override
    public boolean exists(String path) throws SysfsException {
        exists.incrementAndGet();
        return delegate.exists(path);
    }

    @Override
    public Optional<String> readLink(String path) throws SysfsException {
        readLinks.incrementAndGet();
        return delegate.readLink(path);
    }

    public Counts counts() {
        return new Counts(reads.get(), lists.get(), exists.get(), readLinks.get(), writes.get());
    }

    /** How many write() calls went to this path (successful or not). */
    public long writesTo(String path) {
        LongAdder a = writesPerPath.get(path);
        return a == null ? 0 : a.sum();
    }

    /** Write counts per path, a copy. */
    public Map<String, Long> writesPerPath() {
        Map<String, Long> out = new java.util.TreeMap<>();
        writesPerPath.forEach((p, a) -> out.put(p, a.sum()));
        return out;
    }
}
