package dev.apqn.gitops;

import dev.apqn.agent.AgentClock;
import dev.apqn.agent.ConvergeReport;
import dev.apqn.agent.DrainPolicy;
import dev.apqn.agent.HostConverger;
import dev.apqn.agent.IntentLedger;
import dev.apqn.agent.kube.NodeStatusBuilder;
import dev.apqn.api.v1alpha1.APNodeState;
import dev.apqn.api.v1alpha1.APNodeStateSpec;
import dev.apqn.api.v1alpha1.APQNReservation;
import dev.apqn.api.v1alpha1.APQNReservationStatus;
import dev.apqn.api.v1alpha1.AgentStatus;
import dev.apqn.api.v1alpha1.HostTargetMapper;
import dev.apqn.api.v1alpha1.MdevUuids;
import dev.apqn.apbus.ApConfigLock;
import dev.apqn.apbus.SysfsApBus;
import dev.apqn.apbus.sim.MachineProfiles;
import dev.apqn.apbus.sim.SimKernel;
import dev.apqn.apbus.sim.SimSysfs;
import dev.apqn.controller.PlanInputs;
import dev.apqn.controller.ReservationStatusBuilder;
import dev.apqn.plan.Decision;
import dev.apqn.plan.HostTarget;
import dev.apqn.plan.NodePlan;
import dev.apqn.plan.Planner;
import dev.apqn.plan.PolicyView;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.UUID;

/**
 * One node as {@code make demo} runs it, without an API server: a simulated IBM Z kernel (a machine
 * profile of src/main/resources/profiles), the APNodeState the controller creates for it, and the
 * production code that writes both statuses: the planner and {@link ReservationStatusBuilder} (the
 * controller's part), {@link HostConverger} and {@link NodeStatusBuilder} (the agent's part). So the
 * objects the health checks see are built exactly as the operator writes them.
 */
final class SimulatedNode {

    static final String NOW = "2026-12-04T10:00:00Z";

    final String name;
    final SimKernel kernel;
    /** The node's sysfs; its faults() make the kernel refuse writes. */
    final SimSysfs sysfs;
    final APNodeState state = new APNodeState();
    private final HostConverger converger;
    private SortedSet<String> allocated = new TreeSet<>();
    private NodePlan plan;

    SimulatedNode(String name, String profile, Path dir) throws IOException {
        this.name = name;
        this.kernel = SimKernel.boot(MachineProfiles.loadResource(profile), 1);
        this.sysfs = new SimSysfs(kernel);
        Files.createDirectories(dir.resolve("lock"));
        var lock = new ApConfigLock(dir.resolve("lock/s390apconfig.lock"), Duration.ofSeconds(5), Duration.ofMillis(5));
        this.converger = new HostConverger(new SysfsApBus(sysfs), lock, dir.resolve("run/apqn-agent"),
                () -> "boot-1", AgentClock.system());
        // as NodeStateManager creates it: an empty spec, no status; the API server sets generation 1
        state.setMetadata(new ObjectMetaBuilder().withName(name).withGeneration(1L).build());
        state.setSpec(new APNodeStateSpec());
    }

    /** A reservation from deploy/samples as the API server stores it after `kubectl apply` (no status yet). */
    static APQNReservation sample(String file) throws IOException {
        try (InputStream in = Files.newInputStream(Path.of("deploy/samples").resolve(file))) {
            APQNReservation r = Serialization.unmarshal(in, APQNReservation.class);
            r.getMetadata().setUid(UUID.nameUUIDFromBytes(file.getBytes()).toString());
            r.getMetadata().setGeneration(1L);
            r.getMetadata().setCreationTimestamp("2026-12-04T09:50:00Z");
            return r;
        }
    }

    /** One pass of the node's agent (NodeAgent.pass): converge the spec's host edits, write the status. */
    APNodeState agentPass() throws Exception {
        Optional<HostTarget> target = HostTargetMapper.fromSpec(state.getSpec());
        Optional<ConvergeReport> report = Optional.empty();
        long inventoryGeneration;
        if (target.isPresent()) {
            ConvergeReport r = converger.converge(target.get(), DrainPolicy.waitBounded(Duration.ofSeconds(1)));
            report = Optional.of(r);
            inventoryGeneration = r.inventoryGeneration();
        } else {
            inventoryGeneration = converger.inventoryGeneration();
        }
        IntentLedger ledger = converger.ledger();
        String specHash = state.getSpec().getHostEdits() == null ? null : state.getSpec().getHostEdits().getHash();
        var observation = new NodeStatusBuilder.Observation(converger.lastInventory(), report, target, specHash, allocated,
                ledger.owned(), ledger.openIntents(), 0, null, inventoryGeneration, state.getMetadata().getGeneration(),
                ledger.inFlightAtTakeover(), agent());
        state.setStatus(NodeStatusBuilder.build(observation, state.getStatus(), NOW));
        return state;
    }

    private AgentStatus agent() {
        var a = new AgentStatus();
        a.setIdentity("apqn-agent-x7k2p");
        a.setLease("apqn-system/apqn-agent-" + name);
        a.setBackend("simulated");
        return a;
    }

    /**
     * The controller plans the node for these reservations (ReservationReconciler): the planner's
     * decisions, and the host edits applied to the APNodeState's spec (a new generation when they change).
     */
    void plan(APQNReservation... reservations) {
        var inputs = Arrays.stream(reservations).map(r -> PlanInputs.reservationInput(r, Optional.empty())).toList();
        plan = Planner.plan(PlanInputs.nodeInput(state).orElseThrow(), inputs, PolicyView.none());
        APNodeStateSpec spec = HostTargetMapper.toSpec(plan.target(), new APNodeStateSpec());
        if (!Serialization.asJson(spec).equals(Serialization.asJson(state.getSpec()))) {
            state.setSpec(spec);
            state.getMetadata().setGeneration(state.getMetadata().getGeneration() + 1);
        }
        allocated = new TreeSet<>();
        plan.decisions().forEach((key, d) -> {
            if (d instanceof Decision.Allocated) {
                allocated.add(key);
            }
        });
    }

    /** The status the controller writes for {@code r} from the last plan and the agent's last report. */
    APQNReservation writeStatus(APQNReservation r) {
        String key = r.getMetadata().getNamespace() + "/" + r.getMetadata().getName();
        var report = ReservationStatusBuilder.AgentReport.of(state.getStatus(), key, MdevUuids.of(r).toString());
        APQNReservationStatus s = ReservationStatusBuilder.fromDecision(r, name, plan.decision(key),
                PlanInputs.nodeInput(state).orElseThrow(), false, report, NOW);
        r.setStatus(s);
        return r;
    }
}
