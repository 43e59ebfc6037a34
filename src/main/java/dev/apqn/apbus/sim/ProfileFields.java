package dev.apqn.apbus.sim;

import dev.apqn.ap.ApMask;
import dev.apqn.ap.ApSyntaxException;
import dev.apqn.apbus.sim.ProfileYaml.MapNode;
import dev.apqn.apbus.sim.ProfileYaml.Node;
import dev.apqn.apbus.sim.ProfileYaml.Scalar;
import dev.apqn.apbus.sim.ProfileYaml.SeqNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import static dev.apqn.apbus.sim.ProfileText.join;
import static dev.apqn.apbus.sim.ProfileText.label;
import static dev.apqn.apbus.sim.ProfileText.quote;
import static dev.apqn.apbus.sim.ProfileYaml.describe;
import static dev.apqn.apbus.sim.ProfileYaml.isAbsent;

/**
 * Typed reads of profile YAML values: mappings with only known fields, numbers, booleans, id sets
 * and initial masks. A bad value is recorded in {@link #problems} (with its path and a fix) and read
 * as null, so that one pass reports every problem instead of stopping at the first.
 */
final class ProfileFields {

    private static final Pattern HEX_MASK = Pattern.compile("0x[0-9a-fA-F]*");

    final List<String> problems = new ArrayList<>();

    /** A mapping with only known fields, or null (problem recorded). Unknown fields are reported, with a guess. */
    MapNode map(Node n, String path, List<String> known) {
        if (!(n instanceof MapNode m)) {
            problems.add(label(path) + ": expected a mapping with the fields " + String.join(", ", known)
                    + ", found " + describe(n));
            return null;
        }
        for (String field : m.fields().keySet()) {
            if (!known.contains(field)) {
                String guess = closest(field, known);
                problems.add(join(path, field) + ": unknown field; "
                        + (guess != null ? "did you mean " + guess + "? " : "remove it or use one of ")
                        + (guess != null ? "Known fields here: " : "") + String.join(", ", known));
            }
        }
        return m;
    }

    String text(MapNode m, String field, String def) {
        Node n = m.fields().get(field);
        if (isAbsent(n)) {
            return def;
        }
        return scalarText(n, field);
    }

    String scalarText(Node n, String path) {
        if (n instanceof Scalar s && s.text() != null) {
            return s.text();
        }
        problems.add(path + ": expected a single value, found " + describe(n));
        return null;
    }

    int integer(MapNode m, String parent, String field, int def, int min, int max, String fix) {
        Node n = m.fields().get(field);
        if (isAbsent(n)) {
            return def;
        }
        Integer v = number(n, join(parent, field), min, max, fix);
        return v == null ? def : v;
    }

    Integer number(Node n, String path, int min, int max, String fix) {
        String t = scalarText(n, path);
        if (t == null) {
            return null;
        }
        Long v = ProfileIdSets.parseNumber(t.strip());
        if (v == null) {
            problems.add(path + ": " + quote(t) + " is not a number; write a decimal number or 0x followed by hex digits");
            return null;
        }
        if (v < min || v > max) {
            problems.add(path + ": " + t.strip() + " is out of range; " + fix);
            return null;
        }
        return v.intValue();
    }

    Boolean bool(Node n, String path, boolean def) {
        if (isAbsent(n)) {
            return def;
        }
        String t = scalarText(n, path);
        if (t == null) {
            return null;
        }
        switch (t.strip().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on" -> {
                return true;
            }
            case "false", "no", "off" -> {
                return false;
            }
            default -> {
                problems.add(path + ": " + quote(t) + " is not a boolean; write true or false");
                return null;
            }
        }
    }

    /** An id set: number, "a-b,c" string, or list of those. Null on error (problem recorded). */
    ApMask idSet(Node n, String path) {
        if (isAbsent(n)) {
            return ApMask.none();
        }
        if (n instanceof SeqNode seq) {
            ApMask acc = ApMask.none();
            boolean ok = true;
            for (int i = 0; i < seq.items().size(); i++) {
                ApMask one = idSet(seq.items().get(i), path + "[" + i + "]");
                if (one == null) {
                    ok = false;
                } else {
                    acc = acc.or(one);
                }
            }
            return ok ? acc : null;
        }
        if (n instanceof MapNode) {
            problems.add(path + ": expected ids, found a mapping; " + ProfileIdSets.ID_SYNTAX);
            return null;
        }
        String t = ((Scalar) n).text();
        try {
            return ProfileIdSets.parseIds(t);
        } catch (IllegalArgumentException e) {
            problems.add(path + ": " + quote(t) + " is not an id list: " + e.getMessage() + "; " + ProfileIdSets.ID_SYNTAX);
            return null;
        }
    }

    /** An initial mask: absent = all ones, kernel relative or absolute syntax, else an id set of the set bits. */
    ApMask mask(Node n, String path) {
        if (isAbsent(n)) {
            return ApMask.all();
        }
        if (n instanceof Scalar s) {
            String t = s.text().strip();
            if (t.startsWith("+") || t.startsWith("-")) {
                try {
                    return ApMask.parseRelative(t, ApMask.all());
                } catch (ApSyntaxException e) {
                    problems.add(path + ": " + e.getMessage() + " (applied to the all-ones default)");
                    return null;
                }
            }
            if (HEX_MASK.matcher(t).matches()) {
                try {
                    return ApMask.parseAbsolute(t);
                } catch (ApSyntaxException e) {
                    problems.add(path + ": " + e.getMessage());
                    return null;
                }
            }
        }
        return idSet(n, path);
    }

    /** The known field a misspelt one most likely meant, or null if none is close enough to suggest. */
    private static String closest(String field, List<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            int d = k.equalsIgnoreCase(field) ? 0 : distance(k.toLowerCase(Locale.ROOT), field.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        return bestDistance <= Math.max(1, Math.min(3, field.length() / 3)) ? best : null;
    }

    /** Levenshtein edit distance. */
    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
