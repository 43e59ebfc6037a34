package dev.apqn.agent;

import dev.apqn.ap.Errno;
import dev.apqn.apbus.SysfsException;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The outcomes one converge noted while it worked, per part: the host edits and each operator mdev
 * (by UUID). At most one sentence per part and state; a later note of the same state replaces the
 * earlier. The steps ask it what to skip ("is this mdev's plan stale?"); {@link PassReport} turns it
 * into verdicts with {@link Outcome#PRECEDENCE}.
 */
final class Outcomes {

    /** Why work is still under way while a timed-out write's intent is open. */
    static final String WRITE_PENDING = "a host write timed out; waiting to see whether the kernel applied it";

    private final Map<SyncState, String> host = new EnumMap<>(SyncState.class);
    private final Map<UUID, Map<SyncState, String>> mdevs = new HashMap<>();
    private final PassLog log;

    Outcomes(PassLog log) {
        this.log = log;
    }

    void host(SyncState state, String reason) {
        host.put(state, reason);
    }

    void mdev(UUID u, SyncState state, String reason) {
        mdevs.computeIfAbsent(u, k -> new EnumMap<>(SyncState.class)).put(state, reason);
    }

    /** A host write the kernel refused: the host edits are Failed with its sentence. */
    void hostRefused(SysfsException ex) {
        host(SyncState.FAILED, log.refusal(ex));
    }

    /**
     * A write to the mdev the kernel refused: In use if it said EBUSY (a guest holds the mdev;
     * pre-6.0 kernels refuse every assign/unassign with it while one is attached), else Failed.
     */
    void mdevRefused(UUID u, SysfsException ex) {
        if (ex.errno() == Errno.EBUSY) {
            mdev(u, SyncState.IN_USE, "a guest uses the mdev: " + log.refusal(ex));
        } else {
            mdev(u, SyncState.FAILED, log.refusal(ex));
        }
    }

    Optional<Outcome> host(SyncState state) {
        return Optional.ofNullable(host.get(state)).map(r -> new Outcome(state, r));
    }

    boolean hostIs(SyncState state) {
        return host.containsKey(state);
    }

    Optional<Outcome> mdev(UUID u, SyncState state) {
        return Optional.ofNullable(mdevs.getOrDefault(u, Map.of()).get(state)).map(r -> new Outcome(state, r));
    }

    boolean mdevIs(UUID u, SyncState state) {
        return mdevs.getOrDefault(u, Map.of()).containsKey(state);
    }

    boolean anyMdevIs(SyncState state) {
        return mdevs.values().stream().anyMatch(m -> m.containsKey(state));
    }
}
