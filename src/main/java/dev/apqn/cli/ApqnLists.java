package dev.apqn.cli;

import dev.apqn.ap.ApMask;
import dev.apqn.ap.Apqn;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/** APQN sets as short text: every APQN when few, rectangles of hex ranges when many. */
final class ApqnLists {

    /** Up to this many APQNs are listed one by one. */
    static final int LIST_UP_TO = 8;

    private ApqnLists() {
    }

    static TreeSet<Apqn> parse(Collection<String> names) {
        var out = new TreeSet<Apqn>();
        if (names != null) {
            names.forEach(n -> out.add(Apqn.parse(n)));
        }
        return out;
    }

    /** "05.0004, 05.0006" or "166 APQNs: adapters 40-41 x domains 0000-0013,0016-0054". */
    static String describe(Collection<Apqn> apqns) {
        if (apqns.isEmpty()) {
            return "none";
        }
        if (apqns.size() <= LIST_UP_TO) {
            return String.join(", ", new TreeSet<>(apqns).stream().map(Apqn::toString).toList());
        }
        return apqns.size() + " APQNs: " + String.join("; ", rectangles(apqns));
    }

    /** Adapters with the same domains share one "adapters A x domains D" rectangle, ordered by first adapter. */
    static List<String> rectangles(Collection<Apqn> apqns) {
        TreeMap<Integer, ApMask> byAdapter = new TreeMap<>();
        apqns.forEach(q -> byAdapter.merge(q.adapter(), ApMask.of(q.domain()), ApMask::or));
        Map<ApMask, ApMask> adaptersByDomains = new LinkedHashMap<>();
        byAdapter.forEach((a, d) -> adaptersByDomains.merge(d, ApMask.of(a), ApMask::or));
        List<String> out = new ArrayList<>();
        adaptersByDomains.forEach((d, a) -> out.add("adapters " + hexRanges(a, 2) + " x domains " + hexRanges(d, 4)));
        return out;
    }

    /** "03-06,0a" for a mask, each id as {@code digits} hex digits. */
    static String hexRanges(ApMask mask, int digits) {
        List<String> parts = new ArrayList<>();
        List<Integer> ids = mask.idList();
        String f = "%0" + digits + "x";
        for (int i = 0; i < ids.size(); ) {
            int j = i;
            while (j + 1 < ids.size() && ids.get(j + 1) == ids.get(j) + 1) {
                j++;
            }
            parts.add(j == i ? String.format(f, ids.get(i)) : String.format(f + "-" + f, ids.get(i), ids.get(j)));
            i = j + 1;
        }
        return String.join(",", parts);
    }

    static String hexRanges(Collection<Integer> ids, int digits) {
        return ids == null || ids.isEmpty() ? "none" : hexRanges(ApMask.of(ids), digits);
    }
}
