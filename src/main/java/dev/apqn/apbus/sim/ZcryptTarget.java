package dev.apqn.apbus.sim;

import dev.apqn.ap.Apqn;

import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Where a zcrypt request may be routed: a restriction to some adapters and/or some usage domains
 * (a CCA CPRB names its domain, an EP11 request may carry a target list, a restricted zcrypt
 * device node admits only its apmask × aqmask). An empty set means "no restriction".
 */
public record ZcryptTarget(Set<Integer> adapters, Set<Integer> domains) {

    /** Any usable queue. */
    public static final ZcryptTarget ANY = new ZcryptTarget(Set.of(), Set.of());

    public ZcryptTarget {
        adapters = Set.copyOf(adapters);
        domains = Set.copyOf(domains);
    }

    public static ZcryptTarget adapters(int... ids) {
        return new ZcryptTarget(toSet(ids), Set.of());
    }

    public static ZcryptTarget domains(int... ids) {
        return new ZcryptTarget(Set.of(), toSet(ids));
    }

    /** Exactly one APQN (e.g. an EP11 request with a single-entry target list). */
    public static ZcryptTarget apqn(Apqn apqn) {
        return new ZcryptTarget(Set.of(apqn.adapter()), Set.of(apqn.domain()));
    }

    public boolean allows(Apqn apqn) {
        return (adapters.isEmpty() || adapters.contains(apqn.adapter()))
                && (domains.isEmpty() || domains.contains(apqn.domain()));
    }

    public boolean unrestricted() {
        return adapters.isEmpty() && domains.isEmpty();
    }

    @Override
    public String toString() {
        if (unrestricted()) {
            return "any";
        }
        String a = adapters.isEmpty() ? "*" : fmt(adapters, "%02x");
        String d = domains.isEmpty() ? "*" : fmt(domains, "%04x");
        return a + "." + d;
    }

    private static String fmt(Set<Integer> ids, String format) {
        String joined = new TreeSet<>(ids).stream().map(i -> String.format(format, i)).collect(Collectors.joining(","));
        return ids.size() == 1 ? joined : "{" + joined + "}";
    }

    private static Set<Integer> toSet(int... ids) {
        return Arrays.stream(ids).boxed().collect(Collectors.toUnmodifiableSet());
    }
}
