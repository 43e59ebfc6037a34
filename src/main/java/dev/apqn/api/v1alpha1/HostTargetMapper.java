package dev.apqn.api.v1alpha1;

import dev.apqn.ap.ApMask;
import dev.apqn.ap.Apqn;
import dev.apqn.plan.HostTarget;
import dev.apqn.plan.MdevTarget;
import dev.apqn.plan.OffHostClaim;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Converts between the planner's {@link HostTarget} and its API form in {@link APNodeStateSpec}
 * ({@code mdevs} + {@code hostEdits}), both ways and losslessly: {@code fromSpec(toSpec(t)) equals t}.
 * {@code spec.allocations} is not part of a HostTarget and is left as it is.
 */
public final class HostTargetMapper {

    private HostTargetMapper() {
    }

    /** Writes {@code target} into {@code spec.mdevs} and {@code spec.hostEdits} (hash included). */
    public static APNodeStateSpec toSpec(HostTarget target, APNodeStateSpec spec) {
        var mdevs = new ArrayList<NodeMdev>();
        for (MdevTarget m : target.mdevs().values()) {
            var n = new NodeMdev();
            n.setUuid(m.uuid().toString());
            n.setReservation(m.owner());
            n.setMatrix(MatrixStatus.of(m.matrix()));
            mdevs.add(n);
        }
        spec.setMdevs(mdevs);
        var e = new HostEdits();
        e.setMode(NodeMode.of(target.mode()));
        e.setInventoryGeneration(target.inventoryGeneration());
        e.setAdaptersOffHost(idsOrNull(target.adaptersOffHost()));
        e.setDomainsOffHost(idsOrNull(target.domainsOffHost()));
        e.setOverrides(target.overrides().isEmpty() ? null : names(target.overrides()));
        var claims = new ArrayList<Claim>();
        for (OffHostClaim c : target.claims()) {
            var claim = new Claim();
            claim.setKind(kind(c.kind()));
            claim.setOwner(c.owner());
            // every kind as rectangles: the controller reads Kept claims back with claimApqns (PlanInputs.keptClaims)
            claim.setRectangles(rectangles(c.apqns()));
            claims.add(claim);
        }
        e.setClaims(claims.isEmpty() ? null : claims);
        e.setHash(hash(target));
        spec.setHostEdits(e);
        return spec;
    }

    // Explicit switches, not ordinals: reordering or adding a kind on either side must not silently remap claims.
    private static Claim.Kind kind(OffHostClaim.Kind kind) {
        return switch (kind) {
            case RESERVED -> Claim.Kind.Reserved;
            case COLLATERAL -> Claim.Kind.Collateral;
            case KEPT -> Claim.Kind.Kept;
            case ADMIN -> Claim.Kind.Admin;
        };
    }

    private static OffHostClaim.Kind kind(Claim.Kind kind) {
        return switch (kind) {
            case Reserved -> OffHostClaim.Kind.RESERVED;
            case Collateral -> OffHostClaim.Kind.COLLATERAL;
            case Kept -> OffHostClaim.Kind.KEPT;
            case Admin -> OffHostClaim.Kind.ADMIN;
        };
    }

    /** A new spec holding {@code target} (no allocations). */
    public static APNodeStateSpec toSpec(HostTarget target) {
        return toSpec(target, new APNodeStateSpec());
    }

    /** The HostTarget the spec carries; empty while the controller has not written host edits yet. */
    public static Optional<HostTarget> fromSpec(APNodeStateSpec spec) {
        if (spec == null || spec.getHostEdits() == null) {
            return Optional.empty();
        }
        HostEdits e = spec.getHostEdits();
        if (e.getMode() == null) {
            throw new IllegalArgumentException("spec.hostEdits.mode is missing");
        }
        var mdevs = new TreeMap<UUID, MdevTarget>();
        if (spec.getMdevs() != null) {
            for (NodeMdev n : spec.getMdevs()) {
                UUID uuid = UUID.fromString(n.getUuid());
                mdevs.put(uuid, new MdevTarget(uuid, n.getReservation(), n.getMatrix().toMatrix()));
            }
        }
        var claims = new ArrayList<OffHostClaim>();
        if (e.getClaims() != null) {
            for (Claim c : e.getClaims()) {
                claims.add(new OffHostClaim(kind(c.getKind()), c.getOwner(), claimApqns(c)));
            }
        }
        return Optional.of(new HostTarget(e.getMode().toOwnershipMode(), MatrixStatus.mask(e.getAdaptersOffHost()),
                MatrixStatus.mask(e.getDomainsOffHost()), apqns(e.getOverrides()), mdevs, claims,
                e.getInventoryGeneration() == null ? 0 : e.getInventoryGeneration()));
    }

