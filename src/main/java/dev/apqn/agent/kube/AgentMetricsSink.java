package dev.apqn.agent.kube;

import dev.apqn.agent.ConvergeReport;
import dev.apqn.api.v1alpha1.APNodeStateStatus;
import dev.apqn.apbus.ApInventory;
import dev.apqn.plan.HostTarget;

import java.time.Duration;
import java.util.Optional;

/**
 * What a {@code NodeAgent} tells about each pass, for metrics. Free of any metrics library, so the
 * agent, its tests and the benchmark run without a registry ({@link #NOOP}); {@link AgentMetrics} is
 * the Micrometer implementation. Called on the agent's worker thread: implementations must be quick
 * and must not throw (the agent guards the calls anyway).
 */
public interface AgentMetricsSink {

    /** Records nothing. */
    AgentMetricsSink NOOP = new AgentMetricsSink() {
    };

    /** After each {@code HostConverger.converge} of {@code node}: what it did, and how long it took. */
    default void converged(String node, ConvergeReport report, Optional<HostTarget> target, Duration took) {
    }

    /** A pass of {@code node} threw (an API or sysfs error outside the converger's own bookkeeping). */
    default void passFailed(String node, Throwable error) {
    }

    /**
     * After the status of {@code node} was built (whether or not it was written): the status, the
     * inventory it was built from, the pass's report (empty when nothing was planned yet) and target.
     */
    default void statusBuilt(String node, APNodeStateStatus status, ApInventory inventory, Optional<ConvergeReport> report,
                             Optional<HostTarget> target) {
    }

    /** The agent of {@code node} stopped: its node's series may go. */
    default void stopped(String node) {
    }
}
