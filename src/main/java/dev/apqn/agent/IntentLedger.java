package dev.apqn.agent;

import java.io.IOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Objects;

/**
 * The agent's write-ahead intent ledger, in a directory on node-local tmpfs (default
 * {@value #DEFAULT_DIR}): it lives exactly as long as the kernel state it describes.
 *
 * <h2>What it holds</h2>
 * <ul>
 *   <li>The {@link Ownership} record: which mask bits, driver_overrides and mdevs the operator
 *       changed, so that it touches nothing else and can give back exactly its own.</li>
 *   <li>Intents: before every host write the agent appends what it is about to do, why, for whom
 *       and the value before; after the write it re-reads the kernel and appends the outcome
 *       (done with the ownership changes the re-read confirmed, aborted, or outcome unknown).</li>
 *   <li>The boot id of the kernel it describes, and whether the node is restoring after a reboot.</li>
 * </ul>
 *
 * <h2>Format</h2>
 * One file {@code journal}, one record per line, fields {@code key=value} separated by spaces,
 * values URL-encoded. Every record is appended with a single write followed by {@code fsync}; a
 * crash can leave only the last line torn (no newline), and a torn line is ignored on replay, which
 * is safe because each line is written before the step it announces (an intent before its host
 * write, an outcome after the re-read that established it).
 * <pre>
 * B boot=&lt;boot id&gt;                       first line: the kernel this journal describes
 * F restoring=true|false                     the node rebooted and is re-converging
 * C c=&lt;change&gt; c=...                       ownership changes applied unconditionally (snapshot, drift)
 * I seq=7 op=CLEAR_APMASK obj=5 why=... owner=ns/name prev=... next=... inflight=ns/a:4,ns/b:0
 * T owner=ns/a n=4                          the in-flight estimate of a reservation (compaction snapshot);
 *                                            {@code n=} empty forgets it
 * D seq=7 c=+ap|5                            intent 7 confirmed by a re-read, with its ownership changes
 * A seq=7                                    intent 7 did not happen (re-read shows the old state)
 * U seq=7                                    intent 7's write timed out: it may still land, keep watching
 * </pre>
 * Changes are {@link LedgerChange} tokens. An intent that takes queues from the host carries the
 * estimated requests in flight on them per reservation ({@code inflight}), read under the lock just
 * before the write; when the intent is confirmed they are added to that reservation's figure
 * ({@link #inFlightAtTakeover()}), so a fresh agent reports the same number as the one that wrote. A long journal is compacted: a new
 * file with B, F, one C line holding the whole ownership record and the open intents is written beside it, fsynced
 * and atomically renamed over it.
 *
 * <h2>Recovery</h2>
 * Opening replays the journal. Intents without an outcome are left {@link #openIntents() open};
 * the agent resolves each against a fresh re-read before anything else ({@link HostConverger}):
 * effect visible → done (finish the bookkeeping), not visible → aborted, or kept open if its write
 * had timed out (the kernel may still apply it). Whether the state is still wanted is then decided
 * by the converge itself, which finishes what the target still wants and rolls back the rest.
 * A journal whose boot id differs from the running kernel's describes a kernel that no longer
 * exists (reboot): it is discarded and the agent re-converges from scratch, reporting Restoring.
 */
public final class IntentLedger {

    public static final String DEFAULT_DIR = "/run/apqn-agent/";
    static final String JOURNAL = "journal";
    private static final int COMPACT_AFTER_LINES = 200;

    /** What a host write intends; the converger knows how to check each against a re-read. */
    public enum Op {
        CLEAR_APMASK, SET_APMASK, CLEAR_AQMASK, SET_AQMASK, SET_OVERRIDE, CLEAR_OVERRIDE, PROBE,
        CREATE_MDEV, REMOVE_MDEV, CONFIGURE_MDEV
    }