    /**
     * A stable hash of everything the agent would do for this target (mode, inventory generation,
     * masks, overrides, mdevs, claims): 16 lower-case hex digits of SHA-256 over a canonical text.
     */
    public static String hash(HostTarget t) {
        var sb = new StringBuilder();
        sb.append("mode=").append(t.mode()).append('\n')
                .append("generation=").append(t.inventoryGeneration()).append('\n')
                .append("apm=").append(t.adaptersOffHost().toRangeList()).append('\n')
                .append("aqm=").append(t.domainsOffHost().toRangeList()).append('\n')
                .append("overrides=").append(t.overrides()).append('\n');
        t.mdevs().values().forEach(m -> sb.append("mdev=").append(m.uuid()).append(' ').append(m.owner()).append(' ')
                .append(m.matrix().adapters().toRangeList()).append('x').append(m.matrix().domains().toRangeList())
                .append('+').append(m.matrix().controlDomains().toRangeList()).append('\n'));
        t.claims().stream().map(c -> c.kind() + " " + c.owner() + " " + c.apqns()).sorted()
                .forEach(c -> sb.append("claim=").append(c).append('\n'));
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(sb.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every APQN a claim of the spec holds: its {@code apqns} plus its {@code rectangles}. */
    public static TreeSet<Apqn> claimApqns(Claim c) {
        TreeSet<Apqn> out = apqns(c.getApqns());
        if (c.getRectangles() != null) {
            for (String r : c.getRectangles()) {
                int colon = r.indexOf(':');
                if (colon < 0) {
                    throw new IllegalArgumentException("claim rectangle '" + r + "' is not 'adapters:domains'");
                }
                ApMask adapters = parseRanges(r.substring(0, colon));
                ApMask domains = parseRanges(r.substring(colon + 1));
                for (int a : adapters.idList()) {
                    for (int d : domains.idList()) {
                        out.add(Apqn.of(a, d));
                    }
                }
            }
        }
        return out;
    }

    /** The APQNs as 'adapters:domains' rectangles: adapters with identical domain sets share one, sorted. */
    static List<String> rectangles(java.util.Collection<Apqn> apqns) {
        TreeMap<Integer, ApMask> byAdapter = new TreeMap<>();
        apqns.forEach(q -> byAdapter.merge(q.adapter(), ApMask.of(q.domain()), ApMask::or));
        java.util.LinkedHashMap<ApMask, ApMask> adaptersByDomains = new java.util.LinkedHashMap<>();
        byAdapter.forEach((a, d) -> adaptersByDomains.merge(d, ApMask.of(a), ApMask::or));
        var out = new TreeSet<String>();
        adaptersByDomains.forEach((d, a) -> out.add(a.toRangeList() + ":" + d.toRangeList()));
        return out.isEmpty() ? null : new ArrayList<>(out);
    }

    private static ApMask parseRanges(String text) {
        ApMask m = ApMask.none();
        for (String p : text.split(",")) {
            String t = p.strip();
            if (t.isEmpty()) {
                continue;
            }
            int dash = t.indexOf('-');
            m = dash < 0 ? m.with(Integer.parseInt(t))
                    : m.or(ApMask.fromRange(Integer.parseInt(t.substring(0, dash).strip()), Integer.parseInt(t.substring(dash + 1).strip())));
        }
        return m;
    }

    private static List<Integer> idsOrNull(ApMask mask) {
        return mask.isEmpty() ? null : new ArrayList<>(mask.idList());
    }

    private static List<String> names(java.util.Collection<Apqn> apqns) {
        return new ArrayList<>(apqns.stream().sorted().map(Apqn::toString).toList());
    }

    private static TreeSet<Apqn> apqns(List<String> names) {
        var set = new TreeSet<Apqn>();
        if (names != null) {
            names.forEach(n -> set.add(Apqn.parse(n)));
        }
        return set;
    }
}
