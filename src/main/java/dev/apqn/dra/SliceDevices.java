package dev.apqn.dra;

import dev.apqn.ap.ApCard;
import dev.apqn.ap.ApMask;
import dev.apqn.ap.ApMdev;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.CardGeneration;
import dev.apqn.ap.Matrix;
import dev.apqn.api.v1alpha1.ReservationSync;
import dev.apqn.apbus.ApInventory;
import io.fabric8.kubernetes.api.model.resource.v1.Device;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceAttribute;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * The devices a node publishes: one per reservation its agent reports {@code Ready} with an mdev that
 * its inventory shows, described by the mdev's matrix as the agent read it from sysfs and by the
 * cards' generation and mode. Sorted by device name (the mdev UUID), so equal inputs give equal lists.
 */
public final class SliceDevices {

    /**
     * The API server's limit for a string attribute. A longer value (a reservation name over 64
     * characters, or the APQN list of a large matrix) would make the whole slice invalid, so that
     * attribute is left out of the device; the others still select it.
     */
    public static final int MAX_STRING_ATTRIBUTE = 64;

    private SliceDevices() {
    }

    /** The devices for the agent's per-reservation states and its inventory. */
    public static List<Device> of(List<ReservationSync> reservations, ApInventory inventory) {
        List<Device> out = new ArrayList<>();
        for (ReservationSync sync : reservations == null ? List.<ReservationSync>of() : reservations) {
            if (sync.getState() != ReservationSync.State.Ready || sync.getMdevUuid() == null) {
                continue;
            }
            UUID uuid;
            try {
                uuid = UUID.fromString(sync.getMdevUuid());
            } catch (IllegalArgumentException e) {
                continue; // not an mdev the kernel could have
            }
            ApMdev mdev = inventory.mdevs().get(uuid);
            if (mdev == null) {
                continue; // Ready in the status but not on the host (any more): nothing to hand out
            }
            out.add(device(sync.getReservation(), uuid, mdev.matrix(), inventory));
        }
        out.sort(Comparator.comparing(Device::getName));
        return out;
    }

    static Device device(String reservation, UUID uuid, Matrix matrix, ApInventory inventory) {
        int slash = reservation.indexOf('/');
        Map<String, DeviceAttribute> a = new TreeMap<>();
        putString(a, DraDriver.ATTR_RESERVATION_NAMESPACE, slash < 0 ? "" : reservation.substring(0, slash));
        putString(a, DraDriver.ATTR_RESERVATION_NAME, reservation.substring(slash + 1));
        putString(a, DraDriver.ATTR_MDEV_UUID, uuid.toString().toLowerCase(Locale.ROOT));
        List<Apqn> apqns = matrix.apqns();
        putString(a, DraDriver.ATTR_APQNS, apqns.stream().sorted().map(Apqn::toString).collect(Collectors.joining(",")));
        var count = new DeviceAttribute();
        count.setInt((long) apqns.size());
        a.put(DraDriver.ATTR_APQN_COUNT, count);
        putString(a, DraDriver.ATTR_ADAPTERS, hex(matrix.adapters(), "%02x"));
        putString(a, DraDriver.ATTR_DOMAINS, hex(matrix.domains(), "%04x"));
        putString(a, DraDriver.ATTR_CONTROL_DOMAINS, hex(matrix.controlDomains(), "%04x"));
        TreeSet<String> generations = new TreeSet<>();
        TreeSet<String> modes = new TreeSet<>();
        matrix.adapters().ids().forEach(id -> {
            ApCard card = inventory.cards().get(id);
            if (card != null) {
                CardGeneration.ofHwtype(card.hwtype()).ifPresent(g -> generations.add(g.name()));
                modeName(card.mode()).ifPresent(modes::add);
            }
        });
        putString(a, DraDriver.ATTR_GENERATIONS, String.join(",", generations));
        putString(a, DraDriver.ATTR_MODES, String.join(",", modes));
        var d = new Device();
        d.setName(uuid.toString().toLowerCase(Locale.ROOT));
        d.setAttributes(a);
        return d;
    }

    /** The mode as a selector spells it; a card whose mode bits are unknown adds nothing. */
    static Optional<String> modeName(ApCard.Mode mode) {
        return switch (mode) {
            case CCA -> Optional.of("cca");
            case EP11 -> Optional.of("ep11");
            case ACCELERATOR -> Optional.of("accel");
            case UNKNOWN -> Optional.empty();
        };
    }

    private static String hex(ApMask mask, String format) {
        return mask.ids().mapToObj(id -> String.format(format, id)).collect(Collectors.joining(","));
    }

    private static void putString(Map<String, DeviceAttribute> attributes, String name, String value) {
        if (value.length() > MAX_STRING_ATTRIBUTE) {
            return;
        }
        var v = new DeviceAttribute();
        v.setString(value);
        attributes.put(name, v);
    }
}