    /**
     * One announced host write.
     *
     * @param seq            its number in this journal
     * @param op             what it does
     * @param object         what it does it to (mask bits as a range list, an APQN, an mdev UUID)
     * @param why            a sentence for humans and events
     * @param owner          the reservation or claim owner it is done for
     * @param prev           the value before (as read just before the write)
     * @param next           the value intended
     * @param outcomeUnknown the write timed out; it may still land
     * @param inFlight       per reservation: estimated requests in flight on the queues this write takes
     *                       from the host (empty for writes that take nothing)
     */
    public record Intent(long seq, Op op, String object, String why, String owner, String prev, String next,
                         boolean outcomeUnknown, SortedMap<String, Integer> inFlight) {
        public Intent {
            inFlight = Collections.unmodifiableSortedMap(new TreeMap<>(inFlight == null ? Map.of() : inFlight));
        }

        Intent unknown() {
            return new Intent(seq, op, object, why, owner, prev, next, true, inFlight);
        }
    }

    private final Path dir;
    private final Path journal;
    private String bootId;
    private boolean restoring;
    private boolean discardedForReboot;
    private Ownership owned = Ownership.NONE;
    private final Map<Long, Intent> open = new LinkedHashMap<>();
    private final SortedMap<String, Integer> inFlightAtTakeover = new TreeMap<>();
    private long nextSeq = 1;
    private int lines;

    private IntentLedger(Path dir) {
        this.dir = dir;
        this.journal = dir.resolve(JOURNAL);
    }

    /**
     * Opens (creating if needed) the ledger in {@code dir} for the kernel with {@code bootId}. A
     * journal of another boot is discarded and the ledger starts out {@link #restoring()}.
     */
    public static IntentLedger open(Path dir, String bootId) throws IOException {
        Files.createDirectories(dir);
        IntentLedger l = new IntentLedger(dir);
        l.replay();
        if (l.bootId == null) {
            l.startFresh(bootId, false);
        } else if (!l.bootId.equals(bootId)) {
            l.discardedForReboot = true;
            l.startFresh(bootId, true);
        }
        return l;
    }

    /**
     * The boot id the ledger in {@code dir} was written under, read without opening it (opening a
     * ledger of another boot discards it); empty if there is none yet.
     */
    public static Optional<String> bootIdRecordedIn(Path dir) throws IOException {
        IntentLedger l = new IntentLedger(dir);
        l.replay();
        return Optional.ofNullable(l.bootId);
    }

    /**
     * Checks the boot id again (an agent that kept running across a node reboot); discards the
     * ledger and returns true if the kernel is a different one.
     */
    public synchronized boolean checkBoot(String currentBootId) throws IOException {
        if (bootId.equals(currentBootId)) {
            return false;
        }
        discardedForReboot = true;
        startFresh(currentBootId, true);
        return true;
    }

    public Path dir() {
        return dir;
    }

    public synchronized String bootId() {
        return bootId;
    }

    /** True if a journal of an earlier boot was found and discarded. */
    public synchronized boolean discardedForReboot() {
        return discardedForReboot;
    }

    /** The node rebooted under the agent and has not finished re-converging. */
    public synchronized boolean restoring() {
        return restoring;
    }

    public synchronized void setRestoring(boolean value) throws IOException {
        if (restoring != value) {
            restoring = value;
            append("F restoring=" + value);
        }
    }

    public synchronized Ownership owned() {
        return owned;
    }

    /** Intents without an outcome (after a crash, or whose write timed out), oldest first. */
    public synchronized List<Intent> openIntents() {
        return List.copyOf(open.values());
    }

    /** Announces a host write; durable when this returns. */
    public synchronized Intent begin(Op op, String object, String why, String owner, String prev, String next) throws IOException {
        return begin(op, object, why, owner, prev, next, Map.of());
    }

    /**
     * Announces a host write that takes queues from the host, with the estimated requests in flight
     * on them per reservation; durable when this returns.
     */
    public synchronized Intent begin(Op op, String object, String why, String owner, String prev, String next,
                                     Map<String, Integer> inFlight) throws IOException {
        Intent i = new Intent(nextSeq++, op, object, why == null ? "" : why, owner == null ? "" : owner,
                prev == null ? "" : prev, next == null ? "" : next, false, new TreeMap<>(inFlight));
        append(intentLine(i));
        open.put(i.seq(), i);
        return i;
    }

    private static String intentLine(Intent i) {
        return "I seq=" + i.seq() + " op=" + i.op() + " obj=" + enc(i.object()) + " why=" + enc(i.why()) + " owner=" + enc(i.owner())
                + " prev=" + enc(i.prev()) + " next=" + enc(i.next())
                + (i.inFlight().isEmpty() ? "" : " inflight=" + enc(encodeInFlight(i.inFlight())));
    }

