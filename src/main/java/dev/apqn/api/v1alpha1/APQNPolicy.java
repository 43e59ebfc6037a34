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
 * An admin's rules for the nodes it selects (cluster-scoped): what stays with the host, whether
 * collateral needs approval, and which namespaces may reserve what. Policies selecting the same
 * node combine: host keeps add up, RequireApproval wins, and once any selecting policy has grants a
 * namespace needs a grant from one of them.
 */
@Group(APQNReservation.GROUP)
@Version(APQNReservation.VERSION)
@Kind("APQNPolicy")
@Plural("apqnpolicies")
@Singular("apqnpolicy")
@ShortNames("apqnp")
@Categories("apqn")
@AdditionalPrinterColumn(name = "Collateral", jsonPath = ".spec.collateral", type = AdditionalPrinterColumn.Type.STRING,
        getDescription = "Allowed or RequireApproval")
@AdditionalPrinterColumn(name = "Nodes", jsonPath = ".status.matchingNodes", type = AdditionalPrinterColumn.Type.INTEGER,
        getDescription = "Nodes the policy selects")
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
@JsonClassDescription("Admin policy for AP queues on the selected nodes.")
public class APQNPolicy extends CustomResource<APQNPolicySpec, APQNPolicyStatus> {
}
