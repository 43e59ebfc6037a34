package dev.apqn.api.v1alpha1;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.UUID;

/**
 * The mdev UUID of a reservation: {@code spec.mdevUuid} if given, else a name-based (RFC 9562
 * version 5, SHA-1) UUID of {@code namespace/name/uid} in a fixed apqn.dev namespace. Stable for the
 * life of the reservation (controller restarts, re-plans, other nodes' changes); a deleted and
 * re-created reservation (new uid) gets a new mdev.
 */
public final class MdevUuids {

    /** The v5 namespace of derived mdev UUIDs: the v5 UUID of "apqn.dev/mdev" in the RFC's URL namespace. */
    public static final UUID NAMESPACE = v5(UUID.fromString("6ba7b811-9dad-11d1-80b4-00c04fd430c8"), "apqn.dev/mdev");

    private MdevUuids() {
    }

    /** The reservation's mdev UUID. */
    public static UUID of(APQNReservation r) {
        var spec = r.getSpec();
        if (spec != null && spec.getMdevUuid() != null) {
            return UUID.fromString(spec.getMdevUuid());
        }
        var md = r.getMetadata();
        return derive(md.getNamespace(), md.getName(), md.getUid());
    }

    /** The derived UUID for a reservation identity. */
    public static UUID derive(String namespace, String name, String uid) {
        if (namespace == null || name == null || uid == null) {
            throw new IllegalArgumentException("deriving an mdev UUID needs namespace, name and uid; got "
                    + namespace + "/" + name + " uid " + uid);
        }
        return v5(NAMESPACE, namespace + "/" + name + "/" + uid);
    }

    static UUID v5(UUID namespace, String name) {
        try {
            var sha1 = MessageDigest.getInstance("SHA-1");
            sha1.update(ByteBuffer.allocate(16).putLong(namespace.getMostSignificantBits())
                    .putLong(namespace.getLeastSignificantBits()).array());
            byte[] h = sha1.digest(name.getBytes(StandardCharsets.UTF_8));
            h[6] = (byte) ((h[6] & 0x0f) | 0x50); // version 5
            h[8] = (byte) ((h[8] & 0x3f) | 0x80); // IETF variant
            var bb = ByteBuffer.wrap(h, 0, 16);
            return new UUID(bb.getLong(), bb.getLong());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
