package dev.apqn.ap;

import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * One vfio_ap mediated device {@code /sys/devices/vfio_ap/matrix/<uuid>} (ap-bus.md §1.8).
 *
 * @param uuid        its UUID (the directory name, lower case)
 * @param matrix      what is assigned: adapters × domains from {@code matrix} (or {@code ap_config}),
 *                    control domains from {@code control_domains} (or {@code ap_config})
 * @param guestMatrix what a guest gets ({@code guest_matrix}, 6.0+: adapters × domains after filtering,
 *                    control domains not shown there); empty on kernels without the file
 */
public record ApMdev(UUID uuid, Matrix matrix, Optional<Matrix> guestMatrix) {

    public ApMdev {
        Objects.requireNonNull(uuid, "uuid");
        Objects.requireNonNull(matrix, "matrix");
        Objects.requireNonNull(guestMatrix, "guestMatrix");
    }
}
