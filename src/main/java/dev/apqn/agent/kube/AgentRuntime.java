package dev.apqn.agent.kube;

import io.fabric8.kubernetes.client.KubernetesClient;

import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What many agents in one JVM share: the Kubernetes client, a small scheduler for timers (Lease
 * renewals, resync ticks, retries: short, non-blocking-ish work) and a bounded worker pool on which
 * each agent runs its converges one at a time (a converge may wait for a drain, so it never runs on
 * the scheduler). A node on a DaemonSet has one agent and a runtime of one worker; the demo and the
 * benchmark give hundreds of simulated agents a handful of workers. Closing the runtime stops the
 * executors; it closes the client only if it was handed over ({@code ownsClient}). Its agents report
 * each pass to its {@link #metrics() metrics sink} ({@link AgentMetricsSink#NOOP} unless
 * {@link #withMetrics set}: tests and the benchmark run without a registry).
 */
public final class AgentRuntime implements AutoCloseable {

    private final KubernetesClient client;
    private final AgentSettings settings;
    private final ScheduledExecutorService scheduler;
    private final ExecutorService workers;
    private final boolean ownsClient;
    private volatile AgentMetricsSink metrics = AgentMetricsSink.NOOP;

    /**
     * @param workers     converges that may run at the same time (each agent runs at most one)
     * @param timers      scheduler threads (Lease renewals, resync ticks)
     * @param ownsClient  close the client with the runtime
     */
    public AgentRuntime(KubernetesClient client, AgentSettings settings, int workers, int timers, boolean ownsClient) {
        this.client = Objects.requireNonNull(client, "client");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.scheduler = Executors.newScheduledThreadPool(Math.max(1, timers), named("apqn-agent-timer"));
        this.workers = Executors.newFixedThreadPool(Math.max(1, workers), named("apqn-agent-worker"));
        this.ownsClient = ownsClient;
    }

    /** A runtime sized for {@code agents} agents: one worker per agent up to 8, two timer threads. */
    public static AgentRuntime forAgents(KubernetesClient client, AgentSettings settings, int agents) {
        return new AgentRuntime(client, settings, Math.min(8, Math.max(1, agents)), agents > 1 ? 2 : 1, false);
    }

    public KubernetesClient client() {
        return client;
    }

    public AgentSettings settings() {
        return settings;
    }

    /** Where this runtime's agents report each pass (no-op by default). */
    public AgentMetricsSink metrics() {
        return metrics;
    }

    /** Sets the metrics sink of this runtime's agents (null: none); takes effect from their next pass. Returns this. */
    public AgentRuntime withMetrics(AgentMetricsSink sink) {
        this.metrics = sink == null ? AgentMetricsSink.NOOP : sink;
        return this;
    }

    /** Its scheduler and workers are not shut down. */
    public boolean running() {
        return !scheduler.isShutdown() && !workers.isShutdown();
    }

    ScheduledExecutorService scheduler() {
        return scheduler;
    }

    ExecutorService workers() {
        return workers;
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        workers.shutdownNow();
        try {
            workers.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (ownsClient) {
            client.close();
        }
    }

    private static ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
