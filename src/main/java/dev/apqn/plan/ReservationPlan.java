package dev.apqn.plan;

import dev.apqn.ap.ApMask;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.Matrix;

import java.util.List;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.UUID;

/**
 * The plan preview of one reservation: exactly what allocating it does to the node.
 *
 * @param matrix              the mdev matrix (adapters × domains, control domains)
 * @param mdev                the mdev UUID
 * @param adapterBits         mask mode: apmask bits its cover needs cleared (beyond bits others cleared)
 * @param domainBits          mask mode: aqmask bits its cover needs cleared
 * @param overrides           override mode: queues whose driver_override becomes vfio_ap
 * @param collateral          host APQNs that leave the host because of its cover without being in its matrix
 * @param affectedGuestQueues queues a running guest uses ({@code in use}) that the guest loses by this plan
 * @param warnings            human notes (control domains outside the host configuration, APQNs without queue device)
 * @param hash                short SHA-256 of the canonical text of all the above and the inventory generation
 */
public record ReservationPlan(Matrix matrix, UUID mdev, ApMask adapterBits, ApMask domainBits, SortedSet<Apqn> overrides,
                              SortedSet<Apqn> collateral, SortedSet<Apqn> affectedGuestQueues, List<String> warnings,
                              String hash) {

    public ReservationPlan {
        Objects.requireNonNull(matrix, "matrix");
        Objects.requireNonNull(mdev, "mdev");
        Objects.requireNonNull(adapterBits, "adapterBits");
        Objects.requireNonNull(domainBits, "domainBits");
        overrides = new TreeSet<>(overrides);
        collateral = new TreeSet<>(collateral);
        affectedGuestQueues = new TreeSet<>(affectedGuestQueues);
        warnings = List.copyOf(warnings);
        Objects.requireNonNull(hash, "hash");
    }
}
