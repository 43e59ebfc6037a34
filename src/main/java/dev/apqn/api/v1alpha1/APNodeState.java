package dev.apqn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * One node's AP state, named after the node (cluster-scoped). The controller owns {@code spec}
 * (desired mdevs, allocations, concrete host edits); the node's agent owns {@code status}
 * (capabilities, inventory, mdevs, sync state). The agent's liveness is a Lease per node
 * ({@link #LEASE_NAMESPACE}/{@code apqn-agent-<node>}), not a status heartbeat.
 */
@Group(APQNReservation.GROUP)
@Version(APQNReservation.VERSION)
@Kind("APNodeState")
@Plural("apnodestates")
@Singular("apnodestate")
@ShortNames("apns")
@Categories("apqn")
@AdditionalPrinterColumn(name = "Mode", jsonPath = ".status.mode", type = AdditionalPrinterColumn.Type.STRING,
        getDescription = "Masks or DriverOverride, as the agent detected it")
@AdditionalPrinterColumn(name = "Free", jsonPath = ".status.freeApqns", type = AdditionalPrinterColumn.Type.INTEGER,
        getDescription = "APQNs with the host and not kept for it by policy")
@AdditionalPrinterColumn(name = "Reserved", jsonPath = ".status.reservedApqns", type = AdditionalPrinterColumn.Type.INTEGER,
        getDescription = "APQNs in the operator's mdevs")
@AdditionalPrinterColumn(name = "Lease", jsonPath = ".status.agent.acquireTime", type = AdditionalPrinterColumn.Type.DATE,
        getDescription = "Since when the current agent instance holds the node's Lease")
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
@JsonClassDescription("One node's AP state (named after the node): desired host edits from the controller, inventory and sync state from the node's agent.")
public class APNodeState extends CustomResource<APNodeStateSpec, APNodeStateStatus> {

    /** Where the agents' Leases live (one per node, named {@code apqn-agent-<node>}). */
    public static final String LEASE_NAMESPACE = "apqn-system";

    public static String leaseName(String node) {
        return "apqn-agent-" + node;
    }
}
