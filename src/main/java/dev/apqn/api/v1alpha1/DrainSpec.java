package dev.apqn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/**
 * Draining a queue before it leaves the host: unbinding flushes the host's queued and in-flight
 * requests (zcrypt retries them on other APQNs), so the agent first waits for in-flight requests to
 * end, up to a bound.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DrainSpec {

    /** What the agent does when in-flight requests outlast the timeout. */
    public enum OnTimeout {
        /** Leave the queue with the host and report Stalled (DrainTimeout). */
        Abort,
        /** Take the queue anyway: the kernel flushes the requests and zcrypt retries them elsewhere. */
        Proceed
    }

    @JsonPropertyDescription("How long to wait for the host's in-flight requests on a queue to end before taking"
            + " it: seconds, decimal integer 0-3600 (0: do not wait). Default 30.")
    @Min(0)
    @Max(3600)
    @Default("30")
    private Integer timeoutSeconds;

    @JsonPropertyDescription("Abort (default): leave the queue with the host and report the reservation Stalled;"
            + " Proceed: take it anyway (the kernel flushes, zcrypt retries on other APQNs).")
    @Default("Abort")
    private OnTimeout onTimeout;

    public Integer getTimeoutSeconds() {
        return timeoutSeconds;
    }

    public void setTimeoutSeconds(Integer timeoutSeconds) {
        this.timeoutSeconds = timeoutSeconds;
    }

    public OnTimeout getOnTimeout() {
        return onTimeout;
    }

    public void setOnTimeout(OnTimeout onTimeout) {
        this.onTimeout = onTimeout;
    }
}
