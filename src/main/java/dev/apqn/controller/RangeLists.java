package dev.apqn.controller;

import dev.apqn.ap.ApMask;

import java.util.ArrayList;
import java.util.List;

/** Parses the compact decimal range lists of APNodeState.status ("0-3,6,9-84"; empty = none). */
public final class RangeLists {

    private RangeLists() {
    }

    public static ApMask parse(String text) {
        if (text == null || text.isBlank()) {
            return ApMask.none();
        }
        List<Integer> ids = new ArrayList<>();
        for (String part : text.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            int dash = p.indexOf('-');
            try {
                if (dash < 0) {
                    ids.add(Integer.parseInt(p));
                } else {
                    int from = Integer.parseInt(p.substring(0, dash).trim());
                    int to = Integer.parseInt(p.substring(dash + 1).trim());
                    if (to < from) {
                        throw new IllegalArgumentException("range " + p + " in \"" + text + "\" runs backwards");
                    }
                    for (int i = from; i <= to; i++) {
                        ids.add(i);
                    }
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("\"" + text + "\" is not a decimal range list like 0-3,6,9-84", e);
            }
        }
        for (int id : ids) {
            if (id < 0 || id > ApMask.MAX_ID) {
                throw new IllegalArgumentException("id " + id + " in \"" + text + "\" is outside 0-" + ApMask.MAX_ID);
            }
        }
        return ApMask.of(ids);
    }

    /** Parses, or returns {@code fallback} when the text is absent. */
    public static ApMask parseOr(String text, ApMask fallback) {
        return text == null ? fallback : parse(text);
    }
}
