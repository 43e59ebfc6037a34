package dev.apqn.plan;

import dev.apqn.ap.ApCard;
import dev.apqn.ap.ApQueue;
import dev.apqn.ap.CardGeneration;

import java.util.Objects;
import java.util.Optional;

/**
 * One existing queue device as the agent reported it.
 *
 * @param generation its card's generation
 * @param mode       its card's mode
 * @param hostOwned  bound to (or owned by) the host's zcrypt driver
 * @param vfioStatus vfio_ap's {@code status} when bound to vfio_ap; {@code IN_USE} means a running guest has it
 */
public record QueueInfo(CardGeneration generation, ApCard.Mode mode, boolean hostOwned,
                        Optional<ApQueue.VfioStatus> vfioStatus) {

    public QueueInfo {
        Objects.requireNonNull(generation, "generation");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(vfioStatus, "vfioStatus");
    }

    public static QueueInfo host(CardGeneration generation, ApCard.Mode mode) {
        return new QueueInfo(generation, mode, true, Optional.empty());
    }

    public QueueInfo withVfio(ApQueue.VfioStatus status) {
        return new QueueInfo(generation, mode, false, Optional.of(status));
    }

    public boolean inUse() {
        return vfioStatus.filter(s -> s == ApQueue.VfioStatus.IN_USE).isPresent();
    }
}
