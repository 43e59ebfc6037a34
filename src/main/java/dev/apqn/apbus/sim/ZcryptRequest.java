package dev.apqn.apbus.sim;

import dev.apqn.ap.Apqn;

import java.util.List;
import java.util.Optional;

/**
 * Snapshot of one zcrypt user request as {@link ZcryptTraffic} tracks it.
 *
 * @param id          sequence number, 1-based, in submission order
 * @param kind        normal or admin
 * @param target      routing restriction
 * @param state       where the request is now
 * @param attempts    how many times it was put on a queue (at most {@link ZcryptTraffic#TRACK_AGAIN_MAX})
 * @param queuesTried the queues it was put on, in order (one entry per attempt)
 * @param executions  how many times a card (may have) executed it: a completed reply counts one,
 *                    a flush while it was pending (already sent) counts one too
 * @param queue       the queue it is on while QUEUED or PENDING, else null
 */
public record ZcryptRequest(long id, Kind kind, ZcryptTarget target, State state, int attempts,
                            List<Apqn> queuesTried, int executions, Apqn queue) {

    public enum Kind {
        /** Ordinary crypto work (stateless: a replay after -EAGAIN is harmless). */
        NORMAL,
        /** CCA CPRB with an administrative minor type, or EP11 CPRB flagged admin: never replayed. */
        ADMIN
    }

    public enum State {
        /** On a queue's request list, not yet sent to the card. */
        QUEUED,
        /** Sent to the card (pending list), reply not yet received. */
        PENDING,
        /** Reply received; the caller got its answer. */
        COMPLETED,
        /** The caller got EIO (admin request hit by -EAGAIN, or TRACK_AGAIN_MAX attempts used up). */
        FAILED_EIO,
        /** The caller got ENODEV (no usable queue, also after the one rescan retry). */
        FAILED_ENODEV;

        public boolean terminal() {
            return this != QUEUED && this != PENDING;
        }
    }

    public ZcryptRequest {
        queuesTried = List.copyOf(queuesTried);
    }

    public Optional<Apqn> currentQueue() {
        return Optional.ofNullable(queue);
    }

    public boolean executedMoreThanOnce() {
        return executions > 1;
    }
}
