package dev.apqn.apbus;

import dev.apqn.ap.Apqn;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@link Sysfs} decorator that records the path of every read-side call ({@code read},
 * {@code list}, {@code exists}, {@code readLink}), so a test can say which objects an operation
 * looked at: which queue devices, which mdevs, which cards.
 */
public final class PathRecordingSysfs implements Sysfs {

    private static final Pattern QUEUE_DIR = Pattern.compile("^" + Pattern.quote(SysfsPaths.DEVICES) + "/card[0-9a-f]{2}/([0-9a-f]{2}\\.[0-9a-f]{4})(/.*)?$");
    private static final Pattern MDEV_DIR = Pattern.compile("^" + Pattern.quote(SysfsPaths.MATRIX) + "/([0-9a-f-]{36})(/.*)?$");
    private static final Pattern CARD_ATTR = Pattern.compile("^" + Pattern.quote(SysfsPaths.DEVICES) + "/card[0-9a-f]{2}/([a-z_]+)$");

    private final Sysfs delegate;
    private final List<String> reads = new ArrayList<>();

    public PathRecordingSysfs(Sysfs delegate) {
        this.delegate = delegate;
    }

    /** Forgets what was recorded so far. */
    public synchronized void clear() {
        reads.clear();
    }

    public synchronized List<String> reads() {
        return List.copyOf(reads);
    }

    /** The queue devices whose directory or attributes were read. */
    public synchronized SortedSet<Apqn> queuesRead() {
        SortedSet<Apqn> out = new TreeSet<>();
        for (String p : reads) {
            Matcher m = QUEUE_DIR.matcher(p);
            if (m.matches()) {
                out.add(Apqn.parse(m.group(1)));
            }
        }
        return out;
    }

    /** The mdevs whose directory or attributes were read. */
    public synchronized SortedSet<UUID> mdevsRead() {
        SortedSet<UUID> out = new TreeSet<>();
        for (String p : reads) {
            Matcher m = MDEV_DIR.matcher(p);
            if (m.matches()) {
                out.add(UUID.fromString(m.group(1)));
            }
        }
        return out;
    }

    /** The card attribute names read on any card (config, hwtype, ...). */
    public synchronized SortedSet<String> cardAttributesRead() {
        SortedSet<String> out = new TreeSet<>();
        for (String p : reads) {
            Matcher m = CARD_ATTR.matcher(p);
            if (m.matches()) {
                out.add(m.group(1));
            }
        }
        return out;
    }

    private synchronized void note(String path) {
        reads.add(path);
    }

    @Override
    public String read(String path) throws SysfsException {
        note(path);
        return delegate.read(path);
    }

    @Override
    public void write(String path, String value) throws SysfsException {
        delegate.write(path, value);
    }

    @Override
    public List<String> list(String path) throws SysfsException {
        note(path);
        return delegate.list(path);
    }

    @Override
    public boolean exists(String path) throws SysfsException {
        note(path);
        return delegate.exists(path);
    }

    @Override
    public Optional<String> readLink(String path) throws SysfsException {
        note(path);
        return delegate.readLink(path);
    }
}
