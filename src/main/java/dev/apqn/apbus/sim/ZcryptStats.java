package dev.apqn.apbus.sim;

/**
 * Totals of the zcrypt traffic model since it was created.
 *
 * @param submitted           requests submitted by callers
 * @param completed           requests answered
 * @param rescheduled         retries after -EAGAIN that were put on a queue again
 * @param failedEioAdmin      admin requests failed with EIO at their first -EAGAIN
 * @param failedEioExhausted  non-admin requests failed with EIO after TRACK_AGAIN_MAX attempts
 * @param failedEnodev        requests failed with ENODEV (no usable queue after the rescan retry)
 * @param duplicateExecutions executions beyond the first of a request (flushed while pending, then run again)
 * @param queued              requests now on some request list
 * @param pending             requests now on some pending list
 * @param flushes             flush calls
 * @param rescans             ENODEV rescan retries
 */
public record ZcryptStats(long submitted, long completed, long rescheduled, long failedEioAdmin,
                          long failedEioExhausted, long failedEnodev, long duplicateExecutions,
                          long queued, long pending, long flushes, long rescans) {

    public long failedEio() {
        return failedEioAdmin + failedEioExhausted;
    }

    public long inFlight() {
        return queued + pending;
    }

    @Override
    public String toString() {
        return "submitted " + submitted + ", completed " + completed + ", rescheduled " + rescheduled
                + ", EIO " + failedEio() + " (admin " + failedEioAdmin + ", retries exhausted " + failedEioExhausted + ")"
                + ", ENODEV " + failedEnodev + ", duplicate executions " + duplicateExecutions
                + ", in flight " + inFlight() + " (queued " + queued + ", pending " + pending + ")";
    }
}
