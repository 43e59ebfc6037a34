package dev.apqn.agent.kube;

import dev.apqn.apbus.Sysfs;
import dev.apqn.apbus.SysfsApBus;
import dev.apqn.apbus.sim.MachineProfiles;
import dev.apqn.apbus.sim.SimKernel;
import dev.apqn.apbus.sim.SimSysfs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * Many simulated nodes in one JVM (the demo, the benchmark, the ITs): each node is a
 * {@link SimKernel} booted from a machine profile, its virtual sysfs, a ledger directory and lock
 * file under {@code stateRoot/<node>/}, and a started {@link NodeAgent} on the fleet's shared
 * {@link AgentRuntime}. What survives {@link #restartAgent} is exactly what survives an agent crash
 * on a node: the kernel, the ledger directory ({@code /run}, a tmpfs) and the API server.
 */
public final class AgentFleet implements AutoCloseable {

    /** One simulated node. */
    public record SimNode(String name, SimKernel kernel, SimSysfs sysfs, Path ledgerDir, Path lockFile) {
    }

    private final AgentRuntime runtime;
    private final boolean ownsRuntime;
    private final Path stateRoot;
    private final Map<String, SimNode> nodes = new ConcurrentHashMap<>();
    private final Map<String, NodeAgent> agents = new ConcurrentHashMap<>();
    private volatile boolean resourceSlices;

    public AgentFleet(AgentRuntime runtime, Path stateRoot) {
        this(runtime, false, stateRoot);
    }

    /** A fleet with its own runtime ({@code workers} converges at a time), closed with the fleet. */
    public static AgentFleet create(io.fabric8.kubernetes.client.KubernetesClient client, AgentSettings settings, int workers,
                                    Path stateRoot) {
        return create(client, settings, workers, stateRoot, AgentMetricsSink.NOOP);
    }

    /** As {@link #create(io.fabric8.kubernetes.client.KubernetesClient, AgentSettings, int, Path)}, its agents reporting to {@code metrics}. */
    public static AgentFleet create(io.fabric8.kubernetes.client.KubernetesClient client, AgentSettings settings, int workers,
                                    Path stateRoot, AgentMetricsSink metrics) {
        return create(client, settings, workers, 2, stateRoot, metrics);
    }

    /**
     * A fleet whose Lease renewals and resync ticks run on {@code timers} threads. A renewal is a blocking API call:
     * on a node each agent has its own timer thread, and a fleet of many agents needs enough of them that
     * renewals do not queue behind each other when the API server is slow (two threads for 1,000 agents renewed
     * about 10 Leases/s instead of 100 under load, and the controller saw the agents' Leases expire).
     */
    public static AgentFleet create(io.fabric8.kubernetes.client.KubernetesClient client, AgentSettings settings, int workers,
                                    int timers, Path stateRoot, AgentMetricsSink metrics) {
        return new AgentFleet(new AgentRuntime(client, settings, workers, timers, false).withMetrics(metrics), true, stateRoot);
    }

    private AgentFleet(AgentRuntime runtime, boolean ownsRuntime, Path stateRoot) {
        this.runtime = Objects.requireNonNull(runtime, "runtime");
        this.ownsRuntime = ownsRuntime;
        this.stateRoot = Objects.requireNonNull(stateRoot, "stateRoot");
    }

    /**
     * Boots a simulated node from a profile (a shipped name or a YAML file), starts its agent and
     * returns its kernel (attach guests, hand-edit masks, reboot).
     */
    public SimKernel addSimulatedNode(String nodeName, String profileName) {
        if (nodes.containsKey(nodeName)) {
            throw new IllegalArgumentException("node " + nodeName + " is already in the fleet");
        }
        SimKernel kernel = SimKernel.boot(MachineProfiles.resolve(profileName), nodeName.hashCode());
        Path dir = stateRoot.resolve(nodeName);
        Path lockFile = dir.resolve("lock/s390apconfig.lock");
        try {
            Files.createDirectories(lockFile.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        SimNode n = new SimNode(nodeName, kernel, new SimSysfs(kernel), dir.resolve("run/apqn-agent"), lockFile);
        nodes.put(nodeName, n);
        startAgent(n, n.sysfs());
        return kernel;
    }

    /** Agents started from now on publish their node's ResourceSlices ({@link NodeAgent#publishingResourceSlices()}). */
    public AgentFleet withResourceSlices() {
        resourceSlices = true;
        return this;
    }

    /** The runtime the fleet's agents share (its metrics sink: {@link AgentRuntime#withMetrics}). */
    public AgentRuntime runtime() {
        return runtime;
    }

    public Optional<SimNode> node(String nodeName) {
        return Optional.ofNullable(nodes.get(nodeName));
    }

    public NodeAgent agent(String nodeName) {
        NodeAgent a = agents.get(nodeName);
        if (a == null) {
            throw new IllegalArgumentException("no agent for " + nodeName);
        }
        return a;
    }

    public SortedSet<String> nodeNames() {
        return new TreeSet<>(nodes.keySet());
    }

    /** Stops the node's agent (a crash: nothing is cleaned up on the node). */
    public void stopAgent(String nodeName) {
        NodeAgent a = agents.remove(nodeName);
        if (a != null) {
            a.close();
        }
    }

    /** Stops the node's agent and starts a fresh one: only the kernel, the ledger directory and the API server survive. */
    public NodeAgent restartAgent(String nodeName) {
        return restartAgent(nodeName, UnaryOperator.identity());
    }

    /** As {@link #restartAgent(String)}, the new agent's sysfs wrapped by {@code decorate} (fault injection). */
    public NodeAgent restartAgent(String nodeName, UnaryOperator<Sysfs> decorate) {
        SimNode n = Objects.requireNonNull(nodes.get(nodeName), () -> "no node " + nodeName);
        stopAgent(nodeName);
        return startAgent(n, decorate.apply(n.sysfs()));
    }

    private NodeAgent startAgent(SimNode n, Sysfs sysfs) {
        NodeAgent a = new NodeAgent(runtime, n.name(), new SysfsApBus(sysfs), n.ledgerDir(),
                HostAccess.simulated(n.kernel(), n.name(), n.lockFile()));
        if (resourceSlices) {
            a.publishingResourceSlices();
        }
        agents.put(n.name(), a);
        return a.start();
    }

    @Override
    public void close() {
        List<NodeAgent> all = new ArrayList<>(agents.values());
        agents.clear();
        all.parallelStream().forEach(NodeAgent::close);
        if (ownsRuntime) {
            runtime.close();
        }
    }
}
