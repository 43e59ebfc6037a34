package dev.apqn.plan;

import dev.apqn.ap.ApMask;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.Matrix;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.HexFormat;
import java.util.stream.Collectors;

/**
 * Plan hashes: SHA-256 of a canonical text (one {@code key=value} line per field, sets sorted,
 * masks as decimal range lists), shortened to {@value #HEX_CHARS} lower-case hex digits. The
 * canonical text is the contract: the same inputs give the same hash in any JVM.
 */
public final class PlanHash {

    public static final int HEX_CHARS = 16;
    static final String VERSION = "apqn-plan/v1";

    private final StringBuilder text = new StringBuilder(VERSION).append('\n');

    public PlanHash line(String key, Object value) {
        text.append(key).append('=').append(value).append('\n');
        return this;
    }

    public PlanHash mask(String key, ApMask mask) {
        return line(key, mask.toRangeList());
    }

    public PlanHash apqns(String key, Collection<Apqn> apqns) {
        return line(key, apqns.stream().sorted().map(Apqn::toString).collect(Collectors.joining(",")));
    }

    public PlanHash matrix(String key, Matrix m) {
        return line(key, "a:" + m.adapters().toRangeList() + ";d:" + m.domains().toRangeList()
                + ";c:" + m.controlDomains().toRangeList());
    }

    public String text() {
        return text.toString();
    }

    public String hash() {
        return shortSha256(text.toString());
    }

    public static String shortSha256(String canonical) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d).substring(0, HEX_CHARS);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    /** The node hash: everything the agent executes, and the generation it was computed for. */
    public static String of(String nodeName, HostTarget t) {
        PlanHash h = new PlanHash().line("node", nodeName).line("mode", t.mode())
                .line("generation", t.inventoryGeneration())
                .mask("adaptersOffHost", t.adaptersOffHost()).mask("domainsOffHost", t.domainsOffHost())
                .apqns("overrides", t.overrides());
        t.mdevs().forEach((uuid, m) -> h.line("mdev", uuid + " " + m.owner()).matrix("mdev.matrix", m.matrix()));
        t.claims().stream()
                .sorted(java.util.Comparator.comparing((OffHostClaim c) -> c.kind()).thenComparing(OffHostClaim::owner))
                .forEach(c -> h.apqns("claim." + c.kind() + "." + c.owner(), c.apqns()));
        return h.hash();
    }
}
