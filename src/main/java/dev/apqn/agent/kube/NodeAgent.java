package dev.apqn.agent.kube;

import dev.apqn.agent.ConvergeReport;
import dev.apqn.agent.HostConverger;
import dev.apqn.agent.IntentLedger;
import dev.apqn.api.v1alpha1.APNodeState;
import dev.apqn.api.v1alpha1.APNodeStateSpec;
import dev.apqn.api.v1alpha1.APNodeStateStatus;
import dev.apqn.api.v1alpha1.AgentStatus;
import dev.apqn.api.v1alpha1.HostTargetMapper;
import dev.apqn.apbus.ApBus;
import dev.apqn.apbus.ApInventory;
import dev.apqn.apbus.sim.SimKernel;
import dev.apqn.dra.ResourceSlicePublisher;
import dev.apqn.dra.SliceDevices;
import dev.apqn.dra.KubeletPlugin;
import dev.apqn.dra.NodeDevices;
import dev.apqn.plan.HostTarget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The node agent's Kubernetes side for one node: a lightweight object (its node name, its
 * {@link ApBus}, a client) that many instances of can share one JVM ({@link AgentRuntime}).
 *
 * <ul>
 *   <li>Watches only its own {@code APNodeState}: one Fabric8 informer with the field selector
 *       {@code metadata.name=<node>}; it never lists other nodes' objects, never writes
 *       {@code APQNReservation}s (its kubelet plugin, when enabled, GETs the one a ResourceClaim's device
 *       belongs to, and the ResourceClaim) and never writes {@code spec}.</li>
 *   <li>On a spec change (metadata.generation or uid), every {@link AgentSettings#resyncPeriod()} (drift,
 *       inventory changes, reboots) and after progress, maps {@code spec} to a {@link HostTarget}
 *       ({@link HostTargetMapper}) and runs the {@link HostConverger}: one pass at a time per agent
 *       on the shared worker pool; triggers that arrive meanwhile coalesce into one more pass.</li>
 *   <li>Writes {@code status} ({@link NodeStatusWriter}: replaced whole, field manager
 *       {@link AgentSettings#fieldManager()}) only when the status built by
 *       {@link NodeStatusBuilder} differs from the one the server has; an idle resync makes no API
 *       call. A new kernel is announced (Restoring, {@link RebootNotice}) before anything is re-created.</li>
 *   <li>Liveness is its Lease ({@link AgentLease}), created even while the APNodeState does not exist
 *       (the controller creates it; the agent waits for it).</li>
 *   <li>A spec without {@code hostEdits} (not planned yet) is not executed: the agent only reports
 *       the inventory the controller plans against, and leaves what its ledger owns alone.</li>
 *   <li>With {@link #publishingResourceSlices()} ({@code apqn.agent.dra.enabled}), after the status it
 *       publishes its node's {@code apqn.dev} ResourceSlices: one device per reservation it reports Ready
 *       ({@link dev.apqn.dra.ResourceSlicePublisher}; no write while they are unchanged).</li>
 *   <li>Metrics: each converge (report, duration), each status built and each failed pass go to the
 *       runtime's {@link AgentMetricsSink} ({@link AgentRuntime#withMetrics}; no-op by default).</li>
 * </ul>
 * Made for a backend by {@link AgentBackends}. Start with {@link #start()}; {@link #close()} stops watching and renewing and waits for a running
 * pass (bounded), so a fresh agent may take over the same node.
 */
public final class NodeAgent implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(NodeAgent.class);
    /** The field the informer selects on. */
    public static final String NAME_FIELD = "metadata.name";

    private final AgentRuntime runtime;
    private final boolean ownsRuntime;
    private final String node;
    private final ApBus bus;
    private final HostAccess host;
    private final HostConverger converger;
    private final RebootNotice.BootWatch bootWatch;
    private final AgentSettings settings;
    private final AgentLease lease;
    private final AgentEvents events;
    private final Optional<SimKernel> simulated;
    private final Path ledgerDir;
    private KubeletPlugin.Dirs draDirs;
    private volatile KubeletPlugin kubeletPlugin;
    private final List<Consumer<ConvergeReport>> listeners = new CopyOnWriteArrayList<>();

    private final Object mon = new Object();
    private boolean pending;
    private boolean active;
    private boolean closed;
    private Thread worker;

    private SharedIndexInformer<APNodeState> informer;
    private ScheduledFuture<?> leaseTask;
    private ScheduledFuture<?> resyncTask;

    // worker-thread state
    private int recoveredAtStart;
    private String lastCompleted;
    private final NodeStatusWriter statusWriter;
    private volatile ResourceSlicePublisher slices;
    private volatile long passes;
    private volatile boolean statusReported;
    private volatile boolean started;

    /**
     * A stand-alone agent for a real node (its own one-worker runtime, closed with it): lock at
     * {@code /run/lock/s390apconfig.lock}, boot id from {@code /proc}.
     */
    public NodeAgent(KubernetesClient client, String node, ApBus bus, Path ledgerDir, AgentSettings settings) {
        this(new AgentRuntime(client, settings, 1, 1, false), true, node, bus, ledgerDir, HostAccess.node(), Optional.empty());
    }

    /** An agent on a shared runtime (not started). */
    public NodeAgent(AgentRuntime runtime, String node, ApBus bus, Path ledgerDir, HostAccess host) {
        this(runtime, false, node, bus, ledgerDir, host, Optional.empty());
    }

    NodeAgent(AgentRuntime runtime, boolean ownsRuntime, String node, ApBus bus, Path ledgerDir, HostAccess host,
              Optional<SimKernel> simulated) {
        this.runtime = Objects.requireNonNull(runtime, "runtime");
        this.ownsRuntime = ownsRuntime;
        this.node = Objects.requireNonNull(node, "node");
        this.bus = Objects.requireNonNull(bus, "bus");
        this.host = Objects.requireNonNull(host, "host");
        this.settings = runtime.settings();
        this.simulated = simulated;
        this.ledgerDir = Objects.requireNonNull(ledgerDir, "ledgerDir");
        this.converger = new HostConverger(bus, host.lock(), ledgerDir, host.bootId(), host.clock());
        String holder = settings.identity() + "_" + node + "_" + UUID.randomUUID().toString().substring(0, 8);
        this.lease = new AgentLease(runtime.client(), settings.leaseNamespace(), node, holder, settings.leaseDuration());
        this.events = new AgentEvents(runtime.client(), node);
        this.statusWriter = new NodeStatusWriter(runtime.client(), node, settings.fieldManager());
        this.bootWatch = new RebootNotice.BootWatch(host.bootId(), ledgerDir);
    }

    public String node() {
        return node;
    }

    public AgentLease lease() {
        return lease;
    }

    /** The simulated kernel, for agents made by {@link AgentBackends#create} with the simulated backend. */
    public Optional<SimKernel> simulatedKernel() {
        return simulated;
    }

    /** Converge passes run so far (for tests and the benchmark). */
    public long passes() {
        return passes;
    }

    /** Status writes made so far (for tests and the benchmark). */
    public long statusWrites() {
        return statusWriter.writes();
    }

    /**
     * Whether a pass has read the inventory and the APNodeState's status on the server is what that
     * pass built (written by it, or already equal): the agent's readiness. False while the
     * APNodeState does not exist (the controller creates it).
     */
    public boolean statusReported() {
        return statusReported;
    }

    /** Started, not closed, and its runtime (timers, worker) is up: the agent's liveness. */
    public boolean running() {
        synchronized (mon) {
            if (!started || closed) {
                return false;
            }
        }
        return runtime.running() && (informer == null || informer.isRunning());
    }

    /**
     * Publishes this node's {@code apqn.dev} ResourceSlices after each status it built: one device per
     * Ready reservation ({@code apqn.agent.dra.enabled}). Call before {@link #start()}.
     */
    public NodeAgent publishingResourceSlices() {
        slices = new ResourceSlicePublisher(runtime.client(), node, settings.fieldManager());
        return this;
    }

    /** ResourceSlice writes and deletes made so far (0 when not publishing). */
    public long sliceWrites() {
        ResourceSlicePublisher p = slices;
        return p == null ? 0 : p.writes();
    }

    /** Called on the worker after each converge (for the demo and tests); must not block. */
    public NodeAgent onReport(Consumer<ConvergeReport> listener) {
        listeners.add(Objects.requireNonNull(listener));
        return this;
    }

    /**
     * Also serve the kubelet plugin of DRA driver {@code apqn.dev} (docs/dra.md) in these host directories, from
     * {@link #start()} to {@link #close()} ({@code apqn.agent.dra.enabled}). Call before {@link #start()}.
     */
    public NodeAgent withKubeletPlugin(KubeletPlugin.Dirs dirs) {
        synchronized (mon) {
            if (started) {
                throw new IllegalStateException("agent for " + node + " is started: add the kubelet plugin before");
            }
        }
        this.draDirs = Objects.requireNonNull(dirs, "dirs");
        return this;
    }

    /** The running kubelet plugin, if this agent serves one. */
    public Optional<KubeletPlugin> kubeletPlugin() {
        return Optional.ofNullable(kubeletPlugin);
    }

    // =============================================================================================

    /** Renews the Lease, opens the informer on its own APNodeState, schedules resyncs. */
    public NodeAgent start() {
        synchronized (mon) {
            if (closed) {
                throw new IllegalStateException("agent for " + node + " is closed");
            }
        }
        try {
            recoveredAtStart = converger.ledger().openIntents().size();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the intent ledger of " + node, e);
        }
        renewLease();
        long renewMs = settings.leaseRenew().toMillis();
        leaseTask = runtime.scheduler().scheduleWithFixedDelay(this::renewLease, renewMs, renewMs, TimeUnit.MILLISECONDS);
        informer = runtime.client().resources(APNodeState.class).withField(NAME_FIELD, node).inform(new Handler(), 0);
        if (draDirs != null) {
            startKubeletPlugin();
        }
        long resyncMs = settings.resyncPeriod().toMillis();
        resyncTask = runtime.scheduler().scheduleWithFixedDelay(this::trigger, resyncMs, resyncMs, TimeUnit.MILLISECONDS);
        synchronized (mon) {
            started = true;
        }
        trigger();
        return this;
    }

    /** Serves the kubelet plugin; its prepared claims hold their mdevs (InUse) and change the status (consumers). */
    private void startKubeletPlugin() {
        try {
            kubeletPlugin = KubeletPlugin.start(runtime.client(), draDirs, ledgerDir, new OwnDevices(), this::trigger);
        } catch (IOException e) {
            throw new UncheckedIOException("node " + node + ": cannot start the kubelet plugin in " + draDirs, e);
        }
        converger.preparedClaims(kubeletPlugin::claimUsing);
    }

    /** The plugin's view of this node: the operator's mdevs in our own APNodeState's spec, their IOMMU groups in sysfs. */
    private final class OwnDevices implements NodeDevices {
        @Override
        public Optional<String> reservationOf(UUID mdev) {
            APNodeState obj = informer == null ? null : informer.getStore().getByKey(node);
            if (obj == null || obj.getSpec() == null || obj.getSpec().getMdevs() == null) {
                return Optional.empty();
            }
            return obj.getSpec().getMdevs().stream().filter(m -> mdev.toString().equalsIgnoreCase(m.getUuid()))
                    .map(dev.apqn.api.v1alpha1.NodeMdev::getReservation).findFirst();
        }

        @Override
        public OptionalInt iommuGroup(UUID mdev) throws Exception {
            return bus.mdevIommuGroup(mdev);
        }
    }

    private final class Handler implements ResourceEventHandler<APNodeState> {
        @Override
        public void onAdd(APNodeState obj) {
            trigger();
        }

        @Override
        public void onUpdate(APNodeState old, APNodeState now) {
            // status writes (ours) do not move metadata.generation; spec edits and re-creations do
            if (!Objects.equals(old.getMetadata().getGeneration(), now.getMetadata().getGeneration())
                    || !Objects.equals(old.getMetadata().getUid(), now.getMetadata().getUid())) {
                trigger();
            }
        }

        @Override
        public void onDelete(APNodeState obj, boolean deletedFinalStateUnknown) {
            trigger();
        }
    }

    private void renewLease() {
        try {
            lease.renew();
        } catch (RuntimeException e) {
            LOG.warnf("node %s: cannot renew Lease %s/%s: %s", node, settings.leaseNamespace(), AgentLease.name(node), e.getMessage());
        }
    }

    /** Asks for a pass; bursts coalesce into one pass after the running one. */
    public void trigger() {
        synchronized (mon) {
            if (closed) {
                return;
            }
            pending = true;
            if (active) {
                return;
            }
            active = true;
        }
        try {
            runtime.workers().execute(this::runPasses);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            synchronized (mon) {
                active = false;
                mon.notifyAll();
            }
        }
    }

    private void runPasses() {
        synchronized (mon) {
            worker = Thread.currentThread();
        }
        try {
            while (true) {
                synchronized (mon) {
                    if (!pending || closed) {
                        return;
                    }
                    pending = false;
                }
                passSafely();
            }
        } finally {
            synchronized (mon) {
                worker = null;
                active = false;
                mon.notifyAll();
            }
        }
    }

    private void passSafely() {
        try {
            boolean again = pass();
            if (again) {
                retryLater();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warnf("node %s: converge pass failed; retrying in %s: %s", node, settings.retryDelay(), e.toString());
            metrics(m -> m.passFailed(node, e));
            retryLater();
        }
    }

    private void retryLater() {
        synchronized (mon) {
            if (closed) {
                return;
            }
        }
        try {
            runtime.scheduler().schedule(this::trigger, settings.retryDelay().toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException ignored) {
            // runtime closing
        }
    }

    /** One pass. Returns true when another pass soon is worthwhile (progress made, intents open). */
    private boolean pass() throws Exception {
        passes++;
        APNodeState obj = informer == null ? null : informer.getStore().getByKey(node);
        if (obj == null) {
            statusWriter.forget();
            return false; // the controller has not created it yet (or deleted it): only the Lease
        }
        APNodeStateSpec spec = obj.getSpec();
        Optional<HostTarget> target;
        try {
            target = HostTargetMapper.fromSpec(spec);
        } catch (RuntimeException e) {
            LOG.warnf("node %s: spec cannot be read as host edits, not executed: %s", node, e.getMessage());
            target = Optional.empty();
        }
        Optional<ConvergeReport> report = Optional.empty();
        long generation;
        APNodeStateStatus previous = obj.getStatus();
        if (target.isPresent() && bootWatch.rebootUnseen()) {
            APNodeStateStatus restoring = RebootNotice.restoring(previous, now());
            if (restoring != null) {
                LOG.infof("node %s: new kernel (boot id changed): reporting its reservations Restoring before re-creating them", node);
                statusWriter.writeIfChanged(obj, previous, restoring);
                previous = restoring;
            }
        }
        if (target.isPresent()) {
            long t0 = System.nanoTime();
            ConvergeReport r = converger.converge(target.get(), settings.drain());
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            report = Optional.of(r);
            generation = r.inventoryGeneration();
            listeners.forEach(l -> l.accept(r));
            Optional<HostTarget> planned = target;
            metrics(m -> m.converged(node, r, planned, took));
        } else {
            generation = converger.inventoryGeneration();
        }
        ApInventory inv = converger.lastInventory(); // read at the end of the pass (refresh or full), not read again
        IntentLedger ledger = converger.ledger();
        noteReport(report);

        var o = new NodeStatusBuilder.Observation(inv, report, target,
                spec == null || spec.getHostEdits() == null ? null : spec.getHostEdits().getHash(), NodeStatusBuilder.allocatedIn(spec),
                ledger.owned(), ledger.openIntents(), recoveredAtStart, lastCompleted, generation,
                obj.getMetadata().getGeneration(), ledger.inFlightAtTakeover(), agentStatus());
        APNodeStateStatus desired = NodeStatusBuilder.build(o, previous, now());
        KubeletPlugin plugin = kubeletPlugin;
        if (plugin != null) {
            ReservationSyncs.addConsumers(desired, plugin.consumers());
        }
        Optional<ConvergeReport> reported = report;
        Optional<HostTarget> planned = target;
        metrics(m -> m.statusBuilt(node, desired, inv, reported, planned));
        statusWriter.writeIfChanged(obj, previous, desired);
        statusReported = true;
        if (slices != null && inv != null) {
            slices.publish(SliceDevices.of(desired.getReservations(), inv));
        }
        events.passEnded(obj, previous, desired);
        return report.isPresent() && !report.get().converged()
                && (!report.get().events().isEmpty() || !ledger.openIntents().isEmpty());
    }

    /** Hands something to the runtime's metrics sink; a failing sink never fails a pass. */
    private void metrics(Consumer<AgentMetricsSink> call) {
        try {
            call.accept(runtime.metrics());
        } catch (RuntimeException e) {
            LOG.debugf(e, "node %s: metrics sink failed", node);
        }
    }

    private void noteReport(Optional<ConvergeReport> report) {
        if (report.isEmpty()) {
            return;
        }
        ConvergeReport r = report.get();
        if (!r.events().isEmpty()) {
            lastCompleted = NodeStatusBuilder.cut(r.events().get(r.events().size() - 1));
        }
    }

    private AgentStatus agentStatus() {
        var a = new AgentStatus();
        a.setIdentity(lease.holder());
        a.setLease(settings.leaseNamespace() + "/" + AgentLease.name(node));
        ZonedDateTime acquired = lease.acquireTime();
        a.setAcquireTime(acquired == null ? null : acquired.toInstant().truncatedTo(ChronoUnit.SECONDS).toString());
        a.setVersion(settings.version());
        a.setBackend(host.backend());
        return a;
    }

    private static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** Stops watching and renewing; waits up to 10 s for a running pass, then interrupts it. */
    @Override
    public void close() {
        Thread running;
        synchronized (mon) {
            if (closed) {
                return;
            }
            closed = true;
        }
        if (kubeletPlugin != null) {
            kubeletPlugin.close();
        }
        if (resyncTask != null) {
            resyncTask.cancel(false);
        }
        if (leaseTask != null) {
            leaseTask.cancel(false);
        }
        if (informer != null) {
            informer.close();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        synchronized (mon) {
            try {
                while (active && System.nanoTime() < deadline) {
                    mon.wait(100);
                }
                running = active ? worker : null;
                if (running != null) {
                    running.interrupt();
                    long hard = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                    while (active && System.nanoTime() < hard) {
                        mon.wait(100);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        metrics(m -> m.stopped(node));
        if (ownsRuntime) {
            runtime.close();
        }
    }

}
