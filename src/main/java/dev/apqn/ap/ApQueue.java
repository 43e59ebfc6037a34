package dev.apqn.ap;

import java.util.Objects;
import java.util.Optional;

/**
 * One queue device {@code /sys/devices/ap/cardNN/NN.DDDD} (ap-bus.md §1.5, §6.1).
 *
 * @param apqn           the queue
 * @param driver         the driver its {@code driver} link names
 * @param online         zcrypt's {@code online}; present only while cex4queue is bound
 * @param config         {@code config}
 * @param chkstop        {@code chkstop}
 * @param vfioStatus     vfio_ap's {@code status}; present only while vfio_ap is bound, on kernels that have it
 * @param requestqCount  {@code requestq_count}: requests not yet sent to the card
 * @param pendingqCount  {@code pendingq_count}: requests sent and not yet answered
 * @param driverOverride {@code driver_override} (6.19+); empty when the file is absent or no override is set
 */
public record ApQueue(Apqn apqn, ApDriver driver, Optional<Boolean> online, boolean config, boolean chkstop,
                      Optional<ApQueue.VfioStatus> vfioStatus, int requestqCount, int pendingqCount,
                      Optional<String> driverOverride) {

    /** vfio_ap's per-queue {@code status} text. */
    public enum VfioStatus {
        ASSIGNED("assigned"), UNASSIGNED("unassigned"), IN_USE("in use");

        private final String text;

        VfioStatus(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }

        /** Parses the attribute text (newline stripped); throws ApSyntaxException otherwise. */
        public static VfioStatus parse(String text) {
            String s = text.strip();
            for (VfioStatus v : values()) {
                if (v.text.equals(s)) {
                    return v;
                }
            }
            throw new ApSyntaxException("unexpected vfio_ap queue status " + KernelNumbers.quoted(text)
                    + ": expected assigned, unassigned or in use");
        }
    }

    public ApQueue {
        Objects.requireNonNull(apqn, "apqn");
        Objects.requireNonNull(driver, "driver");
        Objects.requireNonNull(online, "online");
        Objects.requireNonNull(vfioStatus, "vfioStatus");
        Objects.requireNonNull(driverOverride, "driverOverride");
    }

    /** Requests in flight on this queue: queued plus pending (what a drain waits for). */
    public int inFlight() {
        return requestqCount + pendingqCount;
    }
}
