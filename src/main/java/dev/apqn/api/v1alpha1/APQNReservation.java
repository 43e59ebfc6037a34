package dev.apqn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A user's request for AP queues on one node, handed to a KVM guest as one vfio_ap mediated
 * device. Users own {@code spec}; the controller owns {@code status}.
 */
@Group(APQNReservation.GROUP)
@Version(APQNReservation.VERSION)
@Kind("APQNReservation")
@Plural("apqnreservations")
@Singular("apqnreservation")
@ShortNames("apqnr")
@Categories("apqn")
@AdditionalPrinterColumn(name = "Node", jsonPath = ".status.node", type = AdditionalPrinterColumn.Type.STRING,
        getDescription = "The node the APQNs are on")
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING,
        getDescription = "Lifecycle phase")
@AdditionalPrinterColumn(name = "APQNs", jsonPath = ".status.apqnSummary", type = AdditionalPrinterColumn.Type.STRING,
        getDescription = "The reserved APQNs (adapter.domain, hex)")
@AdditionalPrinterColumn(name = "Mdev", jsonPath = ".status.mdevUuid", type = AdditionalPrinterColumn.Type.STRING,
        getDescription = "UUID of the vfio_ap mediated device")
@AdditionalPrinterColumn(name = "Consumer", jsonPath = ".status.consumers[0].claim", type = AdditionalPrinterColumn.Type.STRING,
        getDescription = "The first ResourceClaim (namespace/name) the device is prepared for")
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
@JsonClassDescription("Reserves AP queues (APQNs: crypto adapter x domain) on an IBM Z node for a KVM guest, as one vfio_ap mediated device.")
public class APQNReservation extends CustomResource<APQNReservationSpec, APQNReservationStatus> implements Namespaced {

    public static final String GROUP = "apqn.dev";
    public static final String VERSION = "v1alpha1";

    /** {@code namespace/name}, the owner string used in plans, claims and node state. */
    public String ref() {
        return getMetadata().getNamespace() + "/" + getMetadata().getName();
    }
}
