package dev.apqn.apbus.sim;

import dev.apqn.ap.Apqn;

import java.util.Random;

/**
 * The CCA and EP11 information attributes zcrypt_cex4 adds while it is bound (ap-bus.md §1.11):
 * card {@code serialnr}, EP11 card {@code API_ordinalnr}, {@code FW_version}, {@code op_modes},
 * queue {@code mkvps} and EP11 queue {@code op_modes}, in the kernel's exact formats. The kernel
 * gets the values by sending a CPRB to the card; when no usable queue can answer, the show functions
 * print their "unknown" forms ({@code \n}, {@code - -}), and so does the model. Runs under the
 * kernel lock.
 *
 * <h2>Model values</h2>
 * Every CCA domain has a current AES, APKA (and, from AP_CONFIG, ASYM) master key and empty new /
 * invalid old registers; every EP11 domain a current wrapping key and an empty new one. The
 * verification patterns depend on the seed and the domain only, because a master key is loaded per
 * domain, usually the same on every card of a domain. EP11 cards and domains run in no compliance
 * mode (op_mode 0, which prints as an empty line). The kernel's info caches are not modelled: an
 * unreachable card reads as unknown at once.
 */
final class SimZcryptInfo {

    private static final String ZERO_MKVP = "0x0000000000000000";

    private final SimKernel k;

    SimZcryptInfo(SimKernel kernel) {
        this.k = kernel;
    }

    /**
     * Card {@code serialnr}: CCA asks the default domain's queue ({@code ap_domain}) and prints
     * {@code %s} of the 8-character serial; EP11 asks any queue of the card and prints
     * {@code %16.16s}. Unknown: an empty line.
     */
    String serialnr(SimCard c) {
        if (c.hardware().mode() == MachineProfile.Mode.EP11) {
            return anyUsableQueue(c) ? String.format("%16.16s\n", c.serial) : "\n";
        }
        int domain = k.attributes().apDomain();
        SimQueue q = domain < 0 ? null : k.queues().get(Apqn.of(c.id(), domain));
        return q != null && k.zcryptUsable(q) ? c.serial + "\n" : "\n";
    }

    /** EP11 card {@code API_ordinalnr}: {@code %u}, or an empty line when unknown. */
    String apiOrdinal(SimCard c) {
        return anyUsableQueue(c) ? apiOrdinalOf(c) + "\n" : "\n";
    }

    /** EP11 card {@code FW_version}: {@code %d.%d} (major, minor), or an empty line when unknown. */
    String fwVersion(SimCard c) {
        int major = c.hardware().generation().hwtype() - 6;
        return anyUsableQueue(c) ? String.format("%d.%d\n", major, 1) : "\n";
    }

    /** EP11 card or queue {@code op_modes}: the names of the set op_mode bits; none are set in the model. */
    String opModes() {
        return "\n";
    }

    /** Queue {@code mkvps}: the CCA or EP11 master key verification patterns of the queue's domain. */
    String mkvps(SimQueue q) {
        SimCard c = k.cards().get(q.apqn().adapter());
        boolean known = k.zcryptUsable(q);
        return c.hardware().mode() == MachineProfile.Mode.EP11 ? ep11Mkvps(q, known) : ccaMkvps(q, known);
    }

    private String ccaMkvps(SimQueue q, boolean known) {
        Random r = domainRandom(q, MachineProfile.Mode.CCA);
        StringBuilder sb = new StringBuilder();
        for (String key : new String[]{"AES", "APKA"}) {
            String current = String.format("0x%016x", r.nextLong());
            sb.append(known ? key + " NEW: empty " + ZERO_MKVP + "\n" : key + " NEW: - -\n");
            sb.append(known ? key + " CUR: valid " + current + "\n" : key + " CUR: - -\n");
            sb.append(known ? key + " OLD: invalid " + ZERO_MKVP + "\n" : key + " OLD: - -\n");
        }
        if (k.capabilities().ccaAsymMkvps()) {
            String zero = "0x" + "0".repeat(32);
            String current = String.format("0x%016x%016x", r.nextLong(), r.nextLong());
            sb.append(known ? "ASYM NEW: empty " + zero + "\n" : "ASYM NEW: - -\n");
            sb.append(known ? "ASYM CUR: valid " + current + "\n" : "ASYM CUR: - -\n");
            sb.append(known ? "ASYM OLD: invalid " + zero + "\n" : "ASYM OLD: - -\n");
        }
        return sb.toString();
    }

    /** {@code WK CUR: valid 0x<bin2hex of 32 bytes>}, {@code WK NEW: empty -}; unknown: {@code - -}. */
    private String ep11Mkvps(SimQueue q, boolean known) {
        if (!known) {
            return "WK CUR: - -\nWK NEW: - -\n";
        }
        Random r = domainRandom(q, MachineProfile.Mode.EP11);
        StringBuilder wkvp = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            wkvp.append(String.format("%016x", r.nextLong()));
        }
        return "WK CUR: valid 0x" + wkvp + "\nWK NEW: empty -\n";
    }

    private Random domainRandom(SimQueue q, MachineProfile.Mode mode) {
        return new Random(k.seed() * 131 + q.apqn().domain() * 7L + mode.ordinal());
    }

    private boolean anyUsableQueue(SimCard c) {
        for (SimQueue q : k.queuesOf(c.id())) {
            if (k.zcryptUsable(q)) {
                return true;
            }
        }
        return false;
    }

    /** The EP11 API ordinal number the model's firmware reports: grows with the card generation. */
    private static int apiOrdinalOf(SimCard c) {
        return c.hardware().generation().hwtype() - 7;
    }
}
