package dev.apqn.apbus.sim.fuse;

import dev.apqn.ap.Errno;
import dev.apqn.apbus.SysfsException;
import dev.apqn.apbus.sim.SimFaults;
import dev.apqn.apbus.sim.SimSysfs;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The simkernel's control files, where Linux keeps its own fault injection: under debugfs, at
 * {@code /sys/kernel/debug/apqn-sim/}. They let a test (or an admin trying the operator) drive the
 * simulated node from a shell on the node, with {@code echo} and {@code cat}:
 * <ul>
 *   <li>{@code writes} (0444): every sysfs write that came through the mount, oldest first, one per
 *       line: {@code <seq> <path> <value> <ok|ERRNO>} (the value with {@code \n} escaped); the last
 *       {@value #JOURNAL_LINES} are kept, the sequence number counts all of them;</li>
 *   <li>{@code hold_writes} (0644): writing a sysfs path holds every later write to that file until it
 *       is released; the writer blocks inside {@code write()} as in a slow store handler, and its write
 *       lands at release even if the writer was killed meanwhile. Reading lists the held paths with
 *       how many writes are waiting on each: {@code <path> blocked=<n>};</li>
 *   <li>{@code release_writes} (0200): a held path, or {@code all};</li>
 *   <li>{@code fail_writes} (0200): {@code <path> <ERRNO> [times]}: the next writes to the path fail
 *       with that errno and change nothing.</li>
 * </ul>
 * Paths are the model's ({@code /sys/bus/ap/apmask}); a symlinked path and its canonical form are the
 * same file. A malformed control write fails with EINVAL and changes nothing.
 */
final class SimDebugFiles {

    static final String DIR = "/sys/kernel/debug/apqn-sim";
    static final int JOURNAL_LINES = 10_000;
    private static final List<String> PARENTS = List.of("/sys/kernel", "/sys/kernel/debug");
    private static final Map<String, Integer> FILES = Map.of(
            "writes", 0444, "hold_writes", 0644, "release_writes", 0200, "fail_writes", 0200);

    private final Supplier<SimSysfs> sysfs;
    private final Map<String, SimFaults.Hang> holds = new ConcurrentHashMap<>();
    private final Deque<String> journal = new ArrayDeque<>();
    private long written;

    SimDebugFiles(Supplier<SimSysfs> sysfs) {
        this.sysfs = sysfs;
    }

    /** True for the control directory, its parents and its files. */
    static boolean owns(String path) {
        return path.equals(DIR) || path.startsWith(DIR + "/") || PARENTS.contains(path);
    }

    /** A directory's or a file's entry, as {@link SimSysfs#lstat} describes the model's. */
    static Optional<SimSysfs.Entry> lstat(String path) {
        if (path.equals(DIR) || PARENTS.contains(path)) {
            return Optional.of(new SimSysfs.Entry(SimSysfs.Entry.Kind.DIRECTORY, 0755, null));
        }
        Integer mode = FILES.get(path.substring(DIR.length() + 1));
        return mode == null ? Optional.empty() : Optional.of(new SimSysfs.Entry(SimSysfs.Entry.Kind.FILE, mode, null));
    }

    /** The listing of a control directory; the parents hold only the way down. */
    static List<String> list(String path) {
        return switch (path) {
            case "/sys/kernel" -> List.of("debug");
            case "/sys/kernel/debug" -> List.of("apqn-sim");
            default -> FILES.keySet().stream().sorted().toList();
        };
    }

    /** Records one write that reached the model through the mount, with its outcome. */
    synchronized void recordWrite(String path, String value, Errno refused) {
        written++;
        journal.addLast(written + " " + path + " " + value.replace("\\", "\\\\").replace("\n", "\\n")
                + " " + (refused == null ? "ok" : refused.name()));
        if (journal.size() > JOURNAL_LINES) {
            journal.removeFirst();
        }
    }

    String read(String path) throws SysfsException {
        return switch (name(path)) {
            case "writes" -> {
                synchronized (this) {
                    yield journal.isEmpty() ? "" : String.join("\n", journal) + "\n";
                }
            }
            case "hold_writes" -> holds.values().stream().filter(h -> !h.released())
                    .map(h -> h.path() + " blocked=" + h.blockedCalls() + "\n").sorted().collect(Collectors.joining());
            default -> throw refused(Errno.EACCES, SysfsException.Operation.READ, path, null, path + " is write-only");
        };
    }

    void write(String path, String value) throws SysfsException {
        String text = value.strip();
        SimFaults faults = sysfs.get().faults();
        switch (name(path)) {
            case "hold_writes" -> {
                requireModelPath(path, value, text);
                holds.computeIfAbsent(text, p -> faults.hangWrites(p));
            }
            case "release_writes" -> {
                if (text.equals("all")) {
                    holds.values().forEach(SimFaults.Hang::release);
                    holds.clear();
                } else {
                    SimFaults.Hang hang = holds.remove(text);
                    if (hang == null) {
                        throw refused(Errno.EINVAL, SysfsException.Operation.WRITE, path, value,
                                "no write to " + text + " is held (see hold_writes)");
                    }
                    hang.release();
                }
            }
            case "fail_writes" -> {
                String[] words = text.split("\\s+");
                if (words.length < 2 || words.length > 3) {
                    throw refused(Errno.EINVAL, SysfsException.Operation.WRITE, path, value, "expected <path> <ERRNO> [times]");
                }
                requireModelPath(path, value, words[0]);
                Errno errno;
                int times;
                try {
                    errno = Errno.valueOf(words[1]);
                    times = words.length == 3 ? Integer.parseInt(words[2]) : 1;
                } catch (IllegalArgumentException e) {
                    throw refused(Errno.EINVAL, SysfsException.Operation.WRITE, path, value,
                            "expected an errno name (EBUSY, EINVAL, ...) and a count: " + e.getMessage());
                }
                faults.failWrites(words[0], errno, times);
            }
            default -> throw refused(Errno.EACCES, SysfsException.Operation.WRITE, path, value, path + " is read-only");
        }
    }

    private static void requireModelPath(String path, String value, String target) throws SysfsException {
        if (!target.startsWith("/sys/") || target.contains(" ")) {
            throw new SysfsException(Errno.EINVAL, SysfsException.Operation.WRITE, path, value,
                    "expected one sysfs path such as /sys/bus/ap/apmask, got '" + target + "'");
        }
    }

    private static String name(String path) {
        return path.startsWith(DIR + "/") ? path.substring(DIR.length() + 1) : "";
    }

    private static SysfsException refused(Errno errno, SysfsException.Operation op, String path, String value, String why) {
        return new SysfsException(errno, op, path, value, why);
    }
}