    private static String encodeInFlight(Map<String, Integer> m) {
        StringBuilder sb = new StringBuilder();
        m.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ",").append(enc(k)).append(':').append(v));
        return sb.toString();
    }

    private static SortedMap<String, Integer> decodeInFlight(String s) {
        SortedMap<String, Integer> out = new TreeMap<>();
        if (s != null && !s.isEmpty()) {
            for (String kv : s.split(",")) {
                int c = kv.lastIndexOf(':');
                out.put(dec(kv.substring(0, c)), Integer.parseInt(kv.substring(c + 1)));
            }
        }
        return out;
    }

    /** The intent happened, as a re-read confirmed; applies its ownership changes and in-flight estimates. */
    public synchronized void done(Intent i, List<LedgerChange> changes) throws IOException {
        StringBuilder sb = new StringBuilder("D seq=").append(i.seq());
        changes.forEach(c -> sb.append(" c=").append(enc(c.encode())));
        append(sb.toString());
        open.remove(i.seq());
        changes.forEach(c -> owned = owned.apply(c));
        i.inFlight().forEach((k, v) -> inFlightAtTakeover.merge(k, v, Integer::sum));
        maybeCompact();
    }

    /**
     * Per reservation: the estimated requests in flight on its queues (reserved and collateral) at the
     * confirmed writes that took them from the host, summed over those writes. Durable: a fresh agent
     * reads the same figures.
     */
    public synchronized SortedMap<String, Integer> inFlightAtTakeover() {
        return Collections.unmodifiableSortedMap(new TreeMap<>(inFlightAtTakeover));
    }

    /** Forgets the figures of reservations not in {@code owners} (nothing of theirs is left on the node). */
    public synchronized void retainTakeovers(java.util.Collection<String> owners) throws IOException {
        for (String k : List.copyOf(inFlightAtTakeover.keySet())) {
            if (!owners.contains(k)) {
                append("T owner=" + enc(k) + " n=");
                inFlightAtTakeover.remove(k);
            }
        }
    }

    /** The intent did not happen, as a re-read showed. */
    public synchronized void abort(Intent i) throws IOException {
        append("A seq=" + i.seq());
        open.remove(i.seq());
        maybeCompact();
    }

    /** The intent's write timed out: keep it open and resolve it again later. */
    public synchronized Intent unknown(Intent i) throws IOException {
        append("U seq=" + i.seq());
        Intent u = i.unknown();
        open.put(i.seq(), u);
        return u;
    }

    /** Ownership changes not tied to an intent (drift: an owned mdev removed by hand, bits set by hand). */
    public synchronized void apply(List<LedgerChange> changes) throws IOException {
        if (changes.isEmpty()) {
            return;
        }
        StringBuilder sb = new StringBuilder("C");
        changes.forEach(c -> sb.append(" c=").append(enc(c.encode())));
        append(sb.toString());
        changes.forEach(c -> owned = owned.apply(c));
    }

    // ---------------------------------------------------------------------------------------- files

    private void startFresh(String boot, boolean restoringAfterReboot) throws IOException {
        bootId = boot;
        restoring = restoringAfterReboot;
        owned = Ownership.NONE;
        open.clear();
        inFlightAtTakeover.clear();
        nextSeq = 1;
        rewrite();
    }

    private void maybeCompact() throws IOException {
        if (lines > COMPACT_AFTER_LINES) { // open intents are carried over
            rewrite();
        }
    }

    /** Writes B, F, the ownership snapshot and open intents to a temp file, fsyncs, renames it over the journal. */
    private void rewrite() throws IOException {
        List<String> out = new ArrayList<>();
        out.add("B boot=" + enc(bootId));
        out.add("F restoring=" + restoring);
        List<LedgerChange> snapshot = snapshot(owned);
        if (!snapshot.isEmpty()) {
            StringBuilder sb = new StringBuilder("C");
            snapshot.forEach(c -> sb.append(" c=").append(enc(c.encode())));
            out.add(sb.toString());
        }
        // nextSeq must survive compaction so that seq numbers stay unique within a boot
        out.add("N seq=" + nextSeq);
        inFlightAtTakeover.forEach((k, v) -> out.add("T owner=" + enc(k) + " n=" + v));
        for (Intent i : open.values()) {
            out.add(intentLine(i));
            if (i.outcomeUnknown()) {
                out.add("U seq=" + i.seq());
            }
        }
        Path tmp = dir.resolve(JOURNAL + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(ByteBuffer.wrap((String.join("\n", out) + "\n").getBytes(StandardCharsets.UTF_8)));
            ch.force(true);
        }
        try {
            Files.move(tmp, journal, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, journal, StandardCopyOption.REPLACE_EXISTING);
        }
        fsyncDir();
        lines = out.size();
    }

    private static List<LedgerChange> snapshot(Ownership o) {
        List<LedgerChange> out = new ArrayList<>();
        o.apmaskBits().ids().forEach(b -> out.add(LedgerChange.apmask(true, b)));
        o.aqmaskBits().ids().forEach(b -> out.add(LedgerChange.aqmask(true, b)));
        o.overrides().forEach(q -> out.add(LedgerChange.override(true, q)));
        o.mdevs().forEach((u, m) -> out.add(LedgerChange.ownMdev(u, m.owner(), m.confirmed())));
        return out;
    }

    private void append(String line) throws IOException {
        try (FileChannel ch = FileChannel.open(journal, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            ByteBuffer buf = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        lines++;
    }

    private void fsyncDir() {
        // Makes the rename durable; not every platform lets a directory be opened, and tmpfs does not need it.
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // best effort
        }
    }

    private void replay() throws IOException {
        String text;
        try {
            text = Files.readString(journal, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return;
        }
        String[] all = text.split("\n", -1);
        // the last element is "" after a complete final line, or a torn line: ignore it either way
        for (int n = 0; n < all.length - 1; n++) {
            String line = all[n];
            if (line.isBlank()) {
                continue;
            }
            lines++;
            try {
                replayLine(line);
            } catch (RuntimeException e) {
                throw new IOException("unreadable intent ledger " + journal + " line " + (n + 1) + ": " + line, e);
            }
        }
    }

    private void replayLine(String line) {
        String type = line.substring(0, 1);
        Map<String, String> f = new LinkedHashMap<>();
        List<LedgerChange> changes = new ArrayList<>();
        for (String field : line.substring(1).trim().split(" ")) {
            if (field.isEmpty()) {
                continue;
            }
            int eq = field.indexOf('=');
            String key = field.substring(0, eq);
            String value = dec(field.substring(eq + 1));
            if (key.equals("c")) {
                changes.add(LedgerChange.decode(value));
            } else {
                f.put(key, value);
            }
        }
        switch (type) {
            case "B" -> bootId = f.get("boot");
            case "F" -> restoring = Boolean.parseBoolean(f.get("restoring"));
            case "N" -> nextSeq = Math.max(nextSeq, Long.parseLong(f.get("seq")));
            case "C" -> changes.forEach(c -> owned = owned.apply(c));
            case "I" -> {
                long seq = Long.parseLong(f.get("seq"));
                open.put(seq, new Intent(seq, Op.valueOf(f.get("op")), f.get("obj"), f.get("why"), f.get("owner"),
                        f.get("prev"), f.get("next"), false, decodeInFlight(f.get("inflight"))));
                nextSeq = Math.max(nextSeq, seq + 1);
            }
            case "D" -> {
                Intent i = open.remove(Long.parseLong(f.get("seq")));
                changes.forEach(c -> owned = owned.apply(c));
                if (i != null) {
                    i.inFlight().forEach((k, v) -> inFlightAtTakeover.merge(k, v, Integer::sum));
                }
            }
            case "T" -> {
                String n = f.getOrDefault("n", "");
                if (n.isEmpty()) {
                    inFlightAtTakeover.remove(f.get("owner"));
                } else {
                    inFlightAtTakeover.put(f.get("owner"), Integer.parseInt(n));
                }
            }
            case "A" -> open.remove(Long.parseLong(f.get("seq")));
            case "U" -> open.computeIfPresent(Long.parseLong(f.get("seq")), (s, i) -> i.unknown());
            default -> throw new IllegalArgumentException("unknown record type " + type);
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(Objects.requireNonNullElse(s, ""), StandardCharsets.UTF_8);
    }

    private static String dec(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
}
