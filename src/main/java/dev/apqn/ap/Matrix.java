package dev.apqn.ap;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * A vfio_ap matrix: adapters (apm) × usage domains (aqm), plus control domains (adm). This is what
 * an mdev's {@code matrix}, {@code guest_matrix}, {@code control_domains} and {@code ap_config}
 * attributes show (ap-bus.md §1.8, §1.9).
 */
public record Matrix(ApMask adapters, ApMask domains, ApMask controlDomains) {

    public static final Matrix EMPTY = new Matrix(ApMask.none(), ApMask.none(), ApMask.none());

    public Matrix {
        Objects.requireNonNull(adapters, "adapters");
        Objects.requireNonNull(domains, "domains");
        Objects.requireNonNull(controlDomains, "controlDomains");
    }

    public static Matrix of(ApMask adapters, ApMask domains) {
        return new Matrix(adapters, domains, ApMask.none());
    }

    /**
     * The matrix whose adapters × domains are exactly {@code apqns}; fails, naming the missing
     * APQNs, when the set is not a full rectangle (a guest always gets whole rows and columns).
     */
    public static Matrix ofRectangle(Collection<Apqn> apqns) {
        ApMask apm = ApMask.of(apqns.stream().map(Apqn::adapter).toList());
        ApMask aqm = ApMask.of(apqns.stream().map(Apqn::domain).toList());
        Matrix m = of(apm, aqm);
        SortedSet<Apqn> missing = new TreeSet<>(m.apqns());
        missing.removeAll(apqns);
        if (!missing.isEmpty()) {
            throw new ApSyntaxException("the APQNs " + new TreeSet<>(apqns) + " do not form an adapters x domains rectangle;"
                    + " add " + missing + " or choose APQNs that share the same domains on every adapter");
        }
        return m;
    }

    /** Every APQN of adapters × domains, adapter-major then domain, as the kernel lists them. */
    public List<Apqn> apqns() {
        List<Apqn> out = new ArrayList<>(adapters.cardinality() * domains.cardinality());
        adapters.ids().forEach(a -> domains.ids().forEach(d -> out.add(new Apqn(a, d))));
        return out;
    }

    public boolean contains(Apqn apqn) {
        return adapters.get(apqn.adapter()) && domains.get(apqn.domain());
    }

    /** True if the two matrices share at least one APQN (the kernel's cross-mdev EADDRINUSE test). */
    public boolean overlaps(Matrix other) {
        return adapters.intersects(other.adapters) && domains.intersects(other.domains);
    }

    public boolean isEmpty() {
        return adapters.isEmpty() && domains.isEmpty() && controlDomains.isEmpty();
    }

    public Matrix withAdapters(ApMask apm) {
        return new Matrix(apm, domains, controlDomains);
    }

    public Matrix withDomains(ApMask aqm) {
        return new Matrix(adapters, aqm, controlDomains);
    }

    public Matrix withControlDomains(ApMask adm) {
        return new Matrix(adapters, domains, adm);
    }

    /**
     * The kernel's {@code matrix}/{@code guest_matrix} text: one {@code %02x.%04x} line per APQN;
     * {@code %02x.} lines when only adapters are set; {@code .%04x} lines when only domains are;
     * empty when neither.
     */
    public String toMatrixText() {
        StringBuilder sb = new StringBuilder();
        if (!adapters.isEmpty() && !domains.isEmpty()) {
            apqns().forEach(q -> sb.append(q).append('\n'));
        } else if (!adapters.isEmpty()) {
            adapters.ids().forEach(a -> sb.append(String.format("%02x.\n", a)));
        } else if (!domains.isEmpty()) {
            domains.ids().forEach(d -> sb.append(String.format(".%04x\n", d)));
        }
        return sb.toString();
    }

    /** The kernel's {@code control_domains} text: one {@code %04x} line per control domain. */
    public String toControlDomainsText() {
        StringBuilder sb = new StringBuilder();
        controlDomains.ids().forEach(d -> sb.append(String.format("%04x\n", d)));
        return sb.toString();
    }

    /** The kernel's {@code ap_config} text: {@code apm,aqm,adm} as three 64-digit masks. */
    public String toApConfigText() {
        return adapters.toHex() + "," + domains.toHex() + "," + controlDomains.toHex() + "\n";
    }

    /**
     * Parses {@code matrix}/{@code guest_matrix} text in any of its three line shapes (as libap
     * does) into adapters and domains; control domains are empty.
     */
    public static Matrix parseMatrixText(String text) {
        SortedSet<Integer> apm = new TreeSet<>();
        SortedSet<Integer> aqm = new TreeSet<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            int dot = line.indexOf('.');
            if (dot < 0 || line.indexOf('.', dot + 1) >= 0) {
                throw new ApSyntaxException("unexpected matrix line \"" + line + "\": expected AA.DDDD, AA. or .DDDD in hex");
            }
            String a = line.substring(0, dot);
            String d = line.substring(dot + 1);
            if (!a.isEmpty()) {
                apm.add(parseHexId(a, line));
            }
            if (!d.isEmpty()) {
                aqm.add(parseHexId(d, line));
            }
        }
        return of(ApMask.of(apm), ApMask.of(aqm));
    }

    /** Parses {@code control_domains} text ({@code %04x} lines). */
    public static ApMask parseControlDomainsText(String text) {
        SortedSet<Integer> adm = new TreeSet<>();
        for (String line : text.split("\n")) {
            if (!line.isEmpty()) {
                adm.add(parseHexId(line, line));
            }
        }
        return ApMask.of(adm);
    }

    /** Parses {@code ap_config} text ({@code apm,aqm,adm}). */
    public static Matrix parseApConfigText(String text) {
        String[] parts = text.strip().split(",");
        if (parts.length != 3) {
            throw new ApSyntaxException("unexpected ap_config \"" + text.strip() + "\": expected three comma-separated masks apm,aqm,adm");
        }
        return new Matrix(ApMask.parseAbsolute(parts[0]), ApMask.parseAbsolute(parts[1]), ApMask.parseAbsolute(parts[2]));
    }

    private static int parseHexId(String hex, String line) {
        try {
            int id = Integer.parseInt(hex, 16);
            Apqn.checkId("id", id);
            return id;
        } catch (NumberFormatException e) {
            throw new ApSyntaxException("unexpected matrix line \"" + line + "\": \"" + hex + "\" is not a hex number");
        }
    }

    @Override
    public String toString() {
        return "adapters " + adapters + " x domains " + domains
                + (controlDomains.isEmpty() ? "" : ", control domains " + controlDomains);
    }
}
