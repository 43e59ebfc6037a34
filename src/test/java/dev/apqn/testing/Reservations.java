package dev.apqn.testing;

import dev.apqn.api.v1alpha1.APQNReservation;
import dev.apqn.api.v1alpha1.APQNReservationSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.List;

/** Reservations as the tests write them: the explicit form (node, adapters × domains), the rest defaulted. */
public final class Reservations {

    private Reservations() {
    }

    /** {@code ns/name} on {@code node}: every APQN of {@code adapters} × {@code domains}. */
    public static APQNReservation explicit(String ns, String name, String node, List<Integer> adapters, List<Integer> domains) {
        var r = new APQNReservation();
        r.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
        var s = new APQNReservationSpec();
        s.setNodeName(node);
        s.setAdapters(adapters);
        s.setDomains(domains);
        r.setSpec(s);
        return r;
    }
}
