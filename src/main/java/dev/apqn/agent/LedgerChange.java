package dev.apqn.agent;

import dev.apqn.ap.Apqn;
import dev.apqn.ap.Matrix;

import java.util.Objects;
import java.util.UUID;

/**
 * One change to the operator's {@link Ownership}, as the ledger records it when an intent is
 * confirmed by a re-read. Text form (one token, no spaces after URL-encoding by the ledger):
 * {@code +ap|5}, {@code -aq|4}, {@code +ov|05.0004}, {@code +md|<uuid>|<owner>|<ap_config>},
 * {@code =md|<uuid>|<ap_config>}, {@code -md|<uuid>}.
 */
public record LedgerChange(Kind kind, int id, Apqn apqn, UUID uuid, String owner, Matrix matrix) {

    public enum Kind {
        OWN_APMASK("+ap"), DISOWN_APMASK("-ap"), OWN_AQMASK("+aq"), DISOWN_AQMASK("-aq"),
        OWN_OVERRIDE("+ov"), DISOWN_OVERRIDE("-ov"), OWN_MDEV("+md"), CONFIRM_MDEV("=md"), DISOWN_MDEV("-md");

        final String tag;

        Kind(String tag) {
            this.tag = tag;
        }
    }

    public LedgerChange {
        Objects.requireNonNull(kind, "kind");
    }

    static LedgerChange apmask(boolean own, int bit) {
        return new LedgerChange(own ? Kind.OWN_APMASK : Kind.DISOWN_APMASK, bit, null, null, null, null);
    }

    static LedgerChange aqmask(boolean own, int bit) {
        return new LedgerChange(own ? Kind.OWN_AQMASK : Kind.DISOWN_AQMASK, bit, null, null, null, null);
    }

    static LedgerChange override(boolean own, Apqn apqn) {
        return new LedgerChange(own ? Kind.OWN_OVERRIDE : Kind.DISOWN_OVERRIDE, -1, apqn, null, null, null);
    }

    static LedgerChange ownMdev(UUID uuid, String owner, Matrix matrix) {
        return new LedgerChange(Kind.OWN_MDEV, -1, null, uuid, owner, matrix);
    }

    static LedgerChange confirmMdev(UUID uuid, Matrix matrix) {
        return new LedgerChange(Kind.CONFIRM_MDEV, -1, null, uuid, null, matrix);
    }

    static LedgerChange disownMdev(UUID uuid) {
        return new LedgerChange(Kind.DISOWN_MDEV, -1, null, uuid, null, null);
    }

    String encode() {
        return switch (kind) {
            case OWN_APMASK, DISOWN_APMASK, OWN_AQMASK, DISOWN_AQMASK -> kind.tag + "|" + id;
            case OWN_OVERRIDE, DISOWN_OVERRIDE -> kind.tag + "|" + apqn;
            case OWN_MDEV -> kind.tag + "|" + uuid + "|" + owner + "|" + matrix.toApConfigText().strip();
            case CONFIRM_MDEV -> kind.tag + "|" + uuid + "|" + matrix.toApConfigText().strip();
            case DISOWN_MDEV -> kind.tag + "|" + uuid;
        };
    }

    static LedgerChange decode(String text) {
        String[] p = text.split("\\|", -1);
        Kind kind = null;
        for (Kind k : Kind.values()) {
            if (k.tag.equals(p[0])) {
                kind = k;
            }
        }
        if (kind == null) {
            throw new IllegalArgumentException("unknown ledger change " + text);
        }
        return switch (kind) {
            case OWN_APMASK, DISOWN_APMASK -> apmask(kind == Kind.OWN_APMASK, Integer.parseInt(p[1]));
            case OWN_AQMASK, DISOWN_AQMASK -> aqmask(kind == Kind.OWN_AQMASK, Integer.parseInt(p[1]));
            case OWN_OVERRIDE, DISOWN_OVERRIDE -> override(kind == Kind.OWN_OVERRIDE, Apqn.parse(p[1]));
            case OWN_MDEV -> ownMdev(UUID.fromString(p[1]), p[2], Matrix.parseApConfigText(p[3]));
            case CONFIRM_MDEV -> confirmMdev(UUID.fromString(p[1]), Matrix.parseApConfigText(p[2]));
            case DISOWN_MDEV -> disownMdev(UUID.fromString(p[1]));
        };
    }

    @Override
    public String toString() {
        return encode();
    }
}
